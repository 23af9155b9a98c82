"""Services of deposited files: PDF deposit draft, attachments, completion, draft deletion."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import DepositMode, InvoiceStatus
from invoices.models import Invoice, InvoiceDocument
from invoices.services import attachments, drafts
from invoices.uploads import MAX_FILE_SIZE
from tests.invoices.test_uploads import PNG, blank_pdf, sample_bytes

pytestmark = pytest.mark.django_db
Kind = InvoiceDocument.Kind


def pdf_upload(name="facture.pdf", content=None):
    return SimpleUploadedFile(name, content or sample_bytes(), content_type="application/pdf")


def test_pdf_deposit_creates_a_draft_with_the_original_and_prefill(supplier, supplier_user):
    invoice, prefill = attachments.invoice_create_from_pdf(
        supplier=supplier,
        by=supplier_user,
        upload=pdf_upload(),
        attachments=[SimpleUploadedFile("bon.png", PNG)],
    )
    assert invoice.status == InvoiceStatus.BROUILLON
    assert invoice.deposit_mode == DepositMode.DEPOT_PDF_PORTAIL
    assert (invoice.number, invoice.service_code, invoice.ej_number) == (
        "F20180027",
        "SERVEXEC",
        "PO201925478",
    )
    assert prefill.total_gross == Decimal("110.00")
    original = invoice.documents.get(kind=Kind.ORIGINAL)
    assert original.filename == "facture.pdf"
    assert original.size == len(sample_bytes())
    with original.file.open("rb") as handle:
        assert handle.read() == sample_bytes()
    assert invoice.documents.get(kind=Kind.PIECE_JOINTE).content_type == "image/png"


def test_refused_pdf_creates_nothing(supplier, supplier_user):
    with pytest.raises(ChorusError, match="n'est pas un PDF"):
        attachments.invoice_create_from_pdf(
            supplier=supplier, by=supplier_user, upload=pdf_upload(content=PNG)
        )
    assert not Invoice.objects.exists()


def test_outsider_cannot_deposit_for_a_structure(supplier):
    from tests.factories import UserFactory

    with pytest.raises(ChorusError, match="rattaché"):
        attachments.invoice_create_from_pdf(
            supplier=supplier, by=UserFactory(), upload=pdf_upload()
        )


def test_summary_line_infers_the_french_rate():
    line = attachments.pdf_summary_line(
        total_net=Decimal("100"), total_vat=Decimal("10"), total_gross=Decimal("110")
    )
    assert (line.quantity, line.unit_price, line.vat_rate) == (
        1,
        Decimal("100.00"),
        Decimal("10.00"),
    )
    zero = attachments.pdf_summary_line(
        total_net=Decimal("50"), total_vat=Decimal("0"), exemption_reason="EXONERATION_261"
    )
    assert zero.vat_rate == Decimal("0.00")
    assert zero.exemption_reason == "EXONERATION_261"


def test_summary_line_refuses_inconsistent_totals():
    with pytest.raises(ChorusError, match="ne correspond pas à HT \\+ TVA"):
        attachments.pdf_summary_line(
            total_net=Decimal("100"), total_vat=Decimal("20"), total_gross=Decimal("130")
        )
    with pytest.raises(ChorusError, match="aucun taux français unique") as exc:
        attachments.pdf_summary_line(total_net=Decimal("624.90"), total_vat=Decimal("46.25"))
    assert exc.value.field == "total_vat"
    with pytest.raises(ChorusError, match="nombre positif"):
        attachments.pdf_summary_line(total_net=Decimal("-10"), total_vat=Decimal("-2"))


def test_attachments_on_a_suspended_invoice_respect_the_120_mb_total(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE)
    already = 116 * 1024 * 1024  # simulated: no need to allocate it
    with (
        mock.patch.object(attachments, "invoice_deposited_size", return_value=already),
        pytest.raises(ChorusError, match="la limite est 120 Mo par facture"),
    ):
        attachments.invoice_add_attachments(
            invoice_id=invoice.pk,
            by=supplier_user,
            uploads=[SimpleUploadedFile("gros.txt", b"x" * (MAX_FILE_SIZE // 2))],
        )
    assert not invoice.documents.exists()
    docs = attachments.invoice_add_attachments(
        invoice_id=invoice.pk, by=supplier_user, uploads=[SimpleUploadedFile("a.txt", b"ok")]
    )
    assert [d.kind for d in docs] == [Kind.PIECE_JOINTE]
    assert invoice.events.filter(action="chorus.invoice.attachments_added").exists()


def test_attachments_refused_on_a_deposited_invoice(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="ajouter une pièce jointe"):
        attachments.invoice_add_attachments(
            invoice_id=invoice.pk, by=supplier_user, uploads=[SimpleUploadedFile("a.txt", b"ok")]
        )


def test_complete_with_an_attachment_only(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE)
    result = attachments.invoice_complete_with_attachments(
        invoice_id=invoice.pk,
        by=supplier_user,
        uploads=[SimpleUploadedFile("livraison.pdf", blank_pdf())],
    )
    assert result.status == InvoiceStatus.COMPLETEE
    assert invoice.documents.get().filename == "livraison.pdf"


def test_complete_needs_a_comment_or_an_attachment(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE)
    with pytest.raises(ChorusError, match="Commentaire ou pièce jointe"):
        attachments.invoice_complete_with_attachments(invoice_id=invoice.pk, by=supplier_user)


def test_complete_refused_attachment_leaves_the_invoice_suspended(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE)
    with pytest.raises(ChorusError, match=r"« \.exe »"):
        attachments.invoice_complete_with_attachments(
            invoice_id=invoice.pk,
            by=supplier_user,
            comment="Voici",
            uploads=[SimpleUploadedFile("x.exe", b"MZ")],
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SUSPENDUE


def test_a_draft_with_documents_can_be_deleted(supplier, supplier_user):
    invoice, _ = attachments.invoice_create_from_pdf(
        supplier=supplier, by=supplier_user, upload=pdf_upload()
    )
    storage_name = invoice.documents.get().file.name
    storage = invoice.documents.get().file.storage
    with mock.patch("django.db.transaction.on_commit", lambda fn, **kw: fn()):
        services.invoice_delete_draft(invoice_id=invoice.pk, by=supplier_user)
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not InvoiceDocument.objects.exists()
    assert not storage.exists(storage_name)


def test_documents_of_a_deposited_invoice_stay_undeletable(invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="archivé dix ans"):
        drafts.draft_documents_purge(invoice=invoice)
