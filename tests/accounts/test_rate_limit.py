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
