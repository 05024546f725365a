"""Tasks reach the broker through one function, cms.queueing.task_enqueue: a broker that is
down is a False (and a warning), never an exception in a researcher's click; a walk over
the apps' source fails on any other way of publishing a task."""

import ast
import logging
import time
from pathlib import Path

import pytest
from celery import Celery

from cms.queueing import task_enqueue
from tests.proxy import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cms", "surveys", "panel", "research")
# Publishing a task: Task.delay / Task.apply_async / Signature.delay…, Celery.send_task.
PUBLISHING = {"delay", "apply_async", "send_task"}
THE_ONE_PLACE = "cms/queueing.py"


def _publishing_calls() -> list[str]:
    """Every mention of a publishing method in the apps' modules (called, or passed on
    as in ``on_commit(partial(task.delay, …))``), as ``path:line``."""
    found = []
    for app in APPS:
        for file in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in file.parts:
                continue
            path = file.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in PUBLISHING:
                    found.append(f"{path}:{node.lineno}")
    return found


def test_only_cms_queueing_publishes_tasks():
    outside = [call for call in _publishing_calls() if not call.startswith(THE_ONE_PLACE)]
    assert outside == [], (
        f"publish tasks with cms.queueing.task_enqueue (on commit), not directly: {outside}"
    )
    # The walk sees the one place, and the apps use it.
    assert any(call.startswith(THE_ONE_PLACE) for call in _publishing_calls())
    for module in (
        "research/services.py",
        "research/interviews/tasks.py",
        "research/interviews/services.py",
        "panel/services/campaigns.py",
        "panel/services/signup.py",
        "panel/services/my_data.py",
        "panel/tasks.py",
    ):
        assert "task_enqueue" in (ROOT / module).read_text(encoding="utf-8"), module


def _noop(member_id: object) -> None:
    return None


def _task(broker_url: str):
    """A task of a Celery app configured as Innsikt's (timeouts, publish retry), on
    ``broker_url``."""
    app = Celery("queueing-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_write_url = broker_url
    return app.task(name="queueing_test.noop")(_noop)


def test_a_broker_that_is_down_is_a_false_within_seconds_and_a_warning(caplog):
    task = _task("memory://")
    with TcpProxy(("127.0.0.1", 9)) as proxy:  # never forwards: it is down from the start
        proxy.down()
        task.app.conf.broker_write_url = f"redis://127.0.0.1:{proxy.port}/0"
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="innsikt.queueing"):
            assert task_enqueue(task, "kari-nordmann-id") is False
        took = time.monotonic() - started
    assert took < 3, f"a click would have waited {took:.1f} s"
    (record,) = [r for r in caplog.records if r.name == "innsikt.queueing"]
    assert "queueing_test.noop" in record.getMessage()
    assert "kari-nordmann-id" not in record.getMessage()  # never the task's arguments


def test_a_broker_that_answers_takes_the_task():
    task = _task("memory://")
    assert task_enqueue(task, "x", countdown=5) is True


def test_what_retrying_cannot_fix_is_raised():
    task = _task("memory://")
    with pytest.raises(Exception, match=r"JSON|serializ"):
        task_enqueue(task, object())


def _named_tasks() -> dict[str, str]:
    """Every task a module names to ``task_enqueue`` — a string literal as the first
    argument, directly or through a module constant — as {name: "path:line"}."""
    found: dict[str, str] = {}
    for app in APPS:
        for file in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in file.parts:
                continue
            tree = ast.parse(file.read_text(encoding="utf-8"))
            constants = {
                target.id: node.value.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                args = list(node.args)
                if isinstance(node.func, ast.Name) and node.func.id == "partial" and args:
                    callee, args = args[0], args[1:]
                else:
                    callee = node.func
                if not (isinstance(callee, ast.Name) and callee.id == "task_enqueue") or not args:
                    continue
                first = args[0]
                is_choice = isinstance(first, ast.IfExp)
                candidates = [first.body, first.orelse] if is_choice else [first]
                for arg in candidates:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found[arg.value] = f"{file.relative_to(ROOT)}:{node.lineno}"
                    elif isinstance(arg, ast.Name) and arg.id in constants:
                        found[constants[arg.id]] = f"{file.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_task_a_service_names_is_registered():
    """Services name their tasks (the tasks modules sit above them): a typo or a renamed
    task must fail here, not when a respondent signs up."""
    from cms.celery import app

    app.loader.import_default_modules()  # what task_enqueue does for a name it lacks
    named = _named_tasks()
    assert {
        "panel.tasks.invitations_send",
        "panel.tasks.signup_confirmation_send",
        "research.tasks.export_run",
        "research.tasks.interview_mail_send",
    } <= set(named)
    unknown = {name: where for name, where in named.items() if name not in app.tasks}
    assert unknown == {}


def test_an_unknown_task_name_is_refused_before_anything_is_sent():
    with pytest.raises(KeyError):
        task_enqueue("panel.tasks.no_such_task", "x")
