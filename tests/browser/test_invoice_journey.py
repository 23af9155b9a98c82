"""Issue «Invoices from the supplier's side» in a real browser.

A supplier member (terms accepted) enters an invoice with two lines to a public recipient with a
service, validates and sends it, and sees it made available; the recipient then sets it
MISE_EN_PAIEMENT and the supplier sees that on the timeline after a reload.
"""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from invoices import services
from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password


def test_supplier_enters_sends_and_follows_an_invoice(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test", first_name="Alice", last_name="Dupont")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    recipient = StructureFactory(public=True, name="Mairie de Trifouilly")
    ServiceFactory(structure=recipient, code="COMPTA", label="Comptabilité")
    recipient_user = UserFactory()
    MembershipFactory(user=recipient_user, structure=recipient)

    log_in(page, user.email)
    page.get_by_role("link", name="Factures émises").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Factures émises")
    page.get_by_role("link", name="Saisie manuelle d'une facture").click()

    # Recipient: the htmx lookup shows its name and turns the service code into a select.
    page.get_by_label("SIRET du destinataire").fill(recipient.siret)
    expect(page.locator("#fiche-destinataire")).to_contain_text("Mairie de Trifouilly")
    expect(page.locator("select#id_service_code")).to_be_visible()
    page.get_by_label("Code service").select_option("COMPTA")
    page.get_by_label("Numéro de facture").fill("F-2026-042")

    page.get_by_label("Ligne 1 — Désignation").fill("Ramettes de papier A4")
    page.get_by_label("Ligne 1 — Quantité").fill("10")
    page.get_by_label("Ligne 1 — Prix unitaire HT (€)").fill("4,99")
    page.get_by_role("button", name="Ajouter une ligne").click()
    expect(page.get_by_label("Ligne 1 — Désignation")).to_have_value("Ramettes de papier A4")
    page.get_by_label("Ligne 2 — Désignation").fill("Livraison")
    page.get_by_label("Ligne 2 — Quantité").fill("1")
    page.get_by_label("Ligne 2 — Prix unitaire HT (€)").fill("15")
    page.get_by_label("Ligne 2 — Taux de TVA").select_option("10.00")
    page.get_by_role("button", name="Valider et envoyer").click()

    expect(page.locator("#statut")).to_have_text("Mise à disposition du destinataire")
    expect(page.get_by_role("heading", level=1)).to_contain_text("F-2026-042")
    expect(page.get_by_text("Livraison", exact=True)).to_be_visible()
    invoice = Invoice.objects.get(number="F-2026-042")
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.lines.count() == 2
    assert str(invoice.total_gross) == "76.38"  # 49,90 × 1,2 + 15 × 1,1

    services.invoice_mark_paid(
        invoice_id=invoice.pk, by=recipient_user, on=timezone.localdate(), amount="76.38"
    )
    page.reload()
    expect(page.locator("#statut")).to_have_text("Mise en paiement")
    expect(page.locator("#historique")).to_contain_text("Mise en paiement")
