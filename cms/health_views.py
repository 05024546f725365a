"""/health/ for monitoring and the admin's "System status": thin views over cms.health."""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from . import health

log = logging.getLogger("innsikt.health")

# Fixed words, never translated: monitors compare them.
PUBLIC_UP = "ok"
PUBLIC_DOWN = "unavailable"

STATUS_LABELS = {"ok": _("OK"), "warn": _("Warning"), "fail": _("Failing")}


def _token_given(request: HttpRequest) -> bool:
    """``Authorization: Bearer <INNSIKT_HEALTH_TOKEN>``; no token set means no token works."""
    expected = settings.INNSIKT_HEALTH_TOKEN
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), expected.encode())
    )


def _superuser(request: HttpRequest) -> bool:
    """Details describe the whole installation — every library's queues and jobs — so they
    are for superusers, not one library's researchers (cms.tenancy). With the database
    down the user cannot be loaded, and then nobody is one."""
    try:
        return bool(request.user.is_active and request.user.is_superuser)
    except Exception:
        return False


@require_safe
@cache_control(no_store=True)
def health_status(request: HttpRequest) -> HttpResponse:
    """200 ``ok`` or 503 ``unavailable`` (plain text) for everyone; the checks' details as
    JSON, with the same status code, for the health token or a superuser. Never a 500."""
    try:
        report = health.report_build()
    except Exception:  # report_build does not raise; should it, still no 500
        log.exception("health report failed")
        return HttpResponse(PUBLIC_DOWN, status=503, content_type="text/plain; charset=utf-8")
    status = 200 if report.healthy else 503
    if _token_given(request) or _superuser(request):
        return JsonResponse(report.as_dict(), status=status)
    body = PUBLIC_UP if report.healthy else PUBLIC_DOWN
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@require_safe
def system_status(request: HttpRequest) -> HttpResponse:
    """The admin's "System status" (Settings menu): every check with its details and the
    last heartbeat. Superusers only, like the details of /health/."""
    if not request.user.is_superuser:
        raise PermissionDenied
    report = health.report_build()
    rows = [
        {
            "label": health.CHECK_LABELS.get(check.name, check.name),
            "status": STATUS_LABELS[check.status],
            "check": check,
        }
        for check in report.checks
    ]
    context = {"report": report, "rows": rows, "overall": STATUS_LABELS[report.status]}
    return render(request, "cms/admin/system_status.html", context)
