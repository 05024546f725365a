"""The per-browser rate limit (cms.abuse.rate_limited): a sliding window estimated from two
fixed ones, counted in the cache in one round trip on Redis."""

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import RequestFactory

from cms import abuse


def test_rates_are_parsed_or_refused():
    assert abuse.rate_parse("60/m") == (60, 60)
    assert abuse.rate_parse("5/15m") == (5, 900)
    assert abuse.rate_parse("3/h") == (3, 3600)
    assert abuse.rate_parse("100000/d") == (100000, 86400)
    for bad in ("", "60", "60/x", "m/60", "-1/m", "5/0.5m"):
        with pytest.raises(ValueError, match="expected COUNT"):
            abuse.rate_parse(bad)


def _request(token: str | None):
    request = RequestFactory().post("/")
    if token is not None:
        signer = signing.get_cookie_signer(salt=abuse.TOKEN_COOKIE + abuse.TOKEN_COOKIE)
        request.COOKIES[abuse.TOKEN_COOKIE] = signer.sign(token)
    return request


@pytest.fixture
def clock(monkeypatch):
    """Time stands still unless a test moves it; it starts 10 s before a minute ends."""
    now = [1_800_000_000 // 60 * 60 + 50.0]
    monkeypatch.setattr(abuse.time, "time", lambda: now[0])
    cache.clear()
    return now


def _limited(token: str | None, group: str = "g", rate: str = "3/m") -> bool:
    return abuse.rate_limited(_request(token), group=group, rate=rate)


def test_the_fourth_request_in_a_minute_is_limited_per_token_and_group(clock):
    assert [_limited("a") for _ in range(4)] == [False, False, False, True]
    assert not _limited("b")  # another browser, perhaps behind the same address
    assert not _limited("a", group="other")


def test_browsers_without_a_token_share_one_bucket(clock):
    assert [_limited(None) for _ in range(3)] == [False, False, False]
    assert _limited(None)
    assert not _limited("a")


def test_a_burst_across_the_edge_of_a_window_is_still_counted(clock):
    assert [_limited("a") for _ in range(3)] == [False, False, False]
    clock[0] += 11  # 1 s into the next fixed window: 49/60 of the last one still counts
    assert _limited("a")
    clock[0] += 59  # the burst has slid out of the last 60 s: 1 + 1 × 50/60 < 3
    assert not _limited("a")


def test_the_cache_keys_show_neither_the_token_nor_the_group(clock, monkeypatch):
    keys = []
    real = abuse.cache_count
    monkeypatch.setattr(
        abuse, "cache_count", lambda key, keep, **kw: keys.append(key) or real(key, keep, **kw)
    )
    _limited("secret-token", group="survey-post:42")
    assert keys and all("secret" not in k and "survey" not in k for k in keys)


def test_on_redis_a_request_is_counted_in_one_round_trip(on_redis, clock, round_trips):
    results = [_limited("a") for _ in range(4)]

    assert results == [False, False, False, True]
    assert round_trips == ["INCRBY+EXPIRE+GET"] * 4
    clock[0] += 11
    assert _limited("a")  # the previous window is read back from Redis
    client = cache._cache.get_client(write=True)
    ttls = [client.ttl(k) for k in client.scan_iter("test-rate-limit:*")]
    assert ttls and all(0 < t <= 120 for t in ttls)  # kept for two windows, no longer


def test_the_daily_mail_cap_counts_in_one_round_trip(on_redis, round_trips):
    assert [abuse.address_mail_take("Kari@Example.org", per_day=2) for _ in range(3)] == [
        True,
        True,
        False,
    ]
    assert round_trips == ["INCRBY+EXPIRE"] * 3
