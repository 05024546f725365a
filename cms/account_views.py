"""Staff account security in the admin: two-factor set-up and sign-in, recovery codes,
the administrator's reset, and a user's own sessions (cms.two_factor, cms.sessions)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from .sessions import current_key_hash, staff_session_end, staff_sessions_for
from .two_factor import (
    provisioning_secret,
    provisioning_svg,
    recovery_codes_issue,
    recovery_codes_left,
    staff_two_factor_status,
    totp_device_confirm,
    totp_device_pending,
    two_factor_enabled,
    two_factor_match,
    two_factor_reset,
)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/admin/"


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    if not two_factor_enabled(request.user):
        return redirect("innsikt_2fa_setup")
    error = ""
    if request.method == "POST":
        device = two_factor_match(user=request.user, token=request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        error = _("The code did not work. Check the time on your phone, or use a recovery code.")
    return render(
        request,
        "cms/account/two_factor_verify.html",
        {"error": error, "next": _next(request)},
        status=400 if error else 200,
    )


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the code, type a code to confirm, and keep the
    recovery codes shown once. Setting up again replaces the earlier device (only from a
    verified session, or before any device exists)."""
    # is_verified is added to request.user by django-otp's OTPMiddleware at run time.
    if two_factor_enabled(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect("innsikt_2fa_verify")
    device = totp_device_pending(user=request.user)
    error = ""
    if request.method == "POST":
        codes = totp_device_confirm(device=device, token=request.POST.get("code", ""))
        if codes is not None:
            otp_login(request, device)
            return render(
                request,
                "cms/account/recovery_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        error = _("The code did not work. Type the six digits the app shows now.")
    return render(
        request,
        "cms/account/two_factor_setup.html",
        {
            "qr": provisioning_svg(device),
            "secret": provisioning_secret(device),
            "error": error,
            "next": _next(request),
            "replacing": two_factor_enabled(request.user),
        },
        status=400 if error else 200,
    )


@require_POST
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working): only from a verified session."""
    # is_verified is added to request.user by django-otp's OTPMiddleware at run time.
    if not (two_factor_enabled(request.user) and request.user.is_verified()):  # type: ignore[union-attr]
        raise PermissionDenied
    codes = recovery_codes_issue(user=request.user)
    return render(request, "cms/account/recovery_codes.html", {"codes": codes, "next": "/admin/"})


def staff_sessions(request: HttpRequest) -> HttpResponse:
    """The user's own signed-in sessions; any can be ended (signed out at its next
    request)."""
    if request.method == "POST":
        if staff_session_end(key_hash=request.POST.get("session", ""), user=request.user):
            messages.success(request, _("The session is ended."))
        return redirect("innsikt_staff_sessions")
    return render(
        request,
        "cms/account/sessions.html",
        {
            "sessions": staff_sessions_for(request.user),
            "current": current_key_hash(request),
            "two_factor": two_factor_enabled(request.user),
            "codes_left": recovery_codes_left(request.user),
        },
    )


def two_factor_accounts(request: HttpRequest) -> HttpResponse:
    """Superusers: every admin account's second factor, and a reset for a lost phone."""
    if not request.user.is_superuser:
        raise PermissionDenied
    if request.method == "POST":
        # No "user" posted: pk=None matches nothing (404); the plugin wants str | int.
        user = get_user_model().objects.filter(pk=request.POST.get("user")).first()  # type: ignore[misc]
        if user is None:
            raise Http404
        two_factor_reset(user=user, by=request.user)
        messages.success(
            request,
            _("%(name)s sets up two-factor sign-in again at their next sign-in.")
            % {"name": user.get_username()},
        )
        return redirect("innsikt_2fa_accounts")
    return render(request, "cms/account/accounts.html", {"accounts": staff_two_factor_status()})
