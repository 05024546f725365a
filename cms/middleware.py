"""Cookies that work inside a third-party frame (the wifi landing-page embed).

Browsers that block third-party cookies still accept *partitioned* ones (CHIPS): a cookie
marked ``Partitioned`` is kept per top-level site, so the embedded survey's session and CSRF
cookies work in the landing page's frame without becoming a cross-site tracker. Python adds
the ``partitioned`` cookie attribute only in 3.14; ``allow_partitioned_cookies`` teaches
3.11's ``http.cookies.Morsel`` the same attribute the same way.
"""

from http.cookies import Morsel

from django.http import HttpRequest, HttpResponse


def allow_partitioned_cookies() -> None:
    reserved = Morsel._reserved  # type: ignore[attr-defined]
    if "partitioned" not in reserved:
        reserved["partitioned"] = "Partitioned"
        Morsel._flags.add("partitioned")  # type: ignore[attr-defined]


class PartitionedCookiesMiddleware:
    """Mark every ``SameSite=None; Secure`` cookie as ``Partitioned``. Must sit above the
    session and CSRF middleware so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response
        allow_partitioned_cookies()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for morsel in response.cookies.values():
            if str(morsel["samesite"]).lower() == "none" and morsel["secure"]:
                morsel["partitioned"] = True
        return response
