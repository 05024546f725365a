"""Transient faults: the database, Redis or the broker restarting under a running site.

A restart of PostgreSQL or Redis is an ordinary event of a year in production (an upgrade, a
reboot, a failover). While it lasts, the request that needed it fails; the site must then
say "try again in a moment" (503, cms.error_views) rather than show a traceback or a bare
"server error", and must answer normally again as soon as the server is back — Django opens
a new database connection per request once the old one is found broken (CONN_HEALTH_CHECKS),
and redis-py reconnects on the next command.
"""

from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,  # the database refused, dropped or timed out a connection
    InterfaceError,  # a connection the database closed under us
    RedisConnectionError,  # the cache (sessions) or a Redis broker is down
    RedisTimeoutError,
    BrokerError,  # kombu could not reach the broker
)

SQLITE_SCHEMA_ERRORS = ("no such table", "no such column", "table ", "duplicate column")


def fault_transient(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what it was raised from) is a server being away, which a
    retry a moment later fixes — not a bug."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, TRANSIENT):
            # SQLite reports a missing table or column as an OperationalError too: a bug
            # (an unapplied migration), which no retry fixes.
            return not str(exc).startswith(SQLITE_SCHEMA_ERRORS)
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
