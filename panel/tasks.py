"""Panel tasks: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task
from django.utils import timezone

from cms.queueing import mail_task, task_enqueue_each

from . import services


@mail_task()
def signup_confirmation_send(member_id: str) -> bool:
    """Mail a pending member's confirmation link. Retries with back-off on SMTP errors."""
    return services.signup_confirmation_send(member_id=member_id)


@shared_task(acks_late=True, ignore_result=True)
def members_purge_unconfirmed() -> int:
    """Delete sign-ups not confirmed within a week. Safe to run twice."""
    return services.members_purge_unconfirmed()


@mail_task()
def my_data_link_send(member_id: str) -> bool:
    """Mail a member's sign-in link for "my data"."""
    return services.my_data_link_send(member_id=member_id)


@shared_task(acks_late=True, ignore_result=True)
def campaigns_sweep() -> int:
    """Periodic: hand over again invitations of running campaigns that wait — for the task
    queue, which was down when they were made, or stuck (their worker was killed, or their
    message lost). Claims make it safe to run twice."""
    return services.campaigns_sweep(now=timezone.now())


@mail_task()
def invitations_send(invitation_ids: list[str]) -> int:
    """Send a chunk of invitations; each is claimed, so a retried or duplicated chunk
    sends nothing twice. An SMTP error retries the chunk with back-off."""
    states = services.invitations_send(invitation_ids=invitation_ids)
    return sum(state == "sent" for state in states.values())


@shared_task(acks_late=True, ignore_result=True)
def reminders_dispatch() -> int:
    """Periodic: make the reminders that are due and queue every reminder to send now
    (each is claimed before it is sent, so queueing one twice sends it once)."""
    ready = services.reminders_dispatch(now=timezone.now())
    task_enqueue_each(reminder_send, ready)
    return len(ready)


@mail_task()
def reminder_send(reminder_id: str) -> str:
    """Send one reminder, at most once, if the contact rules allow it now."""
    return services.reminder_send(reminder_id=reminder_id)


@shared_task(acks_late=True, ignore_result=True)
def members_retention_run() -> tuple[int, int]:
    """Daily: warn long-inactive members, then erase those who stayed inactive."""
    return services.members_retention_run()
