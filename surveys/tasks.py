"""Celery tasks for surveys: thin interfaces over services (DESIGN.md C5)."""

from celery import shared_task

from .services import drafts_purge_expired as purge


@shared_task(acks_late=True, ignore_result=True)
def drafts_purge_expired() -> int:
    """Delete saved, half-finished answers past their date. Safe to run twice."""
    return purge()
