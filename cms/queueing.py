"""Handing work to the task queue (Celery's broker): the one place that publishes a task,
and the one retry policy of tasks that send mail (``mail_task``).

Every part of Innsikt that enqueues a task — a view's service on commit, a worker fanning
out — calls ``task_enqueue``. It publishes with the short, bounded retry of
``CELERY_TASK_PUBLISH_RETRY_POLICY`` (with ``CELERY_BROKER_CONNECTION_TIMEOUT`` and, for
Redis, the socket timeouts in ``CELERY_BROKER_TRANSPORT_OPTIONS``), so a click never waits
long for a broker that is down, and it never raises for a broker error: it logs a warning
and returns False. The caller's row (a job, an invitation) stays queued, and a periodic
sweep hands it over once the broker is back (``research.tasks.jobs_sweep``,
``panel.tasks.campaigns_sweep``; docs/deploy.md "When a part fails").

Before this, a broker outage when a researcher clicked "Export" was a 500 after the job
row had been committed: in Django 5 an exception raised by an on-commit callback reaches
the request. tests/cms/test_queueing.py walks the apps' source and fails on any other
``.delay``/``.apply_async``.
"""

import logging
from collections.abc import Iterable
from typing import Any

from celery import Task, shared_task
from kombu.exceptions import OperationalError

from cms.celery import app

log = logging.getLogger("innsikt.queueing")


def broker_errors(task: Task) -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the broker cannot be reached": kombu's wrapper, the
    transport's own connection and channel errors, and the socket's."""
    connection = task.app.connection_for_write()  # not connected: only its transport's classes
    return (
        OperationalError,
        OSError,
        *connection.connection_errors,
        *connection.channel_errors,
    )


def task_enqueue(task: Task | str, *args: Any, **options: Any) -> bool:
    """Publish ``task(*args)`` with ``apply_async`` ``options`` (``eta``, ``countdown``,
    ``expires``…). Returns True once the broker has the message, False when it could not
    be reached within the bounded retry (a warning names the task and the error, never the
    arguments). Raises only for what retrying cannot fix (an argument that is not JSON, or
    a task name no tasks module registers: KeyError).

    Services name their task (``"panel.tasks.invitations_send"``) rather than import it:
    tasks are entry points above the services they call (the import contracts), and
    tests/cms/test_queueing.py checks every name a service uses against the registry.

    Call it when the transaction commits (``transaction.on_commit``): a worker must find
    the rows the task refers to, and a False must leave them in a state a sweep finds."""
    if isinstance(task, str):
        if task not in app.tasks:
            # Autodiscovery is lazy outside the worker: import every app's tasks module.
            app.loader.import_default_modules()
        task = app.tasks[task]
    try:
        task.apply_async(args, **options)
    except Exception as exc:
        if not isinstance(exc, broker_errors(task)):
            raise
        log.warning(
            "task queue unreachable: %s not enqueued (%s); a sweep hands it over later",
            task.name,
            type(exc).__name__,
        )
        return False
    return True


def task_enqueue_each(task: Task | str, ids: Iterable[str]) -> int:
    """Publish ``task(id)`` for each of ``ids`` in order (a dispatcher fanning out the rows
    that are due); stop at the first the broker does not take: the rest stay due, and the
    next dispatch queues them again. Returns how many were handed over. Raises as
    ``task_enqueue``."""
    handed = 0
    for item in ids:
        if not task_enqueue(task, item):
            break  # the queue is down: the next dispatch queues them again
        handed += 1
    return handed


# The one retry policy of a task that sends mail: an SMTP or network error (OSError) retries
# the task with exponential back-off (at most 600 s between tries, Celery's default stated),
# five times; acks_late, so a worker killed mid-send leaves the message to another (the
# claimed rows make a second run send nothing twice).
MAIL_RETRY: dict[str, Any] = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def mail_task(**options: Any) -> Any:
    """``shared_task`` with MAIL_RETRY (and ``options``, such as a task's ``name``): the
    decorator of every task that sends mail."""
    return shared_task(**MAIL_RETRY, **options)
