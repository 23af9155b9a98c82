"""Fault tests (R1–R9, reliability-perf.md §7.1): real PostgreSQL, a private Redis, real Celery
workers as subprocesses. Slow, so they run only with CHORUS_FAULTS=1 (`make test-faults`);
`make test` deselects them. A missing service skips them, except on CI where it fails them.

FAULTS_SCALE (default 1.0) scales every count; each test prints its counts and duration.
"""

import os
import time

import pytest

from tests.reliability import harness

ENABLED = os.environ.get("CHORUS_FAULTS", "").lower() in {"1", "true", "yes"}
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SCALE = float(os.environ.get("FAULTS_SCALE", "1"))


def scaled(count: int, minimum: int = 10) -> int:
    return max(minimum, int(count * SCALE))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: fault-injection tests (CHORUS_FAULTS=1, `make test-faults`)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without CHORUS_FAULTS the fault tests are deselected (not skipped): they have their own
    pass, `make test-faults`, and a CI run must show no skipped test."""
    if ENABLED:
        return
    faults = [item for item in items if item.get_closest_marker("faults")]
    if faults:
        config.hook.pytest_deselected(items=faults)
        items[:] = [item for item in items if not item.get_closest_marker("faults")]


def _missing() -> str | None:
    if not harness.redis_available():
        return "redis-server introuvable : les tests de pannes démarrent leur propre Redis"
    if not harness.postgres_available():
        return f"PostgreSQL injoignable ({harness.ADMIN_URL})"
    return None


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    if reason := _missing():
        if ON_CI:
            pytest.fail(f"sur CI rien n'est ignoré : {reason}")
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("faults")
    (workdir / "var").mkdir()
    database = harness.Database()
    database.create()
    redis = harness.Redis(workdir)
    redis.start()
    stack = harness.Stack(database, redis, workdir)
    try:
        started = time.monotonic()
        stack.manage("migrate", "--noinput")
        context = stack.driver("setup")
        print(
            f"\n[faults] base {database.name}, Redis :{redis.port}, "
            f"migrate + setup {time.monotonic() - started:.1f} s, context {context}"
        )
        yield stack
    finally:
        stack.close()
        redis.stop()
        database.drop()


@pytest.fixture
def fresh_stack(stack):
    """The session stack with no worker running and an empty broker."""
    stack.close()
    stack.workers.clear()
    if not stack.redis.ping():
        stack.redis.start()
    stack.redis.command("FLUSHALL")
    stack.driver("settle")
    (stack.workdir / "poison.txt").write_text("")
    yield stack
    stack.close()
    stack.workers.clear()
