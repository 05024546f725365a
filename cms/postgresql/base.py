"""Django's PostgreSQL backend, with a health check of a kept connection that costs no
round trip.

Django checks a reused connection (CONN_HEALTH_CHECKS) with ``SELECT 1`` before a
request's first query: a round trip to the server on every request that uses the
database — for a one-page survey answer, whose answer is one statement, half of its
database round trips (docs/performance.md). A connection the server has closed (a
restart, an administrator's terminate, an idle timeout) is one on which the server's
goodbye, or the end of the stream, is already waiting to be read, while an idle, live
connection has nothing to read: asking the socket tells the same, locally. Anything
waiting on an idle connection counts as a closed one — a new connection is cheap, and
rarer than a restart.
"""

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq

WAITING = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP | select.POLLNVAL


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection: Any = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status not in (
            pq.TransactionStatus.IDLE,
            pq.TransactionStatus.INTRANS,
        ):
            return False
        poll = select.poll()
        poll.register(pgconn.socket, WAITING)
        return not poll.poll(0)
