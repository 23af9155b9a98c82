"""Issue 18 major 5: an invalid « Valider et envoyer » shows every error at once, keeps what was
typed and creates nothing; an empty « Enregistrer le brouillon » creates nothing either."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from invoices.models import Invoice
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_invalid_submit_shows_all_errors_keeps_input_creates_nothing(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    log_in(page, user.email)

    page.goto(reverse("invoices:create"))
    page.get_by_role("button", name="Valider et envoyer").click()
    summary = page.locator("#erreurs")
    expect(summary).to_contain_text("Numéro de facture : obligatoire")
    expect(summary).to_contain_text("SIRET du destinataire : obligatoire")
    expect(summary).to_contain_text("au moins une ligne")
    expect(summary).to_be_focused()
    assert Invoice.objects.count() == 0

    # Some typed data, still wrong in two places: both shown, the typed values are kept.
    page.get_by_label("Numéro de facture").fill("F-42")
    page.get_by_label("Ligne 1 — Désignation").fill("Conseil")
    page.get_by_label("Ligne 1 — Quantité").fill("2")
    page.get_by_role("button", name="Valider et envoyer").click()
    summary = page.locator("#erreurs")
    expect(summary).to_contain_text("SIRET du destinataire : obligatoire")
    expect(summary).to_contain_text("Ligne 1 — prix unitaire HT")
    expect(summary).not_to_contain_text("Numéro de facture")
    expect(page.get_by_label("Numéro de facture")).to_have_value("F-42")
    expect(page.get_by_label("Ligne 1 — Désignation")).to_have_value("Conseil")
    assert Invoice.objects.count() == 0

    # An empty draft save creates nothing either (no « (sans numéro) — Brouillon » in the list).
    page.goto(reverse("invoices:create"))
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.locator("#erreurs")).to_contain_text("rien à enregistrer")
    assert Invoice.objects.count() == 0


def test_reopened_draft_keeps_the_service_list(page: Page, live_server):
    from invoices import services
    from tests.factories import ServiceFactory

    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    recipient = StructureFactory(public=True, name="Mairie de Trifouilly")
    ServiceFactory(structure=recipient, code="COMPTA", label="Comptabilité")
    ServiceFactory(structure=recipient, code="RH", label="Ressources humaines")
    draft = services.invoice_create_draft(
        supplier=supplier, by=user, recipient_siret=recipient.siret, service_code="RH"
    )
    log_in(page, user.email)
    page.goto(reverse("invoices:edit", args=[draft.pk]))
    expect(page.locator("select#id_service_code")).to_have_value("RH")
    expect(page.locator("#fiche-destinataire")).to_contain_text("Mairie de Trifouilly")


def test_totals_shown_live_while_typing(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    log_in(page, user.email)
    page.goto(reverse("invoices:create"))
    page.get_by_label("Ligne 1 — Quantité").fill("10")
    page.get_by_label("Ligne 1 — Prix unitaire HT (€)").fill("4,99")
    live = page.locator("#totaux-direct")
    expect(live).to_contain_text("49,90")
    expect(live).to_contain_text("59,88")
