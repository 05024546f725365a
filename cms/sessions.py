"""Staff sessions: every signed-in session is a row its owner can see and end, and it
ends by itself after INNSIKT_STAFF_IDLE_MINUTES without a request.

Sessions live in the cache (cms.settings: no session row a database dump could line up
with an answer), so the cache cannot list a user's sessions: each staff session is noted
here by a hash of its key — never the key itself, which would let a database reader take
the session over. Ending one marks the row; the middleware (cms.middleware) signs the
session out at its next request.
"""

import hashlib
import time
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from .models import StaffSession

ADMIN_PREFIX = "/admin/"
SEEN_KEY = "innsikt_seen"  # in the session: when its user was last seen (epoch seconds)
# A session's row is written at most this often (not at every request).
TOUCH_SECONDS = 60


def _key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def has_session_cookie(request: HttpRequest) -> bool:
    """Whether the request could belong to a signed-in user at all (a respondent without
    a session cookie is not one, and their session is never loaded to find out)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def staff_session_touch(request: HttpRequest, user: Any) -> None:
    """Note that ``user``, signed in on this request, was seen now (at most once a
    minute)."""
    now = time.time()
    seen = request.session.get(SEEN_KEY)
    if seen and now - seen < TOUCH_SECONDS:
        return
    request.session[SEEN_KEY] = now
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    assert key is not None
    assert user.is_authenticated  # called for signed-in requests only (cms.middleware)
    StaffSession.objects.update_or_create(
        key_hash=_key_hash(key),
        defaults={
            "user": user,
            "last_seen_at": timezone.now(),
            "browser": request.headers.get("User-Agent", "")[:200],
        },
    )


def staff_session_expired(request: HttpRequest) -> bool:
    """Has the request's session been idle too long, or been ended by its owner?"""
    seen = request.session.get(SEEN_KEY)
    idle = settings.INNSIKT_STAFF_IDLE_MINUTES * 60
    key = request.session.session_key
    if seen and time.time() - seen > idle:
        if key:
            staff_session_end(key_hash=_key_hash(key))
        return True
    return bool(
        key
        and StaffSession.objects.filter(key_hash=_key_hash(key), ended_at__isnull=False).exists()
    )


def staff_session_end(*, key_hash: str, user: Any = None) -> int:
    """End a session (of ``user``'s, when given): it is signed out at its next request.
    Returns how many were ended (0 for another user's or an unknown one)."""
    sessions = StaffSession.objects.filter(key_hash=key_hash, ended_at__isnull=True)
    if user is not None:
        sessions = sessions.filter(user=user)
    return sessions.update(ended_at=timezone.now())


def staff_sessions_for(user: Any) -> QuerySet[StaffSession]:
    """The user's sessions still open, newest first."""
    return StaffSession.objects.filter(user=user, ended_at__isnull=True).order_by("-last_seen_at")


def current_key_hash(request: HttpRequest) -> str:
    key = request.session.session_key
    return _key_hash(key) if key else ""
