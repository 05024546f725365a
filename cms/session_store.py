"""Sessions in the cache (never in the database, cms.settings): Django's cache backend,
except that a cache which cannot be reached is an error — "try again in a moment"
(cms.faults, cms.error_views) — not an empty session.

Django's backend reads any error on load as "no session" (meant for memcached's invalid
keys). During a Redis restart that made a respondent's unfinished survey look lost, and
saving the empty session in its place then lost it for good.
"""

from typing import Any

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.core.cache.backends.base import BaseCache

from .faults import fault_transient


class SessionStore(CacheSessionStore):
    _cache: BaseCache  # set by Django's CacheSessionStore.__init__; django-stubs omit it

    def load(self) -> dict[str, Any]:
        try:
            session_data = self._cache.get(self.cache_key)
        except Exception as exc:
            if fault_transient(exc):
                raise
            session_data = None
        if session_data is not None:
            return session_data
        self._session_key = None
        return {}
