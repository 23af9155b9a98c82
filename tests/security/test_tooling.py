"""S7/S8 — the security tooling stays wired and honest.

- pip-audit ignores (scripts/pip-audit-ignore.toml) all have a reason and an unexpired date;
- bandit's one global skip (B310) stays justified: only the webhook sender and the benchmark
  open URLs, and the webhook URL is checked to be http(s);
- bandit is clean on the deployed code;
- the fuzz harness runs (random-mutation engine, 2 s) on the same target as the CI minute.
"""

import datetime
import importlib.util
import os
import re
import subprocess
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest
from django.conf import settings

from chorus.exceptions import ChorusError

ROOT = Path(settings.BASE_DIR)


def _audit_module():
    path = ROOT / "scripts" / "security-audit"
    loader = SourceFileLoader("security_audit", str(path))
    spec = importlib.util.spec_from_loader("security_audit", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_no_pip_audit_ignore_is_expired_or_unexplained():
    audit = _audit_module()
    for entry in audit.load_ignores():  # raises on an expired / incomplete entry
        assert entry["reason"].strip()


def test_an_expired_or_unexplained_ignore_is_refused(tmp_path):
    audit = _audit_module()
    today = datetime.date(2026, 6, 1)
    cases = {
        "expirée": 'id = "GHSA-1"\npackage = "p"\nreason = "r"\nexpires = 2026-05-31',
        "raison vide": 'id = "GHSA-1"\npackage = "p"\nreason = " "\nexpires = 2026-06-30',
        "manquants": 'id = "GHSA-1"\npackage = "p"\nexpires = 2026-06-30',
        "90 jours": 'id = "GHSA-1"\npackage = "p"\nreason = "r"\nexpires = 2027-06-30',
    }
    for message, body in cases.items():
        path = tmp_path / "ignore.toml"
        path.write_text(f"[[ignore]]\n{body}\n")
        with pytest.raises(ValueError, match=message):
            audit.load_ignores(path, today=today)
    path.write_text(
        '[[ignore]]\nid = "GHSA-1"\npackage = "p"\nreason = "r"\nexpires = 2026-07-01\n'
    )
    assert audit.load_ignores(path, today=today)[0]["id"] == "GHSA-1"


def test_bandit_b310_skip_stays_justified():
    """urlopen appears only where the URL is ours or checked to be http(s)."""
    users = set()
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "staticfiles", "var"}:
            continue
        if re.search(r"\burlopen\(", path.read_text(errors="ignore")):
            users.add("/".join(parts))
    assert users <= {"api/webhooks.py", "bench/stack.py"}, users


@pytest.mark.django_db
def test_webhook_urls_must_be_http_or_https():
    from api.webhooks import webhook_subscription_create
    from tests.factories import StructureFactory

    for url in ["file:///etc/passwd", "ftp://example.test/x", "gopher://x", "javascript:alert(1)"]:
        with pytest.raises(ChorusError):
            webhook_subscription_create(client_id="c", structure=StructureFactory(), url=url)


def test_bandit_finds_nothing_in_the_deployed_code():
    pytest.importorskip("bandit")
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-r", ".", "-ll", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]


def test_fuzz_harness_runs_its_target_without_crash(tmp_path):
    env = os.environ | {"CHORUS_FUZZ_ENGINE": "random", "CHORUS_FUZZ_SEED": "7"}
    result = subprocess.run(
        [sys.executable, "fuzz/fuzz_formats.py", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "aucun plantage" in result.stdout
