"""Issue 18 major 3: links in e-mails point where the portal answers. `make run` sets
CHORUS_SITE_URL from HOST and PORT; the generated .env no longer pins port 8000."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _make_run(*args: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make absent")
    done = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    command = done.stdout.replace("\\\n", " ")  # the recipe's continued lines as one command
    return next(line for line in command.splitlines() if "runserver" in line)


def test_make_run_links_mails_to_its_own_port():
    line = _make_run("PORT=9123")
    assert 'CHORUS_SITE_URL="${CHORUS_SITE_URL:-http://127.0.0.1:9123}"' in line
    assert line.endswith("runserver 127.0.0.1:9123")


def test_make_run_on_all_interfaces_links_to_localhost():
    line = _make_run("HOST=0.0.0.0", "PORT=8100")
    assert "http://127.0.0.1:8100" in line
    assert "0.0.0.0:8100" in line


def test_generated_dotenv_does_not_pin_the_site_url():
    out = subprocess.run(
        ["sh", "scripts/make-dotenv"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert not [line for line in out.splitlines() if line.startswith("CHORUS_SITE_URL=")]
    assert "DJANGO_SECRET_KEY=" in out
