"""Panel tasks: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task

from . import services


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def signup_confirmation_send(member_id: str) -> bool:
    """Mail a pending member's confirmation link. Retries with back-off on SMTP errors."""
    return services.signup_confirmation_send(member_id=member_id)


@shared_task(acks_late=True, ignore_result=True)
def members_purge_unconfirmed() -> int:
    """Delete sign-ups not confirmed within a week. Safe to run twice."""
    return services.members_purge_unconfirmed()


@shared_task(
    acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def my_data_link_send(member_id: str) -> bool:
    """Mail a member's sign-in link for "my data"."""
    return services.my_data_link_send(member_id=member_id)
