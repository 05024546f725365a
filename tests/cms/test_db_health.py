"""The health check of a kept PostgreSQL connection (cms.postgresql) answers without a
round trip and still notices a connection the server has closed; Django then opens a new
one for the next request (the restart itself: tests/integration/test_web_faults.py)."""

import time

import psycopg
import pytest
from django.db import connection, connections

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's backend (CI runs it)"
)


@pytest.fixture
def kept(db):
    """A second connection to the test database, as a web worker keeps one."""
    wrapper = connections.create_connection("default")
    wrapper.settings_dict["CONN_HEALTH_CHECKS"] = True
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _terminate(wrapper) -> None:
    params = wrapper.get_connection_params()
    with psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        user=params.get("user"),
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])


def test_a_live_connection_is_usable_without_a_query(kept):
    assert type(kept).__module__ == "cms.postgresql.base"
    with kept.cursor() as cursor:
        cursor.execute("SELECT 'the last query'")
    pid = kept.connection.info.backend_pid
    with psycopg.connect(**{**kept.get_connection_params(), "dbname": "postgres"}) as admin:
        before = admin.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]
        assert kept.is_usable()
        after = admin.execute(
            "SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()[0]
    assert before == after == "SELECT 'the last query'"  # the check sent nothing


def test_a_connection_the_server_closed_is_replaced_for_the_next_request(kept):
    old_pid = kept.connection.info.backend_pid
    _terminate(kept)
    for _ in range(50):  # the server's goodbye reaches the socket within milliseconds
        if not kept.is_usable():
            break
        time.sleep(0.01)
    assert not kept.is_usable()

    kept.health_check_done = False  # a new request begins (Django's request_started)
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid
