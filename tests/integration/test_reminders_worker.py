"""Reminders with a real Celery worker and SMTP server: duplicated dispatches and tasks
still send each reminder once (threads on PostgreSQL: tests/panel/test_reminder_race.py)."""

from collections import Counter

import pytest

from panel.models import Reminder
from tests import factories
from tests.integration.conftest import wait_for
from tests.panel.test_reminder_race import MEMBERS, reminded_campaign


@pytest.mark.integration
def test_a_worker_sends_each_reminder_once_when_tasks_are_duplicated(
    celery_worker, smtp_server, admin_user
):
    """Two dispatches before the worker runs, and every reminder task queued twice more:
    each member still gets one reminder (max_reminders = 1)."""
    from panel.tasks import reminder_send as send_task
    from panel.tasks import reminders_dispatch as dispatch_task

    home = factories.library("stavanger", "localhost", default=True)
    reminded_campaign(home)
    dispatch_task.delay()
    dispatch_task.delay()
    assert wait_for(lambda: Reminder.objects.count() == MEMBERS)
    for pk in Reminder.objects.values_list("pk", flat=True):
        send_task.delay(str(pk))
        send_task.delay(str(pk))
    assert wait_for(lambda: Reminder.objects.filter(state="sent").count() == MEMBERS, timeout=90)
    assert wait_for(lambda: len(smtp_server.messages) >= MEMBERS)
    dispatch_task.delay()
    assert not wait_for(lambda: len(smtp_server.messages) > MEMBERS, timeout=5)
    recipients = Counter(str(m["To"]) for m in smtp_server.messages)
    assert len(recipients) == MEMBERS and set(recipients.values()) == {1}
