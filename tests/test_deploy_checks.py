"""`manage.py check --deploy` is clean with production settings taken from the environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "chorus.settings.base",
    "DJANGO_READ_DOT_ENV_FILE": "false",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_SECURE_HSTS_SECONDS": "31536000",
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "DJANGO_SECURE_HSTS_PRELOAD": "true",
    "DJANGO_ALLOWED_HOSTS": "chorus.example.test",
}


def _environment(**overrides: str) -> dict[str, str]:
    """The test process's environment without what the test harness itself sets."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return {**inherited, **overrides}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    env["CHORUS_VAR_DIR"] = str(tmp_path)
    result = _check(env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_process_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**PRODUCTION_ENV, "CHORUS_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_keyless_commands_run_on_a_fresh_clone_without_a_secret_key(tmp_path):
    """`manage.py makemigrations --check` needs no secret: it runs with a throw-away key, while
    every other command (above) still refuses."""
    env = {**PRODUCTION_ENV, "CHORUS_VAR_DIR": str(tmp_path), "DJANGO_READ_DOT_ENV_FILE": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
