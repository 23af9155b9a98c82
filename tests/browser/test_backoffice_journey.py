"""Issue 4's journey in a real browser: a public entity's agent processes received invoices.

The agent suspends an invoice with a motif; the supplier completes it (through the supplier
service); the agent sees it «Complétée», declares the service done, then puts it in payment; the
agent rejects another invoice with a reason, which is stored and shown.
"""

import pytest
from playwright.sync_api import Page, expect

from accounts.models import SandboxEmail
from invoices.choices import InvoiceStatus, RejectionReason
from invoices.models import Invoice
from invoices.services import invoice_complete
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.test_received_support import public_structure, received, staff_of

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password
S = InvoiceStatus


def test_staff_suspends_then_pays_an_invoice_and_rejects_another(page: Page, live_server):
    mairie = public_structure(name="Mairie de Trifouilly")
    agent = staff_of(mairie)
    first = received(mairie, number="FA-2026-001")
    second = received(mairie, number="FA-2026-002", supplier=first.supplier)
    supplier_user = UserFactory()
    MembershipFactory(user=supplier_user, structure=first.supplier, principal=True)

    log_in(page, agent.email)
    page.get_by_role("link", name="Factures reçues").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Factures reçues")

    # 1. Suspend the first invoice with a motif.
    page.get_by_role("link", name="FA-2026-001").click()
    page.get_by_label("Motif de suspension").fill("Bon de livraison manquant")
    page.get_by_role("button", name="Suspendre la facture").click()
    expect(page.locator("#statut-facture")).to_have_text("Suspendue")
    expect(page.get_by_text("Bon de livraison manquant").first).to_be_visible()

    # 2. The supplier completes it.
    invoice_complete(invoice_id=first.pk, by=supplier_user, comment="Bon de livraison joint.")

    # 3. The agent sees it completed, declares the service done, then puts it in payment.
    page.reload()
    expect(page.locator("#statut-facture")).to_have_text("Complétée")
    expect(page.get_by_text("Bon de livraison joint.").first).to_be_visible()
    page.get_by_role("button", name="Déclarer le service fait").click()
    expect(page.locator("#statut-facture")).to_have_text("Service fait")
    # The next step (« Mandater ») stands out; paying now skips optional steps, folded.
    expect(page.locator(".card.next-step h3")).to_contain_text("Mandatée")
    expect(page.get_by_role("button", name="Mettre en paiement")).to_be_hidden()
    page.get_by_text("Passer directement à une étape ultérieure").click()
    expect(page.get_by_label("Montant mis en paiement (€)")).to_have_value("240,00")
    page.get_by_role("button", name="Mettre en paiement").click()
    expect(page.locator("#statut-facture")).to_have_text("Mise en paiement")
    expect(page.get_by_text("Aucune action possible")).to_be_visible()

    # 4. Reject the second invoice with a reason from the list.
    page.goto(f"/factures-recues/{second.pk}/")
    page.get_by_label("Motif de rejet").select_option(label="Double facturation")
    page.get_by_label("Commentaire de rejet").fill("Déjà reçue sous FA-2026-001.")
    # Irreversible: the browser asks first; « Annuler » leaves the invoice as it was.
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.get_by_role("button", name="Rejeter la facture").click()
    assert "définitif" in questions[0]
    assert Invoice.objects.get(pk=second.pk).status == S.MISE_A_DISPOSITION
    page.once("dialog", lambda dialog: answer(dialog, True))
    page.get_by_role("button", name="Rejeter la facture").click()
    expect(page.locator("#statut-facture")).to_have_text("Rejetée")
    expect(page.locator("#motif-rejet")).to_contain_text("Double facturation")
    expect(page.locator("#motif-rejet")).to_contain_text("Déjà reçue sous FA-2026-001.")

    first.refresh_from_db()
    second = Invoice.objects.get(pk=second.pk)
    assert first.status == S.MISE_EN_PAIEMENT
    assert str(first.payment_amount) == "240.00"
    assert list(first.events.values_list("to_status", flat=True))[-4:] == [
        S.SUSPENDUE,
        S.COMPLETEE,
        S.SERVICE_FAIT,
        S.MISE_EN_PAIEMENT,
    ]
    assert (second.status, second.rejection_reason) == (
        S.REJETEE,
        RejectionReason.DOUBLE_FACTURATION,
    )

    # 5. The supplier sees the rejection reason on its own invoice page and got the e-mail.
    page.get_by_role("button", name="Se déconnecter").click()
    if page.get_by_role("button", name="Se déconnecter").count():
        page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, supplier_user.email)
    page.goto(f"/factures/{second.pk}/")
    expect(page.get_by_text("Double facturation").first).to_be_visible()
    expect(page.get_by_text("Déjà reçue sous FA-2026-001.").first).to_be_visible()
    mail = SandboxEmail.objects.filter(
        to__contains=supplier_user.email, subject__contains="rejetée"
    )
    assert mail.count() == 1
    assert "Déjà reçue sous FA-2026-001." in mail.get().body
