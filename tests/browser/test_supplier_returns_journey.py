"""Returned invoices in a real browser: recycle one sent to A_RECYCLER to the right service, and
complete a suspended one with a comment and an attachment."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from invoices import services
from invoices.choices import InvoiceStatus
from invoices.models import Invoice, InvoiceDocument
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password


def _deposit(supplier, user, recipient, *, number: str, service_code: str) -> Invoice:
    draft = services.invoice_create_draft(
        supplier=supplier,
        by=user,
        number=number,
        issue_date=timezone.localdate(),
        recipient_siret=recipient.siret,
        service_code=service_code,
        lines=[services.LineData("Maintenance", 1, "500", "20")],
    )
    services.invoice_submit(invoice_id=draft.pk, by=user)  # routed on commit (eager Celery)
    draft.refresh_from_db()
    return draft


def test_supplier_recycles_then_completes(page: Page, live_server, tmp_path):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    recipient = StructureFactory(public=True, name="Mairie de Trifouilly")
    ServiceFactory(structure=recipient, code="COMPTA", label="Comptabilité")
    recipient_user = UserFactory()
    MembershipFactory(user=recipient_user, structure=recipient)

    # 1. Wrong service code: routing sends the invoice back to the supplier.
    recycled = _deposit(supplier, user, recipient, number="F-REC-1", service_code="INCONNU")
    assert recycled.status == InvoiceStatus.A_RECYCLER

    log_in(page, user.email)
    page.goto(f"/factures/{recycled.pk}/")
    expect(page.locator("#statut")).to_have_text("À recycler")
    expect(page.locator("#motif-recyclage")).to_contain_text("INCONNU")
    recycle_form = page.locator("form", has=page.get_by_role("heading", name="Recycler la facture"))
    recycle_form.get_by_label("Code service").fill("COMPTA")
    recycle_form.get_by_role("button", name="Recycler").click()
    expect(page.locator("#statut")).to_have_text("Mise à disposition du destinataire")
    recycled.refresh_from_db()
    assert recycled.status == InvoiceStatus.MISE_A_DISPOSITION
    assert recycled.number == "F-REC-1"
    assert recycled.service.code == "COMPTA"

    # 2. The recipient suspends another invoice; the supplier completes it.
    suspended = _deposit(supplier, user, recipient, number="F-SUS-1", service_code="COMPTA")
    assert suspended.status == InvoiceStatus.MISE_A_DISPOSITION
    services.invoice_suspend(
        invoice_id=suspended.pk, by=recipient_user, reason="Bon de livraison manquant"
    )
    attachment = tmp_path / "bon-livraison.txt"
    attachment.write_text("BL n° 42 signé", encoding="utf-8")

    page.goto(f"/factures/{suspended.pk}/")
    expect(page.locator("#statut")).to_have_text("Suspendue")
    expect(page.get_by_role("alert")).to_contain_text("Bon de livraison manquant")
    page.get_by_label("Commentaire de complément").fill("Bon de livraison joint.")
    page.get_by_label("Pièces jointes").set_input_files(str(attachment))
    page.get_by_role("button", name="Compléter", exact=True).click()

    expect(page.locator("#statut")).to_have_text("Complétée")
    expect(page.locator("#documents")).to_contain_text("bon-livraison.txt")
    expect(page.locator("#historique")).to_contain_text("Bon de livraison joint.")
    suspended.refresh_from_db()
    assert suspended.status == InvoiceStatus.COMPLETEE
    attached = suspended.documents.get(kind=InvoiceDocument.Kind.PIECE_JOINTE)
    assert attached.filename == "bon-livraison.txt"
