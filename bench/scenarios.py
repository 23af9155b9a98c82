"""Measurements of one bench run. Each returns plain numbers; the runner compares and reports.

HTTP loads use wrk (C, two threads) on loopback; in-process timings use perf_counter. Every loop is
bounded in count and in time.
"""

import json
import math
import os
import statistics
import subprocess
import time
from pathlib import Path

from bench.stack import BASE_DIR, DB_NAME, PG_URL, wait_for

SCRIPTS = BASE_DIR / "scripts" / "bench"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))  # nearest rank
    return ordered[index]


def timings(function, *, runs: int, budget_s: float) -> list[float]:
    """Milliseconds of `runs` calls (fewer if the time budget runs out; at least 3)."""
    values: list[float] = []
    deadline = time.monotonic() + budget_s
    for _ in range(runs):
        started = time.perf_counter()
        function()
        values.append((time.perf_counter() - started) * 1000)
        if len(values) >= 3 and time.monotonic() > deadline:
            break
    return values


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
    }


# HTTP -------------------------------------------------------------------------------------------
def wrk(
    url: str,
    *,
    connections: int,
    duration: int,
    max_requests: int,
    script: str = "report.lua",
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    """One wrk run; returns requests/s and latency percentiles in milliseconds."""
    threads = min(2, connections)
    run_env = {**os.environ, **(env or {}), "BENCH_MAX": str(max(1, max_requests // threads))}
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPTS / script),
        url,
    ]
    done = subprocess.run(  # noqa: S603 - fixed argv
        argv, env=run_env, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    raw = json.loads(line)
    seconds = raw["duration_us"] / 1e6
    capped = raw["requests"] >= max_requests
    rps = raw["requests"] / seconds if seconds else 0.0
    if capped and raw["mean"]:
        # The threads stopped at the cap but wrk still waits for -d: use Little's law instead.
        rps = connections / (raw["mean"] / 1e6)
    return {
        "requests": raw["requests"],
        "capped": capped,
        "rps": rps,
        "p50": raw["p50"] / 1000,
        "p95": raw["p95"] / 1000,
        "p99": raw["p99"] / 1000,
        "errors": raw["non2xx"] + raw["socket_errors"],
        "seconds": seconds,
    }


# PostgreSQL -------------------------------------------------------------------------------------
def pgbench_inserts(*, work_dir: Path, clients: int, duration: int) -> dict[str, float]:
    """Single-row INSERT per transaction (fsync on): the database's write limit."""
    import psycopg

    with psycopg.connect(f"{PG_URL}/{DB_NAME}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert "
            "(id bigserial PRIMARY KEY, supplier_id int, number text, created timestamptz)"
        )
    script = work_dir / "insert.sql"
    script.write_text(
        "\\set s random(1, 1000)\n"
        "INSERT INTO bench_insert (supplier_id, number, created) "
        "VALUES (:s, 'F-' || :s, now());\n"
    )
    host_url = f"{PG_URL}/{DB_NAME}"
    argv = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(duration)]
    argv += ["-f", str(script), host_url]
    done = subprocess.run(  # noqa: S603 - fixed argv
        argv, capture_output=True, text=True, timeout=duration + 60, check=True
    )
    tps = latency = float("nan")
    for line in done.stdout.splitlines():
        if line.startswith("tps ="):
            tps = float(line.split()[2])
        elif line.startswith("latency average"):
            latency = float(line.split()[3])
    return {"tps": tps, "latency_ms": latency}


# Celery -----------------------------------------------------------------------------------------
def celery_noop(*, redis_url: str, count: int, round_trips: int, timeout: float) -> dict:
    """Drain rate of `count` no-op tasks, then the median of sequential single round trips."""
    import redis

    from bench.tasks import noop

    client = redis.Redis.from_url(redis_url)
    key = f"bench:noop:{time.time_ns()}"
    client.set(key, 0)
    started = time.perf_counter()
    for _ in range(count):
        noop.delay(key)
    enqueued = time.perf_counter() - started
    wait_for(
        lambda: int(client.get(key)) >= count, timeout=timeout, what="tâches no-op", every=0.01
    )
    drained = time.perf_counter() - started
    trips: list[float] = []
    key_rt = f"{key}:rt"
    for index in range(1, round_trips + 1):
        begin = time.perf_counter()
        noop.delay(key_rt)
        wait_for(
            lambda i=index: int(client.get(key_rt) or 0) >= i,
            timeout=10,
            what="aller-retour no-op",
            every=0.0005,
        )
        trips.append((time.perf_counter() - begin) * 1000)
    return {
        "enqueue_per_s": count / enqueued,
        "drain_per_s": count / drained,
        "round_trip_ms": statistics.median(trips),
    }
