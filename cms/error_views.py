"""The server-error view (``handler500``): a transient fault (cms.faults) — the database or
Redis restarting — gets a "try again in a moment" page, status 503 with Retry-After, that
keeps what the visitor sent: a form posts the same fields again, so a respondent's typed
answers survive the outage without JavaScript. Any other error gets the plain 500 page.

Both pages are rendered without the request's context processors and without any query:
the database or the cache is what just failed.
"""

import contextlib
import sys
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views import defaults

from .faults import fault_transient

RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    if fault_transient(sys.exc_info()[1]):
        return service_unavailable(request)
    return defaults.server_error(request)


def _fields(request: HttpRequest) -> list[tuple[str, str]]:
    """What the visitor sent, to send again (files cannot be: they must be chosen again)."""
    if request.method != "POST":
        return []
    with contextlib.suppress(Exception):  # a body that cannot be read is not sent again
        return [(key, value) for key, values in request.POST.lists() for value in values]
    return []


def service_unavailable(request: HttpRequest) -> HttpResponse:
    fields = _fields(request)
    html = loader.get_template("cms/unavailable.html").render(
        {
            "language": get_language() or "nb",
            "again_url": request.get_full_path(),
            "resend": request.method == "POST",
            "fields": fields,
            "files_lost": request.method == "POST" and bool(request.FILES),
            "retry_after": RETRY_AFTER_SECONDS,
        }
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return _framed(request, response)


# Apps that let their pages be framed by other sites (the survey embed) register how the
# page at a path is framed (surveys.apps); the page is then framed like the app's own.
Framer = Callable[[HttpRequest, HttpResponse], HttpResponse]
_framers: list[Framer] = []


def framer_register(framer: Framer) -> None:
    if framer not in _framers:
        _framers.append(framer)


def _framed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Framed when an app can still tell how (a survey's channel needs the database);
    otherwise the default: not framed."""
    for framer in _framers:
        with contextlib.suppress(Exception):
            response = framer(request, response)
    return response
