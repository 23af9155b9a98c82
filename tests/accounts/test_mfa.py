"""Two-factor authentication pages (TOTP, recovery codes, login prompt) and mandatory MFA."""

import time
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _login(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _reauthenticate(client):
    """Managing a second factor asks for the password again (allauth reauthentication)."""
    page = client.get(reverse("account_reauthenticate"))
    assert "Confirmer l'accès" in unescape(page.content.decode())
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def test_totp_activation_shows_qr_code_and_secret_then_activates(client):
    user = UserFactory()
    _login(client, user)
    assert reverse("account_reauthenticate") in client.get(reverse("mfa_activate_totp"))["Location"]
    _reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    html = unescape(page.content.decode())
    secret = client.session[SECRET_SESSION_KEY]
    assert page.status_code == 200
    assert "Activer l'application d'authentification" in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    assert f'value="{secret}"' in html
    assert '<label for="id_code">' in html

    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert "Code incorrect." in unescape(wrong.content.decode())
    assert 'aria-invalid="true"' in wrong.content.decode()

    response = client.post(reverse("mfa_activate_totp"), {"code": _code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert "Codes inutilisés" in unescape(codes.content.decode())
    index = client.get(reverse("mfa_index"))
    assert "Authentification à deux facteurs" in unescape(index.content.decode())


def test_login_with_totp_asks_for_the_code(client):
    user = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    response = _login(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    page = client.get(response["Location"])
    html = unescape(page.content.decode())
    assert "Authentification à deux facteurs" in html
    assert not page.wsgi_request.user.is_authenticated

    bad = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert "Code incorrect." in unescape(bad.content.decode())
    client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_totp_deactivation(client):
    user = UserFactory()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    _login(client, user)
    client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    cache.clear()  # the code just used may not be replayed: pretend 30 s went by
    client.get(reverse("account_reauthenticate"))
    response = client.post(reverse("mfa_reauthenticate"), {"code": _code(secret)})
    assert response.status_code == 302
    page = client.get(reverse("mfa_deactivate_totp"))
    assert "Désactiver" in unescape(page.content.decode())
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@pytest.fixture
def mfa_required(settings):
    settings.CHORUS_MFA_REQUIRED = True


def test_mandatory_mfa_redirects_user_without_totp(client, mfa_required):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_mandatory_mfa_spares_exempt_user(client, mfa_required):
    client.force_login(UserFactory(mfa_exempt=True))
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_mandatory_mfa_spares_user_with_totp(client, mfa_required):
    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_mandatory_mfa_leaves_activation_page_and_logout_reachable(client, mfa_required):
    user = UserFactory()
    _login(client, user)
    _reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    client.post(reverse("account_logout"))
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_mfa_not_required_by_default(client, settings):
    settings.CHORUS_MFA_REQUIRED = False
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:profile")).status_code == 200
    cache.clear()
