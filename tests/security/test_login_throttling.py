"""S5 — login throttling (allauth rate limits, reliability-perf.md §3.3 and §7.2).

The per-account-and-address limit (5 failures in 5 minutes from one address lock that address
out of that account, the owner elsewhere still logs in) and the per-IP flood
(31 attempts → 429) are tested in tests/accounts/test_rate_limit.py; this module adds the IP
limit on failures and the Django admin login.
"""

from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"


def test_rate_limits_are_configured_and_kept_in_a_real_cache():
    limits = settings.ACCOUNT_RATE_LIMITS
    assert "/m/ip" in limits["login_failed"]
    assert "/5m/key" in limits["login_failed"]
    backend = settings.CACHES["default"]["BACKEND"]
    assert "DummyCache" not in backend  # allauth counts attempts in the cache


def test_eleven_failed_logins_on_different_accounts_from_one_ip_block_the_ip(client):
    """`10/m/ip`: a password-spraying client is stopped even with the right password after."""
    for i in range(10):
        client.post(reverse("account_login"), {"login": f"v{i}@example.test", "password": "x"})
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code in {200, 429}
    assert "Trop de tentatives" in unescape(response.content.decode())
    assert not response.wsgi_request.user.is_authenticated


def test_another_ip_is_not_blocked_by_the_first_one(client):
    for i in range(10):
        client.post(
            reverse("account_login"),
            {"login": f"v{i}@example.test", "password": "x"},
            REMOTE_ADDR="10.0.0.1",
        )
    user = UserFactory()
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_admin_login_cannot_be_brute_forced(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    responses = [
        client.post("/admin/login/", {"username": staff.email, "password": f"essai{i}"})
        for i in range(12)
    ]
    last = responses[-1]
    # throttled (429) or sent to the rate-limited allauth login (302): never a fresh admin form
    assert last.status_code in {302, 429}
