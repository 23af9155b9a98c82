"""Sign-up, activation, login, logout and password pages: French, in our layout, working."""

import re
import time
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import SandboxEmail, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"
SIGNUP = {
    "email": "Marie.Curie@Example.test",
    "password1": "un-mot-de-passe-tres-long",
    "password2": "un-mot-de-passe-tres-long",
    "first_name": "Marie",
    "last_name": "Curie",
    "phone": "01 23 45 67 89",
}


def _link(body: str) -> str:
    return re.search(r"https?://testserver(/\S+)", body).group(1)


def test_signup_page_is_french_in_our_layout_with_labelled_fields(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Environnement d'émulation" in html  # our base.html banner
    for label in [
        '<label for="id_email">Adresse e-mail',
        '<label for="id_first_name">Prénom',
        '<label for="id_last_name">Nom',
        '<label for="id_phone">Téléphone',
        '<label for="id_password1">Mot de passe',
        '<label for="id_password2">Confirmation du mot de passe',
    ]:
        assert label in html
    for field_id in ["id_email", "id_first_name", "id_last_name", "id_phone", "id_password1"]:
        assert f'<label for="{field_id}">' in html
    assert "<h1>Créer un compte</h1>" in html
    assert '<button type="submit">Créer mon compte</button>' in html


def test_signup_error_keeps_typed_values_and_marks_fields(client):
    data = {**SIGNUP, "password2": "autre-chose-encore", "phone": "abc"}
    response = client.post(reverse("account_signup"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.exists()
    assert 'value="Marie.Curie@Example.test"' in html
    assert 'value="Marie"' in html
    assert 'value="Curie"' in html
    assert "Vous devez saisir deux fois le même mot de passe" in html
    assert "Téléphone : seuls les chiffres" in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html


def test_signup_sends_activation_mail_whose_link_activates_and_logs_in(client, settings):
    # Django's test runner swaps EMAIL_BACKEND for locmem: put the sandbox copy back in front.
    settings.EMAIL_BACKEND = "accounts.mail.SandboxEmailBackend"
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "marie.curie@example.test"
    assert (user.first_name, user.last_name, user.phone) == ("Marie", "Curie", "01 23 45 67 89")
    assert not EmailAddress.objects.get(user=user).verified

    page = client.get(response["Location"])
    assert "Activez votre compte" in page.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["marie.curie@example.test"]
    assert message.subject == "[chorus] Activez votre compte"
    assert "Pour activer votre compte, ouvrez ce lien" in message.body
    assert "valable 3 jours" in message.body
    # The sandbox mailbox keeps a copy.
    assert SandboxEmail.objects.get().subject == "[chorus] Activez votre compte"

    activated = client.get(_link(message.body), follow=True)
    assert activated.status_code == 200
    assert EmailAddress.objects.get(user=user).verified
    assert activated.wsgi_request.user == user


def test_expired_activation_link_explains_and_offers_a_new_link(client, settings):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    link = _link(mail.outbox[0].body)
    later = time.time() + (settings.ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(link)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce lien d'activation a expiré ou n'est pas valide" in html
    assert f'href="{reverse("account_login")}"' in html
    assert not EmailAddress.objects.get().verified

    # The offered way: logging in sends a fresh activation link (once the 3-minute cooldown,
    # kept in the cache, is over).
    cache.clear()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 2
    assert client.get(_link(mail.outbox[1].body), follow=True).wsgi_request.user.is_authenticated


def test_login_before_activation_is_refused_with_explanation(client):
    user = UserFactory(verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert "Tant que votre adresse e-mail n'est pas confirmée, la connexion" in html
    assert len(mail.outbox) == 1  # a new activation link
    assert mail.outbox[0].subject == "[chorus] Activez votre compte"


def test_login_with_wrong_password_shows_french_error_and_keeps_email(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "faux"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in html
    assert f'value="{user.email}"' in html
    assert not response.wsgi_request.user.is_authenticated


def test_login_and_logout(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == user
    page = client.get(reverse("account_logout"))
    assert "vouloir vous déconnecter" in page.content.decode()
    client.post(reverse("account_logout"))
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_password_reset_mail_link_sets_new_password(client):
    user = UserFactory()
    page = client.get(reverse("account_reset_password"))
    assert "<h1>Mot de passe oublié</h1>" in page.content.decode()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response["Location"] == reverse("account_reset_password_done")
    assert "Nous vous avons envoyé un e-mail" in client.get(response["Location"]).content.decode()
    message = mail.outbox[0]
    assert message.subject == "[chorus] Réinitialisation de votre mot de passe"
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien" in message.body

    form_page = client.get(_link(message.body), follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else _link(message.body)
    new = "encore-un-mot-de-passe-long"
    response = client.post(action, {"password1": new, "password2": new}, follow=True)
    assert "Votre mot de passe a été modifié" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(new)


def test_password_reset_with_bad_token_explains(client):
    response = client.get("/compte/password/reset/key/1-abc-def/", follow=True)
    html = response.content.decode()
    assert "Mauvais jeton d'identification" in html
    assert reverse("account_reset_password") in html


def test_password_change_page_works(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("account_change_password"))
    assert "Mot de passe actuel" in page.content.decode()
    new = "nouveau-mot-de-passe-long"
    bad = client.post(
        reverse("account_change_password"),
        {"oldpassword": "faux", "password1": new, "password2": new},
    )
    assert 'aria-invalid="true"' in bad.content.decode()
    ok = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
