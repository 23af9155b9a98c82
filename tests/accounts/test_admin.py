"""Admin: users with e-mail login, read-only acceptances and sandbox e-mails."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import SandboxEmail, TermsAcceptance, User
from accounts.services import terms_accept
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True, mfa_exempt=True))
    return client


def test_user_changelist_searches_by_email_and_name(admin_client):
    UserFactory(email="alice@example.test", first_name="Alice", last_name="Martin")
    UserFactory(email="bob@example.test", first_name="Bob", last_name="Bernard")
    url = reverse("admin:accounts_user_changelist")
    html = admin_client.get(url, {"q": "martin"}).content.decode()
    assert "alice@example.test" in html
    assert "bob@example.test" not in html
    html = admin_client.get(url, {"q": "bob@"}).content.decode()
    assert "bob@example.test" in html
    assert "alice@example.test" not in html
    assert admin_client.get(url, {"mfa_exempt__exact": "1"}).status_code == 200


def test_admin_add_user_creates_a_verified_login(admin_client, client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "nouveau@example.test",
            "usable_password": "true",
            "password1": "un-mot-de-passe-long",
            "password2": "un-mot-de-passe-long",
            "first_name": "Nina",
            "last_name": "Nouveau",
            "phone": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="nouveau@example.test")
    assert user.check_password("un-mot-de-passe-long")
    assert EmailAddress.objects.get(user=user).verified


def test_user_change_page_renders(admin_client):
    user = UserFactory()
    terms_accept(user=user, document="CGU", ip_address="127.0.0.1")
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200


def test_terms_acceptance_and_sandbox_email_are_read_only(admin_client):
    user = UserFactory()
    acceptance = terms_accept(user=user, document="CGU", ip_address=None)
    email = SandboxEmail.objects.create(subject="s", from_email="f", to="t", body="b")
    assert admin_client.get(reverse("admin:accounts_termsacceptance_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_sandboxemail_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:accounts_termsacceptance_add")).status_code == 403
    assert admin_client.get(reverse("admin:accounts_sandboxemail_add")).status_code == 403
    change = reverse("admin:accounts_termsacceptance_change", args=[acceptance.pk])
    admin_client.post(change, {"version": "9999"})
    acceptance.refresh_from_db()
    assert acceptance.version != "9999"
    delete = reverse("admin:accounts_termsacceptance_delete", args=[acceptance.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert TermsAcceptance.objects.exists()
    view = admin_client.get(reverse("admin:accounts_sandboxemail_change", args=[email.pk]))
    assert view.status_code == 200
