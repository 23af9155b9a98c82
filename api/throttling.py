"""PISTE-style rate limit per application (the OAuth client), in O(1) per call.

DRF's SimpleRateThrottle keeps the timestamp of every call of the period in one cache value, read,
unpickled, extended and written back at each call: at the bench's rate that is thousands of floats
per request. This throttle is a sliding-window counter instead (the approximation gateways use):
one counter per fixed window, and the count of the period is the current window's plus the
previous window's weighted by the part of it still inside the period. On Redis it is one
pipelined round trip (INCR, EXPIRE NX, GET); on the embedded default it goes through the cache API.
"""

import hashlib
import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from chorus.security import client_address

logger = logging.getLogger(__name__)


def _on_redis() -> bool:
    return isinstance(caches["default"], RedisCache)


_client = None
_client_lock = threading.Lock()


def _redis():
    """One client per process on the cache's own server (Django's cache builds a client per
    call); the keys are the cache's (`make_and_validate_key`), so the cache API reads them too.

    Built under a lock: two threads making their first call at once must not both build one.
    The client left over would own its connection pool, and the garbage collector, closing it
    later from whatever thread it runs in, would cut that pool's connection under a call in
    flight ("I/O operation on closed file", a 500 in the fault tests' 8-thread deposits).
    """
    global _client
    if _client is None:
        with _client_lock:
            if _client is None:
                import redis

                location = settings.CACHES["default"]["LOCATION"]
                server = location[0] if isinstance(location, list | tuple) else location
                _client = redis.Redis.from_url(
                    server.split(",")[0], socket_timeout=2, socket_connect_timeout=2
                )
    return _client


def _window_counts(current: str, previous: str, ttl: int) -> tuple[int, int]:
    """Add this call to the current window; return (current, previous) counts."""
    if _on_redis():
        pipe = _redis().pipeline(transaction=False)
        key = cache.make_and_validate_key(current)
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        pipe.get(cache.make_and_validate_key(previous))
        count, _, before = pipe.execute()
        return int(count), int(before or 0)
    cache.add(current, 0, ttl)
    return cache.incr(current), int(cache.get(previous) or 0)


def _window_undo(current: str) -> None:
    """Take a refused call back out of its window (refused calls do not use the quota)."""
    if _on_redis():
        _redis().decr(cache.make_and_validate_key(current))
    else:
        cache.decr(current)


class ApplicationRateThrottle(BaseThrottle):
    """Rate limit per PISTE application, as the gateway does (`DEFAULT_THROTTLE_RATES["piste"]`)."""

    scope = "piste"

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # read now: overrides apply
        application = getattr(request, "piste_application", None)
        if not rate or application is None:
            return True
        limit, period = SimpleRateThrottle.parse_rate(None, rate)
        now = time.time()
        window, elapsed = divmod(now, period)
        prefix = f"throttle:{self.scope}:{application.pk}:{period}:"
        key = f"{prefix}{int(window)}"
        try:
            current, previous = _window_counts(key, f"{prefix}{int(window) - 1}", 2 * period + 1)
            weighted = current + previous * (1 - elapsed / period)
            if weighted > limit:
                _window_undo(key)
        except RedisError:
            # A deposit needs only PostgreSQL: with Redis down the limit fails open rather than
            # turning every call into a 500 (reliability gate R3).
            logger.warning("Limitation de débit indisponible (cache injoignable) : requête admise")
            return True
        if weighted <= limit:
            return True
        # Until enough of the previous window has slid out (or the next window if that is all).
        needed = (weighted - limit) / previous * period if previous else period - elapsed
        self._wait = max(1.0, needed)
        return False

    def wait(self) -> float | None:
        return self._wait


# Credential failures (issue 14 #7) ---------------------------------------------------------------
# Wrong client secrets on the token endpoint and wrong technical-account passwords are counted in
# the same sliding windows, one per client id, per technical login (letter case folded) and per
# source address. Only failures count, so a client that authenticates is never slowed; once one
# of its keys is over the limit, a caller gets 429 with Retry-After before any password is hashed.
CREDENTIALS_SCOPE = "credentials"


def _credential_rate() -> tuple[int, int] | None:
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(CREDENTIALS_SCOPE)
    return SimpleRateThrottle.parse_rate(None, rate) if rate else None


def _credential_prefix(kind: str, value: str, period: int) -> str:
    # Hashed: a login or client id may hold anything, a cache key may not.
    digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]
    return f"throttle:{CREDENTIALS_SCOPE}:{kind}:{digest}:{period}:"


def credential_keys(
    request, *, client_id: str | None = None, login: str | None = None
) -> list[tuple[str, str]]:
    """The (kind, value) counters a credential attempt of this request is counted in."""
    keys = [("ip", client_address(request) or "inconnue")]
    if client_id:
        keys.append(("client", client_id))
    if login:
        keys.append(("login", login.casefold()))
    return keys


def credential_failures_wait(keys: list[tuple[str, str]]) -> float | None:
    """Seconds to wait if any of these counters is over the limit, else None (read only)."""
    parsed = _credential_rate()
    if parsed is None:
        return None
    limit, period = parsed
    now = time.time()
    window, elapsed = divmod(now, period)
    wait = None
    prefixes = [_credential_prefix(kind, value, period) for kind, value in keys]
    try:
        # One round trip for every counter: this runs before each API call's password check.
        counts = cache.get_many(
            [f"{prefix}{int(window) - back}" for prefix in prefixes for back in (0, 1)]
        )
    except RedisError:
        logger.warning("Limitation des échecs d'authentification indisponible (cache injoignable)")
        return None
    for prefix in prefixes:
        current = int(counts.get(f"{prefix}{int(window)}") or 0)
        previous = int(counts.get(f"{prefix}{int(window) - 1}") or 0)
        weighted = current + previous * (1 - elapsed / period)
        if weighted < limit:
            continue
        if current < limit:  # the previous window slides out enough within this one
            needed = period * (1 - (limit - current) / previous) - elapsed
        else:  # this window's failures alone: into the next one, until they slide out enough
            needed = (period - elapsed) + period * (1 - limit / current)
        wait = max(wait or 0.0, 1.0, needed)
    return wait


def credential_failure_record(keys: list[tuple[str, str]]) -> None:
    """Count one failed attempt in each counter."""
    parsed = _credential_rate()
    if parsed is None:
        return
    _limit, period = parsed
    window = int(time.time() // period)
    try:
        for kind, value in keys:
            prefix = _credential_prefix(kind, value, period)
            _window_counts(f"{prefix}{window}", f"{prefix}{window - 1}", 2 * period + 1)
    except RedisError:
        logger.warning("Limitation des échecs d'authentification indisponible (cache injoignable)")
