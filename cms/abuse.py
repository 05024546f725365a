"""Abuse control on public forms, without IP addresses (DESIGN.md §3): hundreds of
respondents share one event or library-wifi address, so nothing here looks at it.

- a honeypot field (``HONEYPOT``) that people do not see and bots fill in;
- a signed random token per browser, kept in a cookie, that rate limits count
  (``rate_limited``: a counter per token and fixed window in the cache);
- a cap on how many mails one address gets a day (``address_mail_take``), so nobody can
  make the platform mail someone else again and again.

A refused request gets the same answer as an accepted one wherever the answer would
otherwise tell something (the panel's "check your e-mail").
"""

import hashlib
import re
import secrets
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .redis_cache import RedisCache

HONEYPOT = "website"
TOKEN_COOKIE = "innsikt_b"  # noqa: S105 (a cookie name)
_UNCHECKED: Any = object()


def browser_token(request: HttpRequest) -> str | None:
    """The browser's random token, if it sent a valid signed one (checked once a request:
    the rate limit and the response both ask)."""
    token = getattr(request, "_innsikt_browser_token", _UNCHECKED)
    if token is _UNCHECKED:
        try:
            token = request.get_signed_cookie(TOKEN_COOKIE, default=None, salt=TOKEN_COOKIE)
        except BadSignature:
            token = None
        setattr(request, "_innsikt_browser_token", token)  # noqa: B010 (HttpRequest has no such field)
    return token


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


RATE_RE = re.compile(r"^(?P<count>\d+)/(?P<multiple>\d*)(?P<unit>[smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 60 * 60, "d": 60 * 60 * 24}


def rate_parse(rate: str) -> tuple[int, int]:
    """ "60/m" → (60, 60): at most 60 requests per 60-second window; "5/15m" → (5, 900).
    Raises ValueError for anything else (a setting's typo must not switch the limit off)."""
    match = RATE_RE.match(rate.strip())
    if match is None:
        raise ValueError(f"rate {rate!r}: expected COUNT/[N]UNIT, e.g. 60/m or 5/15m")
    multiple = int(match["multiple"] or 1)
    return int(match["count"]), multiple * UNIT_SECONDS[match["unit"]]


def cache_count(
    key: str, keep: int, *, previous: str | None = None, session: Any = None
) -> tuple[int, int]:
    """Add one to the counter ``key`` (kept for ``keep`` seconds); returns its new count
    and the count of the counter ``previous`` (0 when there is none). On Redis one round
    trip: INCR, EXPIRE … NX (only the first request of a window sets the expiry) and GET,
    pipelined — and, given a request's ``session`` (cms.session_store) that has not been
    read yet, the session's read too, in the same round trip. Elsewhere (tests' memory
    cache, a development machine's file cache) add, incr and get."""
    backend = caches["default"]  # the backend itself: ``cache`` is a proxy of it
    if isinstance(backend, RedisCache):
        redis_key = backend.make_and_validate_key(key)
        pipeline = backend.redis_client(redis_key).pipeline(transaction=False)
        pipeline.incr(redis_key)
        pipeline.expire(redis_key, keep, nx=True)
        if previous is not None:
            pipeline.get(backend.make_and_validate_key(previous))
        session_key = session.prefetch_key(backend) if session is not None else None
        if session_key is not None:
            pipeline.get(session_key)
        count, _expiry_set, *read = pipeline.execute()
        if session_key is not None:
            session.prefetched(read.pop())
        return int(count), int(read[0] or 0) if read else 0
    cache.add(key, 0, keep)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, keep)
        count = 1
    return count, int(cache.get(previous) or 0) if previous is not None else 0


def rate_limited(request: HttpRequest, *, group: str, rate: str) -> bool:
    """Count this request against ``rate`` for the browser's token in ``group``; True
    when over. A browser without a token shares one bucket with every such browser.

    A sliding window, estimated from two fixed ones (this window's count plus the previous
    window's, weighted by how much of it still lies within the last ``window`` seconds), so
    that a burst across a window's edge is not counted afresh. Keyed by a digest: neither
    the group nor the token is readable in the cache."""
    limit, window = rate_parse(rate)
    token = browser_token(request) or "no-cookie"
    now = time.time()
    start = int(now) // window * window
    digest = hashlib.sha256(f"{group}\n{token}\n{window}".encode()).hexdigest()[:32]
    # Kept for two windows: the next window reads this one as its previous. The session,
    # which the view reads next, comes back with the count (one round trip for both).
    count, before = cache_count(
        f"innsikt:rl:{digest}:{start}",
        2 * window,
        previous=f"innsikt:rl:{digest}:{start - window}",
        session=getattr(request, "session", None),
    )
    return count + before * (1 - (now - start) / window) > limit


def address_mail_take(address: str, *, per_day: int | None = None) -> bool:
    """Take one of the day's mails to ``address`` (at most INNSIKT_MAILS_PER_ADDRESS a
    day); False when they are used up. The address is kept only as a hash, for a day."""
    limit = settings.INNSIKT_MAILS_PER_ADDRESS if per_day is None else per_day
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    key = f"innsikt:mails:{timezone.localdate().isoformat()}:{digest}"
    used, _before = cache_count(key, 60 * 60 * 24)
    return used <= limit
