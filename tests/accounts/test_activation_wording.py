"""Issue 18 minor: re-opening a used activation link says « déjà activé », not « expiré »."""

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _link(verified: bool) -> str:
    user = UserFactory()
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": False, "primary": True}
    )
    key = EmailConfirmationHMAC(address).key
    address.verified = verified
    address.save()
    return reverse("account_confirm_email", args=[key])


def test_used_link_says_already_active(client):
    html = client.get(_link(verified=True)).content.decode()
    assert "Ce compte est déjà activé" in html
    assert 'id="lien-expire"' not in html


def test_unknown_link_says_expired_or_invalid(client):
    html = client.get(reverse("account_confirm_email", args=["abc:def"])).content.decode()
    assert 'id="lien-expire"' in html
    assert 'id="deja-active"' not in html


def test_fresh_link_activates_then_the_same_link_says_already_active(client):
    link = _link(verified=False)
    assert client.get(link).status_code == 302  # activated on opening (CONFIRM_EMAIL_ON_GET)
    client.logout()
    assert "Ce compte est déjà activé" in client.get(link).content.decode()


def test_terms_page_leads_to_entering_an_invoice_once_accepted(client):
    from tests.factories import MembershipFactory
    from tests.invoices.conftest import accept_terms

    membership = MembershipFactory()
    client.force_login(membership.user)
    assert 'id="etape-suivante"' not in client.get(reverse("accounts:terms")).content.decode()
    accept_terms(membership.user)
    html = client.get(reverse("accounts:terms")).content.decode()
    assert 'id="etape-suivante"' in html
    assert reverse("invoices:create") in html
