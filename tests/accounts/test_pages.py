"""Every allauth page we use renders in French inside our layout."""

from html import unescape

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-solide-42"
ENGLISH = ["Sign In", "Sign Up", "Sign Out", "Password Reset", "Change Password", "Email"]


def _check(response, *expected):
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert "Environnement d'émulation" in html
    for word in ENGLISH:
        assert f">{word}<" not in html, word
        assert f"> {word}" not in html, word
    for text in expected:
        assert text in html, text
    return html


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("account_login", '<label for="id_login">Adresse e-mail'),
        ("account_signup", "Créer mon compte"),
        ("account_reset_password", "Recevoir le lien"),
        ("account_reset_password_done", "Nous vous avons envoyé un e-mail"),
        ("account_reset_password_from_key_done", "Votre mot de passe a été modifié."),
        ("account_email_verification_sent", "Activez votre compte"),
    ],
)
def test_anonymous_pages_are_french(client, url_name, expected):
    _check(client.get(reverse(url_name)), expected)


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("account_logout", "Se déconnecter"),
        ("account_change_password", "Modifier le mot de passe"),
        ("account_email", "Cette adresse est fixe"),
        ("mfa_index", "Authentification à deux facteurs"),
        ("account_reauthenticate", "Confirmer l'accès"),
    ],
)
def test_logged_in_pages_are_french(client, url_name, expected):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    _check(client.get(reverse(url_name)), expected)


def test_mfa_management_pages_are_french(client):
    user = UserFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    _check(client.get(reverse("mfa_index")), "Désactiver", "Codes de récupération")
    _check(client.get(reverse("mfa_deactivate_totp")), "Désactiver")
    _check(client.get(reverse("mfa_generate_recovery_codes")), "Codes de récupération")
    client.post(reverse("mfa_generate_recovery_codes"))
    _check(client.get(reverse("mfa_view_recovery_codes")), "Codes inutilisés")


def test_login_and_signup_link_to_each_other_and_to_password_reset(client):
    login = client.get(reverse("account_login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in login
    assert f'href="{reverse("account_reset_password")}"' in login
    signup = client.get(reverse("account_signup")).content.decode()
    assert f'href="{reverse("account_login")}"' in signup


def test_errors_sit_next_to_fields_with_aria(client):
    html = client.post(reverse("account_login"), {"login": "", "password": ""}).content.decode()
    assert 'aria-describedby="id_login_error"' in html
    assert '<ul class="errorlist" id="id_login_error">' in html
    assert 'aria-invalid="true"' in html
