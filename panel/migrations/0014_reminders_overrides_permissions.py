"""Data: each reminder an invitation counted becomes a Reminder row (sent); each launch
with an override logged in the access log becomes a CampaignOverride record with the
campaign's reason; researchers groups get the permission to put members on the
do-not-contact list. Reversible: the counters come back from the rows."""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Count, Max


def forwards(apps, schema_editor):
    Invitation = apps.get_model("panel", "Invitation")
    Reminder = apps.get_model("panel", "Reminder")
    for invitation in Invitation.objects.filter(reminders_sent__gt=0):
        for number in range(1, invitation.reminders_sent + 1):
            Reminder.objects.get_or_create(
                invitation=invitation,
                number=number,
                defaults={
                    "state": "sent",
                    "reason": "ok",
                    "sent_at": invitation.reminded_at,
                    "due_at": invitation.reminded_at or invitation.sent_at,
                },
            )
    AccessLog = apps.get_model("panel", "AccessLog")
    Campaign = apps.get_model("panel", "Campaign")
    CampaignOverride = apps.get_model("panel", "CampaignOverride")
    for entry in AccessLog.objects.filter(action__startswith="override:"):
        campaign = Campaign.objects.filter(pk=entry.action.split(":", 1)[1]).first()
        if campaign is not None and campaign.override_reason.strip():
            record = CampaignOverride.objects.create(
                campaign=campaign, reason=campaign.override_reason.strip(), by=entry.staff
            )
            CampaignOverride.objects.filter(pk=record.pk).update(at=entry.at)
        entry.delete()
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Site = apps.get_model("wagtailcore", "Site")
    permission = Permission.objects.filter(
        content_type__app_label="panel", codename="set_do_not_contact"
    ).first()
    roots = Site.objects.values("root_page_id")
    if permission is not None:
        for group in Group.objects.filter(
            pk__in=GroupPagePermission.objects.filter(page_id__in=roots).values("group_id")
        ):
            group.permissions.add(permission)


def backwards(apps, schema_editor):
    Invitation = apps.get_model("panel", "Invitation")
    Reminder = apps.get_model("panel", "Reminder")
    counts = (
        Reminder.objects.filter(state="sent")
        .values("invitation_id")
        .annotate(n=Count("pk"), last=Max("sent_at"))
    )
    for row in counts:
        Invitation.objects.filter(pk=row["invitation_id"]).update(
            reminders_sent=row["n"], reminded_at=row["last"]
        )
    Reminder.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("panel", "0013_contact_gate_reminders"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
