"""Hard bounces: from a provider's tracking webhook (django-anymail's signal) or from DSN
messages read by a management command; bounced members get no further mail."""

import email
import mailbox
from email import policy

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Site

from panel.bounces import hard_bounces
from panel.models import PanelMember


@pytest.fixture
def members(library_a):
    site = Site.objects.get(root_page=library_a)
    return [
        PanelMember.objects.create(
            library=site, email=f"{n}@example.no", status="active", age_band="20-24"
        )
        for n in ("kari", "ola", "per")
    ]


DSN = """From: MAILER-DAEMON@mx.example.no
To: innsikt@example.no
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.no

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}

--b1--
"""


def dsn(recipient: str, action: str, status: str):
    text = DSN.format(recipient=recipient, action=action, status=status)
    return email.message_from_bytes(text.encode(), policy=policy.compat32)


def test_dsn_parsing_distinguishes_hard_and_soft():
    assert hard_bounces(dsn("Kari@Example.no", "failed", "5.1.1")) == ["kari@example.no"]
    assert hard_bounces(dsn("ola@example.no", "delayed", "4.4.1")) == []
    assert hard_bounces(dsn("ola@example.no", "failed", "4.2.2")) == []


def test_command_reads_a_maildir_and_marks_members(members, tmp_path):
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(dsn("kari@example.no", "failed", "5.1.1"))
    box.add(dsn("ola@example.no", "delayed", "4.4.1"))
    call_command("ingest_bounces", str(tmp_path / "bounces"), "--maildir", verbosity=0)
    bounced = set(
        PanelMember.objects.filter(bounced_at__isnull=False).values_list("email", flat=True)
    )
    assert bounced == {"kari@example.no"}
    first = PanelMember.objects.get(email="kari@example.no").bounced_at
    call_command("ingest_bounces", str(tmp_path / "bounces"), "--maildir", verbosity=0)
    assert PanelMember.objects.get(email="kari@example.no").bounced_at == first


def test_provider_webhook_event_marks_a_hard_bounce(members):
    at = timezone.now()
    tracking.send(
        sender=object,
        esp_name="Postmark",
        event=AnymailTrackingEvent(event_type="bounced", recipient="per@example.no", timestamp=at),
    )
    tracking.send(
        sender=object,
        esp_name="Postmark",
        event=AnymailTrackingEvent(event_type="deferred", recipient="ola@example.no", timestamp=at),
    )
    assert PanelMember.objects.get(email="per@example.no").bounced_at == at
    assert PanelMember.objects.get(email="ola@example.no").bounced_at is None
