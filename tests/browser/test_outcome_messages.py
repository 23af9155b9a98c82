"""Issue 18 major 4: the message after « Valider et envoyer » / « Recycler » says what happened, in
the colour of what happened (a refusal is never a green success)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_bad_ej_to_cavimac_is_a_warning_and_a_failed_recycle_too(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    cavimac = StructureFactory(
        public=True,
        name="Cavimac",
        ej_required=True,
        ej_format_regex=r"2024\d{4}",
        ej_format_label="8 chiffres commençant par 2024",
    )

    log_in(page, user.email)
    page.goto(reverse("invoices:create"))
    page.get_by_label("SIRET du destinataire").fill(cavimac.siret)
    expect(page.locator("#fiche-destinataire")).to_contain_text("Cavimac")
    # The EJ format the recipient expects is shown where the EJ is typed (issue 18 minor).
    expect(page.locator("#format-ej")).to_have_text("8 chiffres commençant par 2024")
    page.get_by_label("Numéro de facture").fill("F-EJ-1")
    page.get_by_label(re.compile("engagement juridique")).first.fill("123456")
    page.get_by_label("Ligne 1 — Désignation").fill("Conseil")
    page.get_by_label("Ligne 1 — Quantité").fill("1")
    page.get_by_label("Ligne 1 — Prix unitaire HT (€)").fill("100")
    page.get_by_role("button", name="Valider et envoyer").click()

    expect(page.locator("#statut")).to_have_text("À recycler")
    message = page.locator(".messages .message")
    expect(message).to_have_count(1)
    expect(message).to_have_class(re.compile("message-warning"))
    expect(message).to_contain_text("n'a pas pu être acheminée")
    expect(message).not_to_contain_text("en cours")
    assert Invoice.objects.get(number="F-EJ-1").status == InvoiceStatus.A_RECYCLER

    expect(page.locator("#format-ej")).to_contain_text("8 chiffres commençant par 2024")
    # Recycling with another bad EJ fails again: said as a refusal, not « recyclée ».
    page.locator("#id_ej_number").fill("999")
    page.get_by_role("button", name="Recycler", exact=True).click()
    message = page.locator(".messages .message")
    expect(message).to_have_class(re.compile("message-warning"))
    expect(message).to_contain_text("Recyclage refusé")
    expect(page.locator("#statut")).to_have_text("À recycler")

    # A good EJ: a green success naming the new status.
    page.locator("#id_ej_number").fill("20241234")
    page.get_by_role("button", name="Recycler", exact=True).click()
    message = page.locator(".messages .message")
    expect(message).to_have_class(re.compile("message-success"))
    expect(message).to_contain_text("recyclée et mise à disposition")
