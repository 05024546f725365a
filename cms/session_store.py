"""Sessions in the cache (never in the database, cms.settings): Django's cache backend,
except that

- a cache which cannot be reached is an error — "try again in a moment" (cms.faults,
  cms.error_views) — not an empty session. Django's backend reads any error on load as
  "no session" (meant for memcached's invalid keys). During a Redis restart that made a
  respondent's unfinished survey look lost, and saving the empty session in its place then
  lost it for good.
- on Redis, each save is one round trip (docs/performance.md). Django's backend reads a
  session before writing it back (to notice one deleted meanwhile, e.g. by signing out
  elsewhere) and asks whether a new random key is taken before claiming it; here the write
  itself says so: ``SET … XX`` writes only a session that still exists, ``SET … NX``
  claims only a free key. A survey's POST thus reads its session once and writes it once.
"""

from typing import Any

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore
from django.core.cache.backends.base import BaseCache
from django.utils.crypto import get_random_string

from .faults import fault_transient
from .redis_cache import RedisCache


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

    def prefetch_key(self, cache: BaseCache) -> str | None:
        """The Redis key to read this session from along with another command on
        ``cache`` (cms.abuse.cache_count), when it is there and not read yet; else None."""
        if (
            self._cache is not cache
            or not isinstance(cache, RedisCache)
            or self._session_key is None
            or hasattr(self, "_session_cache")
        ):
            return None
        return cache.make_and_validate_key(self.cache_key)

    def prefetched(self, raw: bytes | None) -> None:
        """Take the session's data as read with another command (prefetch_key), as load()
        would: a session that is gone is an empty, new one."""
        assert isinstance(self._cache, RedisCache)  # prefetch_key gave the key
        data = None if raw is None else self._cache.loads(raw)
        if data is None:
            self._session_key = None
            data = {}
        self._session_cache = data

    def _get_new_session_key(self) -> str:
        # 32 characters of 36 (165 bits): the claim in save(must_create=True) is the check.
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if not isinstance(self._cache, RedisCache) or self.session_key is None:
            super().save(must_create=must_create)
            return
        cache = self._cache
        key = cache.make_and_validate_key(self.cache_key)
        timeout = cache.get_backend_timeout(self.get_expiry_age())
        expiry = None if timeout is None else int(timeout)
        # SessionBase._get_session, as Django's cache store calls it (the stubs omit it).
        session = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        connection = cache.redis_client(key)
        if expiry == 0:  # already expired: Django's backend deletes it
            connection.delete(key)
            return
        if must_create:
            if not connection.set(key, cache.dumps(session), ex=expiry, nx=True):
                raise CreateError
        elif not connection.set(key, cache.dumps(session), ex=expiry, xx=True):
            raise UpdateError
