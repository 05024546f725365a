"""Give members created before pseudonyms existed their pseudonym (reversible: clears)."""

from django.db import migrations


def fill(apps, schema_editor):
    from panel.pseudonyms import member_pseudonym

    PanelMember = apps.get_model("panel", "PanelMember")
    for member in PanelMember.objects.filter(pseudonym="").only("pk"):
        PanelMember.objects.filter(pk=member.pk).update(pseudonym=member_pseudonym(member.pk))


def clear(apps, schema_editor):
    apps.get_model("panel", "PanelMember").objects.update(pseudonym="")


class Migration(migrations.Migration):
    dependencies = [("panel", "0006_campaigns_and_invitations")]
    operations = [migrations.RunPython(fill, clear)]
