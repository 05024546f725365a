"""A campaign with the real parts: a Celery worker fans out and sends the invitations
through a real SMTP server; each member gets exactly one."""

from collections import Counter
from datetime import time, timedelta

import pytest
from django.utils import timezone
from wagtail.models import Site

from panel.models import Campaign, ConsentRecord, ConsentText, Invitation, PanelMember, Segment
from panel.services import campaign_launch
from tests import factories
from tests.integration.conftest import wait_for


@pytest.mark.integration
def test_worker_sends_each_invitation_once(celery_worker, smtp_server, admin_user):
    home = factories.library("stavanger", "localhost", default=True)
    site = Site.objects.get(root_page=home)
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    for n in range(25):
        member = PanelMember.objects.create(
            library=site, email=f"m{n}@example.no", status="active", age_band="20-24"
        )
        ConsentRecord.objects.create(member=member, purpose="panel", text=text, given=True)
    survey = factories.survey(home, factories.BRANCHING, slug="s")
    campaign = Campaign.objects.create(
        library=site,
        name="Test",
        survey=survey,
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=timezone.now() - timedelta(minutes=1),
        window_start=time(0, 0),
        window_end=time(23, 59),
    )
    assert campaign_launch(campaign=campaign, user=admin_user) == 25
    assert wait_for(lambda: len(smtp_server.messages) >= 25, timeout=90)
    assert wait_for(lambda: Invitation.objects.filter(state="sent").count() == 25)
    recipients = Counter(m["To"] for m in smtp_server.messages)
    assert len(recipients) == 25 and set(recipients.values()) == {1}
    assert all(
        m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in smtp_server.messages
    )
