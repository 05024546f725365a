"""Cookies and sessions: respondents' cookies work inside a third-party frame, staff
cookies never do, and a staff session ends when left idle or ended by its owner.

Browsers that block third-party cookies still accept *partitioned* ones (CHIPS): a cookie
marked ``Partitioned`` is kept per top-level site, so the embedded survey's session and CSRF
cookies work in the wifi landing page's frame without becoming a cross-site tracker. Python
adds the ``partitioned`` cookie attribute only in 3.14; ``allow_partitioned_cookies``
teaches 3.11's ``http.cookies.Morsel`` the same attribute the same way.
"""

import logging
from collections.abc import Callable
from http.cookies import Morsel
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .abuse import browser_token_set, rate_limited
from .sessions import (
    ADMIN_PREFIX,
    has_session_cookie,
    staff_session_expired,
    staff_session_touch,
)
from .two_factor import two_factor_enabled


def allow_partitioned_cookies() -> None:
    reserved = Morsel._reserved  # type: ignore[attr-defined]
    if "partitioned" not in reserved:
        reserved["partitioned"] = "Partitioned"
        Morsel._flags.add("partitioned")  # type: ignore[attr-defined]


def _staff_request(request: HttpRequest) -> bool:
    if request.path.startswith(ADMIN_PREFIX):
        return True
    if not has_session_cookie(request):
        return False  # a respondent's first visit: their session is not even loaded
    session = getattr(request, "session", None)
    if session is not None and SESSION_KEY not in session:
        return False  # a respondent's session: nobody signed in with it
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated)


class CookiePolicyMiddleware:
    """Every cookie a response sets follows who it is for. Staff (the admin, or anyone
    signed in): ``SameSite=Lax`` and never partitioned — the staff session and CSRF
    cookies are not sent from other sites' pages or frames. Respondents on public pages,
    when cookies are Secure (HTTPS): ``SameSite=None; Secure; Partitioned`` — the embedded
    survey's frame on the wifi landing page needs them. Must sit above the session, CSRF
    and authentication middleware, to see the cookies they set and the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        allow_partitioned_cookies()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.cookies:
            return response  # nothing to mark; and the user is not loaded for nothing
        staff = _staff_request(request)
        for morsel in response.cookies.values():
            if staff or not morsel["secure"]:
                morsel["samesite"] = "Lax"
                morsel["partitioned"] = ""
            else:
                morsel["samesite"] = "None"
                morsel["partitioned"] = True
        return response


# The monitors' endpoint answers even when the database is down, so nothing on it loads
# the signed-in user (cms.health_views).
HEALTH_PATH = "/health/"


class StaffSessionMiddleware:
    """A signed-in user's session ends after INNSIKT_STAFF_IDLE_MINUTES without a request,
    or when its owner ended it from their list of sessions (cms.sessions). Sits below the
    authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_session_cookie(request) or request.path.startswith(HEALTH_PATH):
            return self.get_response(request)
        user = request.user
        if not request.path.startswith(ADMIN_PREFIX):
            # Outside the admin the check runs when a view first asks who the user is (an
            # internal report page does; a respondent's survey page never does, so it loads
            # no session for it).
            request.user = SimpleLazyObject(lambda: _staff_session_checked(request, user))  # type: ignore[assignment]  # a lazy user, as Django's own
            return self.get_response(request)
        if user.is_authenticated and _staff_session_checked(request, user) is not user:
            messages.info(request, _("You were signed out: the session ended. Sign in again."))
            return redirect(f"{reverse('wagtailadmin_login')}?next={request.path}")
        return self.get_response(request)


def _staff_session_checked(request: HttpRequest, user: Any) -> Any:
    """``user``, or an anonymous user once a session that was idle too long or ended by
    its owner is signed out."""
    if not user.is_authenticated:
        return user
    if staff_session_expired(request):
        request.user = user  # logout reads it, then makes the request anonymous
        logout(request)
        return AnonymousUser()
    staff_session_touch(request, user)
    return user


# Pages a signed-in user reaches before the second factor: signing out, the code and the
# set-up pages, and what those pages load.
TWO_FACTOR_EXEMPT = (
    "/admin/login/",
    "/admin/logout/",
    "/admin/2fa/",
    "/admin/jsi18n/",
    "/admin/sprite",
    "/static/",
    HEALTH_PATH,
)


class StaffTwoFactorMiddleware:
    """A signed-in user whose session has not passed the second factor reaches nothing —
    no admin page, no internal report page — but the code page (when they have a device)
    or the set-up page (when none and INNSIKT_2FA_REQUIRED). Sits below django-otp's
    OTPMiddleware, which tells whether the session is verified."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not has_session_cookie(request) or request.path.startswith(TWO_FACTOR_EXEMPT):
            return self.get_response(request)
        user = request.user
        if not request.path.startswith(ADMIN_PREFIX):
            # Outside the admin a session before its second factor is anonymous: an internal
            # page is then a 404. Decided when a view first asks who the user is (a
            # respondent's survey page never does).
            request.user = SimpleLazyObject(  # type: ignore[assignment]  # a lazy user, as Django's own
                lambda: AnonymousUser() if _two_factor_step(user) else user
            )
            return self.get_response(request)
        target = _two_factor_step(user)
        if target:
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def _two_factor_step(user: Any) -> str:
    """The URL name of the page the user must pass first, or "" when none."""
    if user is None or not user.is_authenticated or user.is_verified():
        return ""
    if two_factor_enabled(user):
        return "innsikt_2fa_verify"
    if settings.INNSIKT_2FA_REQUIRED:
        return "innsikt_2fa_setup"
    return ""


class AdminLoginThrottleMiddleware:
    """Sign-in posts per browser (a signed token, never the address: a library's staff
    share one), on top of django-axes' lock of an account after repeated failures."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in LOGIN_PATHS:
            return self.get_response(request)
        if request.method == "POST" and rate_limited(
            request, group="staff-login", rate=settings.INNSIKT_LOGIN_RATE_LIMIT
        ):
            logging.getLogger("innsikt.security").warning("sign-in posts throttled")
            return render(request, "cms/locked_out.html", status=429)
        return browser_token_set(request, self.get_response(request))


LOGIN_PATHS = ("/admin/login/", "/admin/2fa/verify/")


class AdminSecurityHeadersMiddleware:
    """The Wagtail admin's content security policy: what its editor tolerates, enforced
    (no framing by other sites, no foreign form targets, no plugins), and a strict policy
    report-only (its inline styles and scripts would break under it). Public pages have
    their own strict policy (django-csp, settings.CONTENT_SECURITY_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(ADMIN_PREFIX):
            response.headers.setdefault("Content-Security-Policy", settings.INNSIKT_ADMIN_CSP)
            response.headers.setdefault(
                "Content-Security-Policy-Report-Only", settings.INNSIKT_ADMIN_CSP_REPORT_ONLY
            )
        return response
