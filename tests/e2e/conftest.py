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


# ---- results for the accessibility statement (tests/e2e/a11y_results.py) --------------------


@pytest.fixture(autouse=True)
def _a11y_axe_results(request, monkeypatch):
    """With INNSIKT_A11Y_RESULTS set, every axe-core run of the test is recorded."""
    from tests.e2e import a11y_results

    if a11y_results.results_path() is None:
        return
    from axe_playwright_python.sync_playwright import Axe

    run = Axe.run

    def recorded_run(self, page, *args, **kwargs):
        results = run(self, page, *args, **kwargs)
        a11y_results.axe_record(
            a11y_results.check_name(request.node.nodeid), page.url, results.response
        )
        return results

    monkeypatch.setattr(Axe, "run", recorded_run)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With INNSIKT_A11Y_RESULTS set, the keyboard and no-JavaScript tests named in
    a11y_results.CRITERIA_OF_TESTS record their outcome."""
    outcome = yield
    report = outcome.get_result()
    from tests.e2e import a11y_results

    name = getattr(item, "originalname", item.name)
    if name not in a11y_results.CRITERIA_OF_TESTS or a11y_results.results_path() is None:
        return
    if report.when == "call" or (report.when == "setup" and report.failed):
        a11y_results.test_record(item.nodeid, name, "passed" if report.passed else "failed")
