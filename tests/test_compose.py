"""Issue 14 item 5: docker-compose.yml, the production shape, has no default secret and its
environment passes `manage.py check --deploy` (Docker is not needed: the YAML is read here)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


class MissingVariable(Exception):
    pass


def _interpolate(value: str, shell: dict[str, str]) -> str:
    """Compose's `${X}`, `${X:-default}`, `${X:?error}` interpolation."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        current = shell.get(name, "")
        if operator in (":?", "?") and not current:
            raise MissingVariable(f"{name}: {argument}")
        if operator in (":-", "-") and not current:
            return argument
        return current

    return _VARIABLE.sub(substitute, value)


def compose_environment(service: str, shell: dict[str, str]) -> dict[str, str]:
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    environment = document["services"][service]["environment"]
    return {key: _interpolate(str(value), shell) for key, value in environment.items()}


def test_compose_does_not_start_without_a_secret_key():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "change-me" not in text
    for service in APP_SERVICES:
        with pytest.raises(MissingVariable, match="DJANGO_SECRET_KEY"):
            compose_environment(service, shell={})


def test_compose_refuses_private_webhook_targets_and_runs_without_debug():
    shell = {"DJANGO_SECRET_KEY": secrets.token_hex(48)}
    for service in APP_SERVICES:
        environment = compose_environment(service, shell)
        assert environment["CHORUS_WEBHOOKS_ALLOW_PRIVATE"] == "false"
        assert environment["DJANGO_DEBUG"] == "false"
        assert environment["DJANGO_SECRET_KEY"] == shell["DJANGO_SECRET_KEY"]


def test_mail_catcher_and_app_are_not_published_beyond_the_proxy():
    document = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = document["services"]
    assert "ports" not in services["web"]  # plain http gunicorn: only through the TLS proxy
    # ... so the caller's address is the one Caddy forwards (tests/security/test_client_address.py)
    web = compose_environment("web", {"DJANGO_SECRET_KEY": "x"})
    assert web["CHORUS_TRUSTED_PROXY_COUNT"] == "1"
    assert all(port.startswith("127.0.0.1:") for port in services["mailpit"]["ports"])


def test_deploy_check_is_clean_with_the_compose_environment(tmp_path):
    environment = compose_environment("web", {"DJANGO_SECRET_KEY": secrets.token_hex(48)})
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CHORUS_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"))
    }
    env = {
        **inherited,
        **environment,
        "DJANGO_SETTINGS_MODULE": "chorus.settings.base",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "CHORUS_VAR_DIR": str(tmp_path),
        "CHORUS_MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert not re.search(r"security\.W\d+", output), output
