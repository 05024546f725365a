"""Keyboard and address helpers for the browser tests."""

from playwright.sync_api import Page as BrowserPage
from wagtail.models import Page

# Browser context options of a small phone, where most respondents answer.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def path_of(page: Page) -> str:
    """The page's path on its own site (e.g. /branching/ or /en/branching/)."""
    return page.specific.get_url_parts()[2]


def focused(tab: BrowserPage, selector: str) -> bool:
    return tab.evaluate("s => !!document.activeElement?.matches(s)", selector)


def tab_to(tab: BrowserPage, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the focused element matches ``selector``, the way a keyboard user
    moves through the page; fails if it is never reached."""
    for _ in range(limit):
        if focused(tab, selector):
            return
        tab.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached in {limit} presses of Tab")
