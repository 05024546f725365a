"""Django's Redis cache backend, with one Redis client per connection pool instead of one
per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation; since redis-py 6 that constructor fills a table of about 170 response
callbacks, which made it a tenth of a survey POST's own time (docs/performance.md). A
client is a thin, thread-safe handle on its pool, so one per pool serves every call.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        base: Any = self  # Django's private pool and client class (the stubs omit them)
        pool = base._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = base._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    """settings.CACHES' backend for ``redis://`` URLs (cms.settings._cache_from_url), and
    the one place that reaches below Django's cache API: Innsikt's few operations that
    need one round trip where the API takes several (cms.abuse's counters, cms.session_store's
    writes) use ``redis_client`` and ``dumps``/``loads``, the cache's own serialization."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient

    def redis_client(self, key: str) -> Any:
        """The redis-py client that writes ``key`` (a key made by make_and_validate_key)."""
        return self._cache.get_client(key, write=True)

    def dumps(self, value: Any) -> Any:
        client: Any = self._cache  # Django's RedisCacheClient (its serializer is private)
        return client._serializer.dumps(value)

    def loads(self, data: Any) -> Any:
        client: Any = self._cache
        return client._serializer.loads(data)
