"""Processes for the fault tests: a dedicated PostgreSQL database, a private redis-server on a
spare port, a Celery worker group, and the Django driver (tests/reliability/driver.py).

Nothing here touches the machine's shared Redis: every Redis the tests kill is their own.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
ADMIN_URL = os.environ.get("FAULTS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_available() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def redis_available() -> bool:
    return shutil.which("redis-server") is not None


class Database:
    def __init__(self) -> None:
        self.name = f"chorus_faults_{os.getpid()}"
        base = ADMIN_URL.rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Redis:
    """A private redis-server without persistence (as the machine's: it keeps nothing on disk)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.workdir / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def command(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return result.stdout.strip()

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def queue_length(self, queue: str = "celery") -> int:
        return int(self.command("LLEN", queue) or 0)

    def shutdown_nosave(self) -> None:
        self.command("SHUTDOWN", "NOSAVE")
        if self.process is not None:
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Stack:
    """Environment shared by the driver and the workers of one test session."""

    def __init__(self, database: Database, redis: Redis, workdir: Path) -> None:
        self.database, self.redis, self.workdir = database, redis, workdir
        self.workers: list[Workers] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chorus.settings.faults",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DATABASE_URL": self.database.url,
            "REDIS_URL": self.redis.url,
            "FAULTS_STATE_DIR": str(self.workdir),
            "FAULTS_POISON_FILE": str(self.workdir / "poison.txt"),
            "CHORUS_VAR_DIR": str(self.workdir / "var"),
            "PYTHONPATH": str(ROOT),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        env.update(extra)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {args}: {result.stderr[-3000:]}")
        return result.stdout

    def driver(self, *args: str, timeout: int = 600) -> dict:
        result = subprocess.run(
            [PYTHON, "-m", "tests.reliability.driver", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"driver {args} failed:\n{result.stderr[-4000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def start_driver(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [PYTHON, "-m", "tests.reliability.driver", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def finish(process: subprocess.Popen, timeout: int = 600) -> dict:
        stdout, stderr = process.communicate(timeout=timeout)
        if process.returncode:
            raise RuntimeError(f"driver failed:\n{stderr[-4000:]}")
        return json.loads(stdout.strip().splitlines()[-1])

    def workers_start(self, concurrency: int = 2) -> "Workers":
        workers = Workers(self, concurrency)
        workers.start()
        self.workers.append(workers)
        return workers

    def sweep_until_settled(
        self, prefix: str, expected: int, *, interval: float, timeout: float
    ) -> tuple[dict, int, float]:
        """Run the sweep every `interval` s until every deposited invoice is settled."""
        started = time.monotonic()
        sweeps = 0
        while True:
            check = self.driver("check", "--prefix", prefix)
            settled = check["deposited"] >= expected and check["lost"] == 0
            if settled or time.monotonic() - started > timeout:
                return check, sweeps, time.monotonic() - started
            time.sleep(interval)
            self.driver("sweep")
            sweeps += 1

    def close(self) -> None:
        for workers in self.workers:
            workers.stop()


class Workers:
    """`celery worker` (prefork) in its own process group, so SIGKILL reaches every child."""

    def __init__(self, stack: Stack, concurrency: int) -> None:
        self.stack, self.concurrency = stack, concurrency
        self.process: subprocess.Popen | None = None
        self.log = stack.workdir / "workers.log"
        # Like docker compose's `restart: unless-stopped`: a worker that exits on its own (the
        # consumer watchdog's code 75) is started again; kill() and stop() are the test's own.
        self.wanted = False
        self.restarts: list[int] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self.wanted = True
            self._spawn()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        while True:
            time.sleep(0.5)
            with self._lock:
                if not self.wanted:
                    return
                if self.process is not None and self.process.poll() is not None:
                    self.restarts.append(self.process.returncode)
                    self._spawn()

    def _spawn(self) -> None:
        log = open(self.log, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                PYTHON,
                str(ROOT / "scripts" / "reliability" / "fault_worker.py"),
                "worker",
                "-c",
                str(self.concurrency),
                "-Q",
                "celery",
                "-n",
                f"faults-{os.getpid()}-{time.monotonic_ns()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
            ],
            cwd=ROOT,
            env=self.stack.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL to the whole group: the parent and its children die with tasks in flight."""
        with self._lock:
            self.wanted = False
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def cancel_consumer(self, queue: str = "celery") -> str:
        """Stop the worker consuming `queue` while it stays connected and alive: the symptom of
        the Celery/Kombu reconnection bug (chorus/watchdog.py), made deterministic."""
        result = subprocess.run(
            [PYTHON, "-m", "celery", "-A", "chorus", "control", "cancel_consumer", queue],
            cwd=ROOT,
            env=self.stack.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return result.stdout + result.stderr

    def pause(self) -> None:
        """SIGSTOP the group: messages pile up in the broker meanwhile."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        with self._lock:
            self.wanted = False
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGCONT)  # a paused group cannot stop
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None
