"""Abuse control on public forms, without IP addresses (DESIGN.md §3): hundreds of
respondents share one event or library-wifi address, so nothing here looks at it.

- a honeypot field (``HONEYPOT``) that people do not see and bots fill in;
- a signed random token per browser, kept in a cookie, that rate limits count
  (``rate_limited``, django-ratelimit in the cache);
- a cap on how many mails one address gets a day (``address_mail_take``), so nobody can
  make the platform mail someone else again and again.

A refused request gets the same answer as an accepted one wherever the answer would
otherwise tell something (the panel's "check your e-mail").
"""

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

HONEYPOT = "website"
TOKEN_COOKIE = "innsikt_b"  # noqa: S105 (a cookie name)


def browser_token(request: HttpRequest) -> str | None:
    """The browser's random token, if it sent a valid signed one."""
    try:
        return request.get_signed_cookie(TOKEN_COOKIE, default=None, salt=TOKEN_COOKIE)
    except BadSignature:
        return None


def browser_token_set(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Give a browser without a token a new one (a year; SameSite=None inside the wifi
    landing page's frame over HTTPS)."""
    if browser_token(request) is None:
        secure = settings.SESSION_COOKIE_SECURE
        response.set_signed_cookie(
            TOKEN_COOKIE,
            secrets.token_urlsafe(16),
            salt=TOKEN_COOKIE,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            secure=secure,
            samesite="None" if secure else "Lax",
        )
    return response


def rate_limited(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Count this request against ``rate`` for the browser's token in ``group``; True
    when over. A browser without a token shares one bucket with every such browser."""
    token = browser_token(request) or "no-cookie"
    return is_ratelimited(
        request, group=group, key=lambda _group, _request: token, rate=rate, increment=True
    )


def address_mail_take(address: str, *, per_day: int | None = None) -> bool:
    """Take one of the day's mails to ``address`` (at most INNSIKT_MAILS_PER_ADDRESS a
    day); False when they are used up. The address is kept only as a hash, for a day."""
    limit = settings.INNSIKT_MAILS_PER_ADDRESS if per_day is None else per_day
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    key = f"innsikt:mails:{timezone.localdate().isoformat()}:{digest}"
    cache.add(key, 0, 60 * 60 * 24)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 60 * 60 * 24)
        used = 1
    return used <= limit
