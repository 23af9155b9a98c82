"""The production shape on loopback: Redis, gunicorn and Celery workers started as child processes.

Every process is started here, tracked by its id, and stopped by that id (its own process group)
when the bench ends, whatever happens.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = BASE_DIR / ".venv" / "bin"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB", "chorus_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception as exc:  # still starting: try again until the deadline
            last_error = exc
        time.sleep(every)
    detail = f" (dernière erreur : {last_error!r})" if last_error else ""
    raise TimeoutError(f"{what} : pas prêt après {timeout:.0f} s{detail}")


class Stack:
    """Child processes of one bench run."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.redis_port = free_port()
        self.web_port = free_port()
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.database_url = f"{PG_URL}/{DB_NAME}"

    def env(self) -> dict[str, str]:
        """The environment of every process of the run (never the developer's .env)."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chorus.settings.bench",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DJANGO_SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CHORUS_VAR_DIR": str(self.work_dir),
            "CHORUS_SANDBOX": "true",
            "PYTHONWARNINGS": "ignore",
            # A pool process holds ~450 MB once the schematron stylesheets are compiled; under
            # the 400 MB default each child is replaced after every task (docs/benchmarks.md).
            "CELERY_WORKER_MAX_MEMORY_PER_CHILD": "1500000",
        }

    def _start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.work_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed argv built here
            argv,
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def stop(self, name: str, *, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in reversed(list(self.processes)):
            self.stop(name)

    # Redis -------------------------------------------------------------------------------------
    def start_redis(self) -> None:
        self._start(
            "redis",
            [
                "redis-server",
                "--bind", "127.0.0.1",
                "--port", str(self.redis_port),
                "--dir", str(self.work_dir),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--maxmemory-policy", "noeviction",
            ],
        )  # fmt: skip
        client = redis.Redis.from_url(self.redis_url)
        wait_for(client.ping, timeout=20, what="Redis")

    # PostgreSQL --------------------------------------------------------------------------------
    def recreate_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def drop_database(self) -> None:
        import psycopg

        with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')

    # gunicorn ----------------------------------------------------------------------------------
    def start_web(self, *, workers: int) -> str:
        self._start(
            "gunicorn",
            [
                str(VENV_BIN / "gunicorn"),
                "chorus.wsgi:application",
                "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.web_port}",
                "--log-level", "warning",
                "--backlog", "2048",
            ],
        )  # fmt: skip
        url = f"http://127.0.0.1:{self.web_port}"

        def ready() -> bool:
            import urllib.request

            with urllib.request.urlopen(f"{url}/bench/ping", timeout=2) as response:  # noqa: S310
                return response.status == 200

        wait_for(ready, timeout=60, what="gunicorn")
        return url

    # Celery ------------------------------------------------------------------------------------
    def start_worker(self, name: str, *, queues: str, concurrency: int) -> None:
        self._start(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A", "chorus",
                "worker",
                "-Q", queues,
                "-c", str(concurrency),
                "-P", "prefork",
                "-n", f"{name}@bench",
                "-l", "warning",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )  # fmt: skip
