"""«Dépôt PDF» in a real browser: upload a sample Factur-X PDF, check the pre-filled form,
complete the recipient's SIRET, «Valider et envoyer», and see the invoice made available."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from invoices.choices import DepositMode, InvoiceStatus
from invoices.models import Invoice, InvoiceDocument
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.fixtures import SAMPLES
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password
SAMPLE = SAMPLES / "facturx" / "mustang-Facture_F20180027.pdf"


def test_supplier_deposits_a_pdf_with_prefill(page: Page, live_server, tmp_path):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    recipient = StructureFactory(public=True, name="Mairie de Trifouilly")
    ServiceFactory(structure=recipient, code="SERVEXEC", label="Service exécutant")
    attachment = tmp_path / "bon-de-livraison.txt"
    attachment.write_text("Livré le 31/12/2018", encoding="utf-8")

    log_in(page, user.email)
    page.get_by_role("link", name="Factures émises").click()
    page.get_by_role("link", name="Dépôt d'une facture PDF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dépôt d'une facture PDF")
    page.get_by_label("Facture au format PDF (signée ou non)").set_input_files(str(SAMPLE))
    page.get_by_label("Pièces jointes (facultatives)").set_input_files(str(attachment))
    page.get_by_role("button", name="Déposer le PDF et vérifier les informations").click()

    # The form is pre-filled from the Factur-X XML embedded in the PDF.
    expect(page.get_by_role("heading", level=1)).to_contain_text("F20180027")
    expect(page.get_by_label("Numéro de facture")).to_have_value("F20180027")
    expect(page.get_by_label("Code service")).to_have_value("SERVEXEC")
    expect(page.get_by_label("N° d'engagement juridique (bon de commande)")).to_have_value(
        "PO201925478"
    )
    expect(page.get_by_label("Date de facture")).to_have_value("2018-12-31")
    expect(page.get_by_label("Total HT (€)")).to_have_value("100,00")
    expect(page.get_by_label("Total TTC (€)")).to_have_value("110,00")
    expect(page.locator("#documents")).to_contain_text("bon-de-livraison.txt")

    # The sample's buyer SIRET is not a valid one: the supplier types the recipient's.
    page.get_by_label("SIRET du destinataire").fill(recipient.siret)
    page.get_by_role("button", name="Valider et envoyer").click()

    expect(page.locator("#statut")).to_have_text("Mise à disposition du destinataire")
    expect(page.locator("#documents")).to_contain_text("mustang-Facture_F20180027.pdf")
    invoice = Invoice.objects.get(number="F20180027")
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.deposit_mode == DepositMode.DEPOT_PDF_PORTAIL
    assert str(invoice.total_gross) == "110.00"
    original = invoice.documents.get(kind=InvoiceDocument.Kind.ORIGINAL)
    assert original.size == SAMPLE.stat().st_size

    # The original can be downloaded from the invoice page.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="mustang-Facture_F20180027.pdf").click()
    assert Path(download_info.value.path()).read_bytes() == SAMPLE.read_bytes()
