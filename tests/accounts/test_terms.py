"""CGU and billing mandate: acceptance per version, selectors used by the invoice deposit."""

from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.choices import LegalDocument
from accounts.models import TermsAcceptance
from accounts.selectors import terms_pending, user_can_deposit
from accounts.services import terms_accept
from chorus.exceptions import ChorusError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ALL = [LegalDocument.CGU.value, LegalDocument.MANDAT_FACTURATION.value]


def _accept_all(user):
    for document in ALL:
        terms_accept(user=user, document=document, ip_address="127.0.0.1")


def test_new_user_has_everything_pending_and_cannot_deposit():
    user = UserFactory()
    assert terms_pending(user=user) == ALL
    assert user_can_deposit(user=user) is False


def test_accepting_both_documents_allows_deposit():
    user = UserFactory()
    terms_accept(user=user, document="CGU", ip_address="10.0.0.1")
    assert terms_pending(user=user) == ["MANDAT_FACTURATION"]
    assert user_can_deposit(user=user) is False
    terms_accept(user=user, document="MANDAT_FACTURATION", ip_address=None)
    assert terms_pending(user=user) == []
    assert user_can_deposit(user=user) is True


def test_inactive_user_cannot_deposit():
    user = UserFactory()
    _accept_all(user)
    user.is_active = False
    assert user_can_deposit(user=user) is False


def test_terms_accept_is_idempotent_per_version_and_records_version_and_ip(settings):
    user = UserFactory()
    first = terms_accept(user=user, document="CGU", ip_address="10.0.0.1")
    again = terms_accept(user=user, document="CGU", ip_address="10.0.0.2")
    assert first.pk == again.pk
    assert TermsAcceptance.objects.count() == 1
    assert first.version == settings.CHORUS_CGU_VERSION
    assert first.ip_address == "10.0.0.1"
    assert first.accepted_at is not None


def test_terms_accept_rejects_unknown_document():
    with pytest.raises(ChorusError, match="Document"):
        terms_accept(user=UserFactory(), document="AUTRE", ip_address=None)


def test_new_version_in_settings_must_be_accepted_again():
    user = UserFactory()
    _accept_all(user)
    with override_settings(CHORUS_CGU_VERSION="2099-01"):
        assert terms_pending(user=user) == ["CGU"]
        assert user_can_deposit(user=user) is False
        acceptance = terms_accept(user=user, document="CGU", ip_address=None)
        assert acceptance.version == "2099-01"
        assert user_can_deposit(user=user) is True
    assert TermsAcceptance.objects.filter(user=user, document="CGU").count() == 2


def test_terms_page_shows_both_texts_versions_and_forms(client, settings):
    client.force_login(UserFactory())
    html = unescape(client.get(reverse("accounts:terms")).content.decode())
    assert "Conditions générales d'utilisation" in html
    assert "Mandat de facturation" in html
    assert "mandataire" in html
    assert f"version {settings.CHORUS_CGU_VERSION}" in html
    assert "Accepter les CGU" in html
    assert "Signer le mandat de facturation" in html
    assert '<label for="id_cgu-agree">' in html
    assert '<label for="id_mandat-facturation-agree">' in html


def test_accepting_on_terms_page_records_ip_and_shows_date(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:terms"),
        {"document": "CGU", "cgu-agree": "on"},
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 302
    acceptance = TermsAcceptance.objects.get(user=user)
    assert (acceptance.document, str(acceptance.ip_address)) == ("CGU", "192.0.2.7")
    html = unescape(client.get(reverse("accounts:terms")).content.decode())
    assert "Accepté</strong>" in html
    assert "acceptation enregistrée" in html
    assert "Accepter les CGU" not in html
    assert "Signer le mandat de facturation" in html


def test_terms_page_without_checkbox_explains_and_records_nothing(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:terms"), {"document": "MANDAT_FACTURATION"})
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert "Case à cocher : vous devez cocher la case" in html
    assert 'aria-invalid="true"' in html
    assert not TermsAcceptance.objects.exists()


def test_terms_page_unknown_document_is_refused(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:terms"), {"document": "X"}, follow=True)
    assert "Document : ce document n'existe pas." in unescape(response.content.decode())
    assert not TermsAcceptance.objects.exists()


def test_terms_page_asks_again_after_new_version(client):
    user = UserFactory()
    _accept_all(user)
    client.force_login(user)
    with override_settings(CHORUS_MANDATE_VERSION="2099-02"):
        html = unescape(client.get(reverse("accounts:terms")).content.decode())
    assert "Vous aviez accepté la version 2026-01" in html
    assert "Signer le mandat de facturation" in html
    assert "Accepter les CGU" not in html


def test_profile_shows_terms_status(client):
    user = UserFactory()
    terms_accept(user=user, document="CGU", ip_address=None)
    client.force_login(user)
    html = unescape(client.get(reverse("accounts:profile")).content.decode())
    assert "accepté le" in html
    assert "à accepter" in html
