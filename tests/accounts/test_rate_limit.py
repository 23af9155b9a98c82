"""Login throttling: allauth rate limits, with French messages."""

from html import unescape

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"


def test_repeated_failures_on_one_account_block_even_the_right_password(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "mauvais"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Trop de tentatives de connexion échouées pour ce compte" in html
    assert not response.wsgi_request.user.is_authenticated


def test_failures_from_one_address_do_not_lock_the_owner_out_from_another(client):
    """Five wrong passwords from an attacker's address throttle that address on that account;
    the owner, from elsewhere, still logs in with the right password."""
    user = UserFactory()
    attacker, owner = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.20"}
    for _ in range(6):
        client.post(
            reverse("account_login"), {"login": user.email, "password": "mauvais"}, **attacker
        )
    blocked = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, **attacker
    )
    assert "Trop de tentatives" in unescape(blocked.content.decode())
    assert not blocked.wsgi_request.user.is_authenticated
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, **owner
    )
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated
    assert response.wsgi_request.user == user


def test_flood_of_login_attempts_gets_429_with_french_page(client):
    responses = [
        client.post(reverse("account_login"), {"login": f"x{i}@example.test", "password": "x"})
        for i in range(31)
    ]
    last = responses[-1]
    assert last.status_code == 429
    html = unescape(last.content.decode())
    assert "Trop de tentatives" in html
    assert "patientez quelques minutes" in html
    assert "Environnement d'émulation" in html  # our layout
