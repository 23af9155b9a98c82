"""Issue 14 #7: brute force on API credentials. Failed client secrets (`/api/oauth/token`) and
failed technical-account passwords (`cpro-account`) are counted per client id, per technical login
and per source address; over the limit the caller gets 429 with Retry-After, before any hashing.
A failure costs one run of the password hasher whether the login / client id exists or not."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from api import throttling
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, cpro_account, get_token

pytestmark = pytest.mark.django_db

HEALTH = "/cpro/transverses/v1/health-check"
LIMIT = 10  # the default CHORUS_API_CREDENTIAL_FAILURES: 10/min


@pytest.fixture(autouse=True)
def _fixed_window(monkeypatch):
    """The counters' clock stands still mid-window: no window boundary inside a test."""
    monkeypatch.setattr(throttling.time, "time", lambda: 60 * 1_000_000 + 30.0)


def _token(client, client_id=CLIENT_ID, secret=CLIENT_SECRET, ip="198.51.100.7"):
    return client.post(
        "/api/oauth/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        REMOTE_ADDR=ip,
    )


def _health(client, token, login, password, ip="198.51.100.7"):
    return client.get(
        HEALTH,
        headers={"Authorization": f"Bearer {token}", "cpro-account": cpro_account(login, password)},
        REMOTE_ADDR=ip,
    )


def test_wrong_client_secrets_are_throttled_per_client_id_with_retry_after(client, sandbox_app):
    for i in range(LIMIT):
        # From many addresses: the client id's own counter stops it.
        assert _token(client, secret="faux", ip=f"203.0.113.{i}").status_code in (400, 401)
    refused = _token(client, ip="203.0.113.99")  # even the right secret now
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["error"] == "too_many_requests"
    assert "réessayez" in refused.json()["error_description"]


def test_wrong_client_ids_are_throttled_per_source_address(client, sandbox_app):
    for i in range(LIMIT):
        assert _token(client, client_id=f"inconnu-{i}", secret="x").status_code in (400, 401)
    assert _token(client).status_code == 429
    assert _token(client, ip="192.0.2.1").status_code == 200  # another address is not slowed


def test_successful_token_requests_are_not_counted(client, sandbox_app):
    for _ in range(LIMIT + 5):
        assert _token(client).status_code == 200


def test_the_window_slides_out(client, sandbox_app, monkeypatch):
    now = 60 * 1_000_000 + 5.0
    monkeypatch.setattr(throttling.time, "time", lambda: now)
    for _ in range(LIMIT):
        _token(client, secret="faux")
    refused = _token(client)
    assert refused.status_code == 429
    monkeypatch.setattr(throttling.time, "time", lambda: now + int(refused["Retry-After"]) + 1)
    assert _token(client).status_code == 200


def test_wrong_technical_passwords_are_throttled_per_login_in_any_letter_case(
    client, sandbox_app, supplier_account
):
    token = get_token(client)["access_token"]
    for i in range(LIMIT):
        login = "TECH-FOURNISSEUR" if i % 2 else "tech-fournisseur"
        assert _health(client, token, login, "faux", ip=f"203.0.113.{i}").status_code == 401
    refused = _health(client, token, "tech-fournisseur", "sandbox", ip="203.0.113.50")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["codeRetour"] == 429
    assert "échecs d'authentification" in refused.json()["libelle"]


def test_unknown_technical_logins_are_throttled_per_source_address(
    client, sandbox_app, supplier_account
):
    token = get_token(client)["access_token"]
    for i in range(LIMIT):
        assert _health(client, token, f"devine-{i}", "sandbox").status_code == 401
    assert _health(client, token, "tech-fournisseur", "sandbox").status_code == 429
    assert _health(client, token, "tech-fournisseur", "sandbox", ip="192.0.2.9").status_code == 200


def test_a_valid_technical_account_is_never_slowed(client, sandbox_app, supplier_account):
    token = get_token(client)["access_token"]
    for _ in range(LIMIT + 5):
        assert _health(client, token, "tech-fournisseur", "sandbox").status_code == 200


@pytest.fixture
def hashings(monkeypatch):
    """Count the password hasher's runs (the test settings' hasher is MD5)."""
    counted = []
    verify = MD5PasswordHasher.verify

    def counting(self, password, encoded):
        counted.append(1)
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", counting)
    return counted


def test_an_unknown_technical_login_costs_one_hashing_like_a_wrong_password(
    client, sandbox_app, supplier_account, hashings
):
    token = get_token(client)["access_token"]
    hashings.clear()
    assert _health(client, token, "tech-fournisseur", "faux").status_code == 401
    known = len(hashings)
    hashings.clear()
    assert _health(client, token, "personne", "faux").status_code == 401
    assert known == len(hashings) == 1


def test_an_unknown_client_id_costs_one_hashing_like_a_wrong_secret(client, sandbox_app, hashings):
    hashings.clear()
    assert _token(client, secret="faux").status_code in (400, 401)
    known = len(hashings)
    hashings.clear()
    assert _token(client, client_id="personne", secret="faux").status_code in (400, 401)
    assert known == len(hashings) == 1
