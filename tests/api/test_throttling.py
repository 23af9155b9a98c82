"""The PISTE rate limit: a sliding-window counter, O(1) per call, on the cache or on Redis."""

import types

import pytest
from django.core.cache import cache

from api import throttling
from api.throttling import ApplicationRateThrottle


@pytest.fixture
def rate(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"piste": "10/min"},
    }
    cache.clear()


def calls(monkeypatch, at: float, count: int, app_pk: int = 1) -> list[bool]:
    monkeypatch.setattr(throttling.time, "time", lambda: at)
    request = types.SimpleNamespace(piste_application=types.SimpleNamespace(pk=app_pk))
    return [ApplicationRateThrottle().allow_request(request, None) for _ in range(count)]


def check_sliding_window(monkeypatch) -> None:
    base = 60 * 1_000_000  # the start of a window
    # 10 calls late in a window: all admitted, the 11th refused.
    assert calls(monkeypatch, base + 50, 11) == [True] * 10 + [False]
    # Just after the boundary, the previous window still weighs ~10: refused (a fixed window
    # would admit 10 more at once).
    assert calls(monkeypatch, base + 61, 1) == [False]
    # Half-way through the next window, half of the previous one remains: 5 more are admitted
    # (the refused calls above did not use the quota).
    assert calls(monkeypatch, base + 90, 6) == [True] * 5 + [False]
    # Another application has its own counter.
    assert calls(monkeypatch, base + 90, 1, app_pk=2) == [True]
    # Two windows later the old calls no longer count.
    assert calls(monkeypatch, base + 190, 10) == [True] * 10


def test_sliding_window_on_the_cache_api(rate, monkeypatch):
    monkeypatch.setattr(throttling, "_on_redis", lambda: False)
    check_sliding_window(monkeypatch)


@pytest.mark.redis
def test_sliding_window_on_redis(rate, monkeypatch):
    assert throttling._on_redis()
    throttling._redis().flushdb()
    check_sliding_window(monkeypatch)
    # Every counter expires (two periods and a second).
    client = throttling._redis()
    keys = client.keys("*throttle:piste:*")
    assert keys
    assert all(0 < client.ttl(k) <= 121 for k in keys)


def test_retry_after_counts_the_time_for_the_previous_window_to_slide_out(rate, monkeypatch):
    base = 60 * 1_000_000
    calls(monkeypatch, base + 50, 10)
    monkeypatch.setattr(throttling.time, "time", lambda: base + 62)
    request = types.SimpleNamespace(piste_application=types.SimpleNamespace(pk=1))
    throttle = ApplicationRateThrottle()
    assert throttle.allow_request(request, None) is False  # 1 + 10 × 58/60 > 10
    assert throttle.wait() == pytest.approx(4.0)
    # Once that time has passed, the same call is admitted: 1 + 10 × 54/60 = 10.
    assert calls(monkeypatch, base + 62 + throttle.wait(), 1) == [True]


def test_threads_making_their_first_call_at_once_share_one_redis_client(monkeypatch, settings):
    """A second client, dropped once built, would close its connection pool from the garbage
    collector while another thread's call is reading from it."""
    import threading
    import time

    import redis

    built = []

    def slow_from_url(url, **kwargs):
        time.sleep(0.05)  # long enough for every thread to arrive before the first is done
        client = types.SimpleNamespace(url=url)
        built.append(client)
        return client

    monkeypatch.setattr(redis.Redis, "from_url", slow_from_url)
    monkeypatch.setattr(throttling, "_client", None)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "redis://127.0.0.1:6379/3,redis://replica:6379/3",
        }
    }
    start, got = threading.Barrier(8), []

    def first_call():
        start.wait()
        got.append(throttling._redis())

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
    assert all(client is built[0] for client in got)
    assert built[0].url == "redis://127.0.0.1:6379/3"  # the primary of the cache's location
