"""The embedded default (`make run`: SQLite file, tasks in-process) under concurrent use (issue 14
item 8): 40 concurrent API deposits, 20 parallel processing requests on one invoice and portal
double submits give no 500 and the outcome PostgreSQL gives (every deposit once; one processing
wins, the others 20002; one object per submitted form).

The driver runs in a subprocess on a real SQLite file opened with the OPTIONS of
chorus.settings.base, each request in its own thread and connection (tests/invoices/
sqlite_concurrency_driver.py); the suite's in-memory database could not show file locking. With
DATABASE_URL set, the same driver also runs on a fresh PostgreSQL database, for the same outcome.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.conf import settings

DRIVER = Path(__file__).with_name("sqlite_concurrency_driver.py")


def run_driver(var_dir: Path, database_url: str = "") -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SECRET_KEY="sqlite-concurrency-driver",
        DJANGO_READ_DOT_ENV_FILE="false",
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="testserver",
        CHORUS_VAR_DIR=str(var_dir),
        CHORUS_MEDIA_ROOT=str(var_dir / "media"),
        EMAIL_URL="memorymail://",
        CHORUS_API_RATE="100000/min",
        PYTHONPATH=str(settings.BASE_DIR),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, str(DRIVER)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout)


def assert_no_500_and_exactly_once(report: dict) -> None:
    assert report["deposits"] == {"200/0": 40}, report
    assert report["invoices"] == report["distinct_numbers"] == 40
    assert report["statuses"] == {"MISE_A_DISPOSITION": 40, "REJETEE": 1}
    # One rejection wins; the 19 others, each with another motif, are refused (20002), none 500.
    assert report["processing"] == {"200/0": 1, "400/20002": 19}, report
    assert report["target_status"] == "REJETEE"
    assert report["rejection_events"] == 1
    assert report["rejection_comment_logged"].endswith(report["target_comment"])
    # Portal double submits, three clicks at once each: no 500, one object (issue 14 item 17).
    assert report["portal_send"] == {"302": 3}, report
    assert report["portal_send_invoices"] == ["MISE_A_DISPOSITION"]  # deposited, no draft left
    assert report["portal_credit_note"] == {"302": 3}, report
    assert report["credit_notes"] == 1
    assert report["portal_sollicitation"] == {"302": 3}, report
    assert report["sollicitations"] == 1


def test_sqlite_file_default_takes_concurrent_deposits_and_processing_without_500(tmp_path):
    report = run_driver(tmp_path)
    assert (tmp_path / "db.sqlite3").exists()  # a file database, not the suite's in-memory one
    assert_no_500_and_exactly_once(report)


@pytest.mark.postgres
def test_postgresql_gives_the_same_outcome(tmp_path):
    """The same driver on a fresh PostgreSQL database: the outcome the SQLite default matches."""
    import psycopg

    url = urlparse(os.environ["DATABASE_URL"])
    name = f"chorus_driver_{os.getpid()}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        report = run_driver(tmp_path, database_url=url._replace(path=f"/{name}").geturl())
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert not (tmp_path / "db.sqlite3").exists()
    assert_no_500_and_exactly_once(report)
