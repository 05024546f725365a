"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's
live server (tests that use it get ``transactional_db``). One browser for the e2e package,
a new context (cookies, storage) per test."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without these Chromium reaches out to the (closed) network for updates, sync and QUIC.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser():
    """Chromium, started once for the e2e tests and closed after the last of them."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the browser
    # lives; the ORM calls of the tests would trip Django's async guard. Set only while the
    # browser lives: the variable must not leak into other tests (manage.py check --deploy
    # in a subprocess rejects it, async.E001).
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def new_context(browser):
    """Make browser contexts (like fresh browser profiles); all are closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="nb-NO", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def site_url(live_server):
    """The live server under the hostname the test sites use (Chromium resolves *.localhost
    to loopback)."""
    return live_server.url.replace("127.0.0.1", "localhost")
