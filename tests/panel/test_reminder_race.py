"""Reminders are sent at most ``max_reminders`` times, whatever races: dispatchers running
at the same moment make one reminder row per number, and senders racing for a reminder
(two tasks for it, a redelivered task) send it once — here with threads on PostgreSQL;
tests/integration/test_reminders_worker.py with a real Celery worker. Mail goes to a real
SMTP server (aiosmtpd)."""

import random
import threading
from collections import Counter
from datetime import time, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from wagtail.models import Site

from panel.models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    Reminder,
    Segment,
)
from panel.services import reminder_send, reminders_dispatch
from tests import factories

MEMBERS = 8
THREADS = 6


def reminded_campaign(home, *, max_reminders: int = 1) -> Campaign:
    """A running campaign whose MEMBERS invitations were sent three days ago."""
    site = Site.objects.get(root_page=home)
    text = ConsentText.objects.create(library=site, purpose="panel", text_nb="Ja", text_en="Yes")
    campaign = Campaign.objects.create(
        library=site,
        name="Høst",
        survey=factories.survey(home, factories.BRANCHING, slug="s"),
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=timezone.now() - timedelta(days=4),
        window_start=time(0, 0),
        window_end=time(23, 59),
        remind_after_days=2,
        max_reminders=max_reminders,
        status=Campaign.Status.RUNNING,
    )
    sent = timezone.now() - timedelta(days=3)
    for n in range(MEMBERS):
        member = PanelMember.objects.create(
            library=site, email=f"m{n}@example.no", status="active", age_band="20-24"
        )
        ConsentRecord.objects.create(member=member, purpose="panel", text=text, given=True)
        Invitation.objects.create(campaign=campaign, member=member, state="sent", sent_at=sent)
    return campaign


def _together(work, count: int = THREADS) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_racing_dispatchers_and_senders_send_each_reminder_once(library_a, smtp_server, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent connections (CI runs it)")
    settings.EMAIL_BACKEND = "cms.mail.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    reminded_campaign(library_a)
    now = timezone.now()

    dispatched = _together(lambda _i: reminders_dispatch(now=now))
    assert Reminder.objects.count() == MEMBERS  # one row per invitation, whoever made it
    ids = sorted({pk for ready in dispatched for pk in ready})
    assert len(ids) == MEMBERS

    def send_all(i: int) -> list[str]:
        order = ids[:]
        random.Random(i).shuffle(order)
        return [reminder_send(reminder_id=pk) for pk in order]

    _together(send_all)
    assert Counter(Reminder.objects.values_list("state", flat=True)) == {"sent": MEMBERS}
    recipients = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(recipients) == MEMBERS and set(recipients.values()) == {1}
    # A redelivered task, and the next dispatch: nothing more (max_reminders = 1).
    assert {reminder_send(reminder_id=pk) for pk in ids} == {"sent"}
    assert reminders_dispatch(now=now + timedelta(days=5)) == []
    assert len(smtp_server.messages) == MEMBERS
