"""The caller's address behind the HTTPS proxy: one reading (`chorus.security.client_address`)
for the login limits, the API credential limits, the contact form and signatures."""

from html import unescape

import pytest
from django.test import RequestFactory
from django.urls import reverse

from api.throttling import credential_keys
from chorus.security import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"
PROXY = "172.18.0.5"  # Caddy's address in the compose network: the same for every caller


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_without_a_trusted_proxy_a_forwarded_header_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    forged = _request(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert client_address(forged) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_wrote_counts_not_what_the_caller_wrote(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"
    assert credential_keys(request)[0] == ("ip", "203.0.113.7")
    assert client_address(_request(REMOTE_ADDR=PROXY)) == PROXY  # straight to gunicorn


@pytest.mark.parametrize(("proxies", "owner_logs_in"), [(1, True), (0, False)])
def test_behind_the_proxy_an_attacker_does_not_lock_every_user_out(
    client, settings, proxies, owner_logs_in
):
    """Through Caddy every request comes from one REMOTE_ADDR: read without the proxy count (0),
    ten failures a minute from anyone lock everybody's login out (the per-address limit)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    owner_address = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    for index in range(11):
        client.post(
            reverse("account_login"),
            {"login": f"inconnu{index}@example.test", "password": "mauvais"},
            **attacker,
        )
    owner = UserFactory()
    blocked = client.post(
        reverse("account_login"), {"login": owner.email, "password": PASSWORD}, **attacker
    )
    assert "Trop de tentatives" in unescape(blocked.content.decode())
    response = client.post(
        reverse("account_login"), {"login": owner.email, "password": PASSWORD}, **owner_address
    )
    assert (response.status_code == 302) is owner_logs_in
    assert response.wsgi_request.user.is_authenticated is owner_logs_in


def test_the_address_is_read_in_one_place():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readers = {
        str(path.relative_to(root))
        for folder in ("accounts", "api", "chorus", "invoices", "sandbox", "structures", "support")
        for path in (root / folder).rglob("*.py")
        if '"REMOTE_ADDR"' in path.read_text(encoding="utf-8")
    }
    assert readers == {"chorus/security.py"}
