"""The wifi-landing-page embed: framed by its channel's allowed origin, refused elsewhere
(CSP frame-ancestors), while ordinary survey pages may not be framed at all."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from surveys.models import Response
from tests import factories
from tests.e2e.browsing import path_of

pytestmark = pytest.mark.e2e


class ParentPage(BaseHTTPRequestHandler):
    """Serves the server's ``html`` at every path: a landing page that frames the survey."""

    def do_GET(self) -> None:
        body = self.server.html.encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


class ParentSite:
    """A small HTTP server on 127.0.0.1 on its own port: an origin other than the survey's."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ParentPage)
        self.server.html = ""  # type: ignore[attr-defined]
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def frame(self, src: str) -> None:
        self.server.html = (  # type: ignore[attr-defined]
            '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Gjestenett</title>'
            f'</head><body><h1>Velkommen til bibliotekets wifi</h1><iframe src="{src}" '
            'title="Undersøkelse" width="360" height="600"></iframe></body></html>'
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def parent_sites() -> Iterator[tuple[ParentSite, ParentSite]]:
    """Two landing pages: the embed's allowed origin and one it does not allow."""
    sites = ParentSite(), ParentSite()
    yield sites
    for site in sites:
        site.close()


@pytest.fixture
def embedded(library_a, parent_sites):
    allowed, _other = parent_sites
    return factories.survey(
        library_a,
        factories.BRANCHING,
        slug="wifi",
        channels=[("embed", "Wifi", allowed.origin + "/")],
    )


def test_embed_renders_on_the_allowed_origin(page, site_url, embedded, parent_sites):
    allowed, _other = parent_sites
    allowed.frame(f"{site_url}/s/{embedded.channels.get().code}/")
    page.goto(allowed.origin + "/")
    frame = page.frame_locator("iframe")
    expect(frame.locator("form")).to_be_visible()
    expect(frame.locator("body")).to_have_class("embed")
    expect(frame.locator(".progress")).to_have_text("Side 1 av 2")
    expect(frame.locator("#f-card-0")).to_be_visible()


def test_embed_is_refused_on_another_origin(page, site_url, embedded, parent_sites):
    _allowed, other = parent_sites
    src = f"{site_url}/s/{embedded.channels.get().code}/"
    other.frame(src)
    with page.expect_response(src) as framed:
        page.goto(other.origin + "/")
    assert framed.value.status == 200  # served, but the browser must not show it here
    expect(page.locator("h1")).to_be_visible()
    children = page.main_frame.child_frames
    assert len(children) == 1
    assert children[0].url.startswith("chrome-error:")  # blocked: an error page instead
    expect(page.frame_locator("iframe").locator("form")).to_have_count(0)


def test_frame_ancestors_header(page, site_url, embedded, parent_sites):
    allowed, _other = parent_sites
    embed = page.request.get(f"{site_url}/s/{embedded.channels.get().code}/")
    assert embed.ok
    assert f"frame-ancestors {allowed.origin}" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers

    normal = page.request.get(site_url + path_of(embedded))
    assert normal.ok
    assert "frame-ancestors 'none'" in normal.headers["content-security-policy"]
    assert normal.headers["x-frame-options"] == "DENY"


def test_embed_can_be_answered_inside_the_frame(page, site_url, embedded, parent_sites, settings):
    # Production serves embeds over HTTPS with SECURE_COOKIES, so the session and CSRF
    # cookies are SameSite=None, Secure (http://localhost is a secure context in Chromium).
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    allowed, _other = parent_sites
    channel = embedded.channels.get()
    allowed.frame(f"{site_url}/s/{channel.code}/")
    page.goto(allowed.origin + "/")
    frame = page.frame_locator("iframe")
    frame.locator("#f-card-1").check()
    frame.locator("#f-why-0").check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        frame.locator(".btns button[type=submit]:not([name])").click()
    assert posted.value.status == 200, "the answer to page 1 was refused"
    expect(frame.locator(".progress")).to_have_text("Side 2 av 2")
    frame.locator("#f-satisfied-2").check()
    frame.locator(".btns button[type=submit]:not([name])").click()
    expect(frame.locator("h1")).to_have_text("Takk for svarene dine")
    response = Response.objects.get()
    assert response.channel == channel
    assert response.answers == {"card": "no", "why": "author", "satisfied": 3}
