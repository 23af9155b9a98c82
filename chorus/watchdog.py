"""Consumption watchdog for Celery workers on a Redis broker.

Celery and Kombu have a long-standing intermittent bug (celery#8030, #8091, #9054, #10205, still
reported on 5.6/5.7): after the Redis connection is lost and re-established, the worker says it is
connected but never consumes again. Messages then wait in Redis forever and the outbox sweep keeps
re-sending them to a worker that does not listen. The fault test R2 (Redis `SHUTDOWN NOSAVE`
mid-run) hit it on CI.

The watchdog is a thread in the worker's main process. Every few seconds it checks the broker: when
the queues this worker consumes hold messages, the worker has nothing reserved, and it has received
nothing for `CHORUS_WORKER_WATCHDOG_SECONDS`, the worker is stalled. It then asks the worker for a
warm shutdown with exit code 75 (EX_TEMPFAIL); nothing is in flight by construction, so nothing is
lost, and the supervisor (docker compose `restart: unless-stopped`, systemd, the fault-test harness)
starts a fresh process, which always consumes again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger("chorus.watchdog")

EXIT_STALLED = 75  # EX_TEMPFAIL: try again (the supervisor restarts the worker)
PRIORITY_SEPARATOR = "\x06\x16"  # kombu's Redis transport: queue keys for priorities 3, 6, 9
PRIORITY_STEPS = (3, 6, 9)


def queue_keys(queues: Iterable[str]) -> list[str]:
    """The Redis list keys that hold the messages of these Celery queues."""
    keys = []
    for name in queues:
        keys.append(name)
        keys.extend(f"{name}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS)
    return keys


class ConsumerWatchdog:
    """Decides, from observations, whether the worker has stopped consuming.

    `backlog` returns the number of messages waiting in the worker's queues (None when the broker
    cannot be reached: the consumer is then reconnecting on its own, nothing to decide);
    `reserved` returns how many requests the worker holds (received, running or waiting for an
    ETA). Stalled means: a backlog seen at two consecutive checks, nothing reserved, and nothing
    received for `stall_seconds`.
    """

    def __init__(
        self,
        *,
        backlog: Callable[[], int | None],
        reserved: Callable[[], int],
        stall_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backlog, self.reserved, self.clock = backlog, reserved, clock
        self.stall_seconds = stall_seconds
        self.last_received = clock()
        self.backlog_seen = False

    def received(self) -> None:
        self.last_received = self.clock()

    def check(self) -> bool:
        """One observation; True when the worker is stalled."""
        waiting = self.backlog()
        if not waiting or self.reserved():
            self.backlog_seen = False
            return False
        seen_before, self.backlog_seen = self.backlog_seen, True
        return seen_before and self.clock() - self.last_received >= self.stall_seconds


_watchdog: ConsumerWatchdog | None = None


def _redis_backlog(broker_url: str, queues: list[str]) -> Callable[[], int | None]:
    import redis

    client = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
    keys = queue_keys(queues)

    def backlog() -> int | None:
        try:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                pipe.llen(key)
            return sum(pipe.execute())
        except redis.RedisError:
            return None

    return backlog


def _request_restart(grace: float) -> None:
    from celery.worker import state

    logger.error(
        "Le worker ne consomme plus la file malgré des messages en attente (bogue Celery/Kombu "
        "de reconnexion Redis) : arrêt (code %s) pour que le superviseur le relance.",
        EXIT_STALLED,
    )
    state.should_stop = EXIT_STALLED  # the consumer loop raises WorkerShutdown(75) at its next turn
    time.sleep(grace)
    logger.error("Le worker ne s'est pas arrêté en %s s : sortie immédiate.", grace)
    os._exit(EXIT_STALLED)


def start(*, app, queues: list[str], stall_seconds: float) -> ConsumerWatchdog | None:
    """Start the watchdog thread for this worker (main process), if the broker is Redis."""
    global _watchdog
    broker_url = app.conf.broker_url or ""
    if stall_seconds <= 0 or not broker_url.startswith(("redis://", "rediss://")) or not queues:
        return None
    from celery.worker import state

    watchdog = ConsumerWatchdog(
        backlog=_redis_backlog(broker_url, queues),
        reserved=lambda: len(state.reserved_requests),
        stall_seconds=stall_seconds,
    )
    interval = max(1.0, min(10.0, stall_seconds / 3))

    def run() -> None:
        while True:
            time.sleep(interval)
            try:
                stalled = watchdog.check()
            except Exception:  # the watchdog must never take the worker down by itself
                logger.exception("Contrôle du watchdog en échec")
                continue
            if stalled:
                _request_restart(grace=60.0)
                return

    threading.Thread(target=run, name="chorus-consumer-watchdog", daemon=True).start()
    _watchdog = watchdog
    logger.info("Watchdog de consommation actif sur %s (seuil %s s).", queues, stall_seconds)
    return watchdog


def task_received() -> None:
    if _watchdog is not None:
        _watchdog.received()
