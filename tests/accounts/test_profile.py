"""« Mon compte »: fixed login e-mail, editable name, phone and contact e-mail."""

import pytest
from django.urls import reverse

from accounts.services import user_update_profile
from chorus.exceptions import ChorusError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(email="jean@example.test", first_name="Jean", last_name="Dupont")


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_profile_shows_fixed_login_email_and_links(client, user):
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "jean@example.test" in html
    assert "elle ne peut pas être modifiée" in html
    assert 'name="email"' not in html  # not editable
    for url in [
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("accounts:terms"),
    ]:
        assert f'href="{url}"' in html
    assert 'value="Jean"' in html
    assert 'value="Dupont"' in html


def test_profile_update_saves_and_redirects(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {
            "first_name": "Jeanne",
            "last_name": "Durand",
            "phone": "+33 6 12 34 56 78",
            "contact_email": "Compta@Example.test",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.phone) == (
        "Jeanne",
        "Durand",
        "+33 6 12 34 56 78",
    )
    assert user.contact_email == "compta@example.test"
    assert user.notification_email == "compta@example.test"
    assert user.email == "jean@example.test"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Vos informations ont été enregistrées." in page


def test_profile_posted_email_is_ignored(client, user):
    client.force_login(user)
    client.post(
        reverse("accounts:profile"),
        {"first_name": "Jean", "last_name": "Dupont", "email": "pirate@example.test"},
    )
    user.refresh_from_db()
    assert user.email == "jean@example.test"


def test_profile_bad_input_is_rerendered_with_french_errors(client, user):
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"first_name": "", "last_name": "Durand", "phone": "12", "contact_email": "pas-un-email"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in html
    assert "Téléphone : le numéro doit compter entre 10 et 15 chiffres." in html
    assert "E-mail de contact : saisissez une adresse e-mail valide" in html
    assert 'value="Durand"' in html
    assert 'value="pas-un-email"' in html
    assert 'aria-invalid="true"' in html
    user.refresh_from_db()
    assert user.last_name == "Dupont"


def test_service_rejects_bad_phone_naming_the_field(user):
    with pytest.raises(ChorusError) as exc:
        user_update_profile(user=user, first_name="A", last_name="B", phone="06 12 ab")
    assert exc.value.field == "phone"
    assert exc.value.message.startswith("Téléphone")


def test_service_rejects_bad_contact_email(user):
    with pytest.raises(ChorusError) as exc:
        user_update_profile(user=user, first_name="A", last_name="B", contact_email="x@")
    assert exc.value.field == "contact_email"


def test_service_contact_email_equal_to_login_is_cleared(user):
    user_update_profile(user=user, first_name="A", last_name="B", contact_email="JEAN@example.test")
    user.refresh_from_db()
    assert user.contact_email == ""
    assert user.notification_email == "jean@example.test"
