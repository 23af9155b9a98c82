"""Issue 5's journeys: a visitor writes to the support; a supplier asks the recipient about a
rejected invoice, the recipient answers, the supplier reads the answer and gets the e-mail."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import SandboxEmail
from invoices.choices import InvoiceStatus, RejectionReason
from support.models import Sollicitation
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "motdepasse-solide-42"


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    if page.get_by_role("button", name="Se déconnecter").count():
        page.get_by_role("button", name="Se déconnecter").click()


def test_visitor_sends_a_sollicitation_without_an_account(page: Page, live_server):
    page.goto("/")
    page.get_by_role("link", name="Nous contacter").click()
    page.get_by_label("Nom et prénom").fill("Jeanne Visiteuse")
    page.get_by_label("Adresse e-mail").fill("jeanne@example.test")
    page.get_by_label("Catégorie :", exact=True).select_option("COMPTE")
    page.get_by_label("Sous-catégorie").select_option("COMPTE_ACTIVATION")
    page.get_by_label("Objet").fill("Pas d'e-mail d'activation")
    page.get_by_label("Message").fill("Je n'ai rien reçu.")
    label = page.locator("label[for=id_captcha_answer]").inner_text()
    a, b = map(int, re.search(r"(\d+) \+ (\d+)", label).groups())
    page.get_by_label(re.compile("Question de vérification")).fill(str(a + b))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("heading", name="Sollicitation envoyée")).to_be_visible()
    assert Sollicitation.objects.filter(contact_email="jeanne@example.test").exists()
    assert SandboxEmail.objects.filter(to__contains="jeanne@example.test").exists()


def test_supplier_asks_recipient_about_rejected_invoice_and_reads_the_answer(
    page: Page, live_server
):
    supplier = StructureFactory(name="Fournitures Dupont")
    recipient = StructureFactory(public=True, name="Mairie de Trifouilly")
    supplier_user = UserFactory(email="fournisseur@example.test")
    agent = UserFactory(email="agent@mairie.test")
    MembershipFactory(user=supplier_user, structure=supplier)
    MembershipFactory(user=agent, structure=recipient)
    invoice = make_invoice(
        status=InvoiceStatus.REJETEE,
        supplier=supplier,
        recipient=recipient,
        recipient_siret=recipient.siret,
        number="F-2024-001",
        rejection_reason=RejectionReason.MONTANT_ERRONE,
        rejection_comment="Total faux",
    )

    log_in(page, supplier_user.email)
    page.goto(f"/sollicitations/nouvelle/?facture={invoice.pk}&categorie=SUIVI")
    page.get_by_label("Sous-catégorie").select_option("SUIVI_REJET")
    page.get_by_label("Objet").fill("Rejet de la facture F-2024-001")
    page.get_by_label("Message").fill("Quel montant attendiez-vous ?")
    page.get_by_role("button", name="Envoyer la sollicitation").click()
    expect(page.get_by_text("Destinataire de la facture")).to_be_visible()
    url = page.url
    _log_out(page)

    log_in(page, agent.email)
    page.goto("/sollicitations/recues/")
    page.get_by_role("link", name="Rejet de la facture F-2024-001").click()
    page.get_by_label("Votre message").fill("Le montant du devis était de 200 € HT.")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.get_by_text("Répondue").first).to_be_visible()
    _log_out(page)

    log_in(page, supplier_user.email)
    page.goto(url)
    expect(page.get_by_text("Le montant du devis était de 200 € HT.")).to_be_visible()
    mail = SandboxEmail.objects.filter(
        to__contains=supplier_user.email, subject__contains="Réponse à votre sollicitation"
    )
    assert mail.exists()
    assert "200 € HT" in mail.latest("sent_at").body
