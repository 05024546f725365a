"""A worker killed (SIGKILL) in the middle of a 2,000-invitation campaign, then a new worker:
no member receives an invitation twice, and every one is received — except, possibly, the
one message in flight at the kill, if the kill fell between the database's commit of "sent"
and the final dot (the window cms/mail.py describes, a fraction of a millisecond per
message; the test worker runs one message at a time). Counted at the SMTP server."""

import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Site

from panel.models import Campaign, ConsentText, Invitation, Segment
from panel.services import campaign_launch
from panel.tasks import campaigns_sweep
from tests import factories
from tests.integration.conftest import wait_for
from tests.realparts import worker_start, worker_stop

MEMBERS = 2000
LEASE = "6"  # seconds; production's default is 300


@pytest.mark.integration
def test_killed_worker_mid_campaign_then_a_new_one_sends_each_invitation_once(
    transactional_db, smtp_server, tmp_path, admin_user
):
    from cms.celery import app

    app.control.purge()
    home = factories.library("stavanger", "localhost", default=True)
    site = Site.objects.get(root_page=home)
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    factories.panel_members(site, MEMBERS, text=text)
    campaign = Campaign.objects.create(
        library=site,
        name="Stor",
        survey=factories.survey(home, factories.BRANCHING, slug="s"),
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=timezone.now() - timedelta(minutes=1),
        window_start=clock(0, 0),
        window_end=clock(23, 59),
    )
    first = worker_start(tmp_path / "first.log", smtp_server.port, INNSIKT_SEND_LEASE_SECONDS=LEASE)
    second = None
    try:
        assert campaign_launch(campaign=campaign, user=admin_user) == MEMBERS
        assert wait_for(lambda: len(smtp_server.messages) >= 300, timeout=120)
        first.kill()  # SIGKILL: no clean-up, its claims and unacknowledged tasks stay behind
        first.wait()
        killed_at = timezone.now()
        at_kill = len(smtp_server.messages)
        assert at_kill < MEMBERS, "the first worker finished before it could be killed"

        second = worker_start(
            tmp_path / "second.log", smtp_server.port, INNSIKT_SEND_LEASE_SECONDS=LEASE
        )
        deadline = time.monotonic() + 240
        while Invitation.objects.filter(state="sent").count() < MEMBERS:
            assert time.monotonic() < deadline, Counter(
                Invitation.objects.values_list("state", flat=True)
            )
            campaigns_sweep.delay()  # what beat does every five minutes
            time.sleep(3)
        wait_for(lambda: len(smtp_server.messages) >= MEMBERS, timeout=30)
        time.sleep(2)  # nothing more arrives
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker_stop(worker)

    recipients = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(recipients) in (MEMBERS, MEMBERS - 1), f"{MEMBERS - len(recipients)} lost"
    lost = Invitation.objects.filter(campaign=campaign).exclude(member__email__in=recipients)
    assert lost.count() == MEMBERS - len(recipients)
    assert all(i.sent_at < killed_at for i in lost)  # recorded by the killed worker
    assert [r for r, n in recipients.items() if n > 1] == []
    assert Invitation.objects.filter(campaign=campaign, state="sent").count() == MEMBERS
    assert at_kill < MEMBERS
