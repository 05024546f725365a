"""Records what the browser tests found about accessibility, for the accessibility
statement (``manage.py accessibility_statement_fill``, docs/accessibility-statement.md).

Only when ``INNSIKT_A11Y_RESULTS`` names a file: every axe-core run (whichever test makes
it, through ``Axe.run``) adds the rules that passed, were violated or were incomplete on
its page, with their WCAG tags; the tests named in ``CRITERIA_OF_TESTS`` add their outcome
and the criteria they exercise. Records are appended under a file lock, so parallel
workers and several runs share one file; the fill counts each check's latest record.
"""

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

VARIABLE = "INNSIKT_A11Y_RESULTS"

# The keyboard-only and no-JavaScript tests, and the criteria they show are met on the
# pages they walk: each reaches and operates every control with the keyboard alone
# (2.1.1), leaves each control and reaches the send button (2.1.2), and asserts that focus
# moves in the reading order it expects (2.4.3). Their "no-js" runs do the same without
# JavaScript. They do not check focus visibility (2.4.7), so they do not claim it.
CRITERIA_OF_TESTS = {
    "test_keyboard_only_on_a_phone_through_the_branch": ["2.1.1", "2.1.2", "2.4.3"],
    "test_signup_with_the_keyboard": ["2.1.1", "2.1.2"],
}


# The check an axe run belongs to, when one test walks several (each case of a language's
# pages in tests/e2e/test_accessibility.py): records carry its name, not the test's.
_check: ContextVar[str | None] = ContextVar("a11y_check", default=None)


@contextmanager
def check(name: str) -> Iterator[None]:
    """Record the axe runs made inside as the check ``name`` (a test id of its own)."""
    token = _check.set(name)
    try:
        yield
    finally:
        _check.reset(token)


def check_name(test: str) -> str:
    """The name an axe run of ``test`` is recorded under: the current check's, or the test's."""
    return _check.get() or test


def results_path() -> Path | None:
    value = os.environ.get(VARIABLE, "").strip()
    return Path(value) if value else None


@contextmanager
def _locked(path: Path) -> Iterator[dict[str, Any]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        data = json.loads(text) if text.strip() else {"version": 1, "records": []}
        yield data
        handle.seek(0)
        handle.truncate()
        json.dump(data, handle, ensure_ascii=False, indent=1)


def record(entry: dict[str, Any]) -> None:
    path = results_path()
    if path is None:
        return
    entry = {**entry, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    with _locked(path) as data:
        data["records"].append(entry)


def _rules(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": item["id"], "tags": item.get("tags", [])} for item in items]


def axe_record(test: str, url: str, response: dict[str, Any]) -> None:
    record(
        {
            "kind": "axe",
            "test": test,
            "url": urlsplit(url).path,
            "passes": _rules(response.get("passes", [])),
            "violations": _rules(response.get("violations", [])),
            "incomplete": _rules(response.get("incomplete", [])),
        }
    )


def test_record(test: str, name: str, outcome: str) -> None:
    record({"kind": "test", "test": test, "outcome": outcome, "criteria": CRITERIA_OF_TESTS[name]})
