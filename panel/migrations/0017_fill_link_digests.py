"""Data: the digests of the opaque link tokens of existing invitations and sign-ups (the
same keyed hash as panel.link_tokens, copied here so that this migration stays as it is
if that module changes). Reversible: the digests are emptied."""

import base64
import hashlib

from django.db import migrations
from django.utils.crypto import salted_hmac


def _digest(salt, value):
    mac = salted_hmac(salt, str(value), algorithm="sha256").digest()
    token = base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")
    return hashlib.sha256(token.encode()).hexdigest()


def forwards(apps, schema_editor):
    Invitation = apps.get_model("panel", "Invitation")
    PanelMember = apps.get_model("panel", "PanelMember")
    for pk in Invitation.objects.filter(token_digest="").values_list("pk", flat=True).iterator():
        Invitation.objects.filter(pk=pk).update(token_digest=_digest("innsikt.link.invitation", pk))
    for pk in PanelMember.objects.filter(confirm_digest="").values_list("pk", flat=True).iterator():
        PanelMember.objects.filter(pk=pk).update(
            confirm_digest=_digest("innsikt.link.confirmation", pk)
        )


def backwards(apps, schema_editor):
    apps.get_model("panel", "Invitation").objects.update(token_digest="")
    apps.get_model("panel", "PanelMember").objects.update(confirm_digest="")


class Migration(migrations.Migration):
    dependencies = [("panel", "0016_opaque_link_tokens")]

    operations = [migrations.RunPython(forwards, backwards)]
