"""«Dépôt PDF» pages, attachments and document downloads (supplier side, issue 3)."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices import uploads
from invoices.choices import DepositMode, InvoiceStatus
from invoices.documents import invoice_document_store
from invoices.models import Invoice, InvoiceDocument
from invoices.services import attachments
from invoices.uploads import MAX_FILE_SIZE, MAX_TOTAL_SIZE
from tests.factories import UserFactory
from tests.invoices.test_uploads import (
    CORRUPT_PDF,
    PNG,
    blank_pdf,
    encrypted_pdf,
    sample_bytes,
)

pytestmark = pytest.mark.django_db
Kind = InvoiceDocument.Kind
DEPOSIT = reverse("invoices:deposit_pdf")


@pytest.fixture
def logged(client, supplier_user):
    client.force_login(supplier_user)
    return client


def post_pdf(client, supplier, name="facture.pdf", content=None, extra=()):
    data = {
        "supplier": supplier.pk,
        "pdf": SimpleUploadedFile(name, sample_bytes() if content is None else content),
    }
    if extra:
        data["pieces_jointes"] = list(extra)
    return client.post(DEPOSIT, data)


def test_deposit_page_offers_the_form(logged):
    html = logged.get(DEPOSIT).content.decode()
    assert "Dépôt d'une facture PDF" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="pieces_jointes"' in html
    assert "multiple" in html


def test_upload_sample_then_confirm_page_is_prefilled(logged, supplier):
    response = post_pdf(logged, supplier, extra=[SimpleUploadedFile("bl.png", PNG)])
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    html = logged.get(response.url).content.decode()
    for value in ('value="F20180027"', 'value="SERVEXEC"', 'value="PO201925478"'):
        assert value in html
    assert 'value="100,00"' in html
    assert 'value="10,00"' in html
    assert 'value="110,00"' in html
    assert "facture.pdf" in html
    assert "bl.png" in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("grosse.pdf", b"%PDF-1.4\n" + b"0" * MAX_FILE_SIZE, "la limite est 10 Mo par fichier"),
        ("facture.pdf", PNG, "n&#x27;est pas un PDF"),
        ("facture.pdf", encrypted_pdf(), "le PDF est chiffré"),
        ("facture.pdf", CORRUPT_PDF.read_bytes(), "le PDF est endommagé"),
        ("n" * 47 + ".pdf", None, "51 caractères, la limite est 50 caractères"),
        ("facture.exe", None, "la facture doit être un fichier PDF"),
    ],
)
def test_bad_pdf_is_refused_with_a_french_message(logged, supplier, name, content, message):
    response = post_pdf(logged, supplier, name=name, content=content)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert f'value="{supplier.pk}" selected' in html  # the chosen structure is kept
    assert not Invoice.objects.exists()


def test_forbidden_attachment_extension_is_refused(logged, supplier):
    response = post_pdf(logged, supplier, extra=[SimpleUploadedFile("outil.exe", b"MZ")])
    assert response.status_code == 400
    assert "l&#x27;extension « .exe » n&#x27;est pas acceptée" in response.content.decode()
    assert not Invoice.objects.exists()


def test_total_over_120_mb_is_refused_without_allocating_it(logged, supplier):
    """The files already counted are simulated: 120 MB of other attachments, then ours."""
    real = uploads.validate_total
    with mock.patch.object(
        attachments,
        "validate_total",
        lambda *, sizes, **kw: real(sizes=[MAX_TOTAL_SIZE - len(sample_bytes()), *sizes], **kw),
    ):
        response = post_pdf(logged, supplier, extra=[SimpleUploadedFile("a.txt", b"ok")])
    assert response.status_code == 400
    assert "la limite est 120 Mo par facture" in response.content.decode()
    assert not Invoice.objects.exists()


def _deposit(logged, supplier) -> Invoice:
    post_pdf(logged, supplier)
    return Invoice.objects.get()


def confirm_data(supplier, recipient, **overrides):
    data = {
        "supplier": supplier.pk,
        "recipient_siret": recipient.siret,
        "service_code": "",
        "ej_number": "PO201925478",
        "number": "F20180027",
        "type": "FACTURE",
        "cadre": "A1_FACTURE_FOURNISSEUR",
        "issue_date": "2018-12-31",
        "currency": "EUR",
        "total_net": "100,00",
        "total_vat": "10,00",
        "total_gross": "110,00",
        "action": "envoyer",
    }
    return data | overrides


def test_confirm_and_send_deposits_with_a_summary_line(
    logged, supplier, recipient, django_capture_on_commit_callbacks
):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = logged.post(url, confirm_data(supplier, recipient))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.deposit_mode == DepositMode.DEPOT_PDF_PORTAIL
    assert str(invoice.total_gross) == "110.00"
    line = invoice.lines.get()
    assert str(line.vat_rate) == "10.00"
    assert invoice.documents.filter(kind=Kind.ORIGINAL).count() == 1


def test_confirm_error_keeps_typed_values_and_the_original(logged, supplier, recipient):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    response = logged.post(
        url, confirm_data(supplier, recipient, recipient_siret="12345678901234", number="TYPED-1")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "clé de contrôle" in html
    assert 'value="TYPED-1"' in html
    assert "facture.pdf" in html
    invoice.refresh_from_db()
    assert invoice.is_draft
    assert invoice.documents.filter(kind=Kind.ORIGINAL).exists()


def test_confirm_with_mixed_rate_totals_names_the_vat_field(logged, supplier, recipient):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    response = logged.post(
        url,
        confirm_data(supplier, recipient, total_net="624,90", total_vat="46,25", total_gross=""),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "aucun taux français unique" in html
    assert "Le brouillon et le PDF déposé sont conservés" in html
    invoice.refresh_from_db()
    assert invoice.is_draft


def test_service_refusal_at_deposit_keeps_the_draft(logged, supplier, recipient):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    response = logged.post(url, confirm_data(supplier, recipient, recipient_siret=supplier.siret))
    assert response.status_code == 400
    assert "ne peut pas se facturer elle-même" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.is_draft
    assert invoice.lines.count() == 1


def test_save_draft_then_come_back(logged, supplier, recipient):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:deposit_pdf_confirm", args=[invoice.pk])
    response = logged.post(url, confirm_data(supplier, recipient, action="brouillon"))
    assert response.status_code == 302
    html = logged.get(url).content.decode()
    assert f'value="{recipient.siret}"' in html
    assert 'value="110,00"' in html


def test_attach_on_a_draft_and_refusal_is_shown(logged, supplier):
    invoice = _deposit(logged, supplier)
    url = reverse("invoices:attach", args=[invoice.pk])
    ok = logged.post(url, {"pieces_jointes": [SimpleUploadedFile("devis.pdf", blank_pdf())]})
    assert ok.status_code == 302
    assert invoice.documents.filter(kind=Kind.PIECE_JOINTE, filename="devis.pdf").exists()
    bad = logged.post(url, {"pieces_jointes": [SimpleUploadedFile("x" * 60 + ".txt", b"a")]})
    assert bad.status_code == 400
    assert "la limite est 50 caractères" in bad.content.decode()


def test_complete_with_comment_and_attachment_through_the_page(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE, suspension_reason="BL manquant")
    url = reverse("invoices:complete", args=[invoice.pk])
    response = logged.post(
        url,
        {"comment": "BL joint", "pieces_jointes": [SimpleUploadedFile("bl.png", PNG)]},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPLETEE
    assert invoice.documents.get().filename == "bl.png"
    bad = invoice_in(status=InvoiceStatus.SUSPENDUE, number="F-BAD")
    refused = logged.post(
        reverse("invoices:complete", args=[bad.pk]),
        {"comment": "x", "pieces_jointes": [SimpleUploadedFile("bl.png", b"not png")]},
    )
    assert refused.status_code == 400
    assert "ne correspond pas à l&#x27;extension" in refused.content.decode()


def _stored_document(invoice) -> InvoiceDocument:
    return invoice_document_store(
        invoice=invoice,
        kind=Kind.ORIGINAL,
        content=sample_bytes(),
        filename="facture.pdf",
        content_type="application/pdf",
    )


def test_detail_lists_documents_with_size_and_sha256(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    document = _stored_document(invoice)
    html = logged.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Documents" in html
    assert document.sha256 in html
    assert reverse("invoices:document_download", args=[document.pk]) in html


def test_download_permission_matrix(client, supplier_user, recipient_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    document = _stored_document(invoice)
    url = reverse("invoices:document_download", args=[document.pk])
    for user in (supplier_user, recipient_user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="facture.pdf"'
        assert b"".join(response.streaming_content) == sample_bytes()
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.get(reverse("invoices:document_download", args=[999999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_recipient_cannot_download_a_draft_document(client, recipient_user, invoice_in):
    draft = invoice_in(status=InvoiceStatus.BROUILLON)
    document = _stored_document(draft)
    client.force_login(recipient_user)
    url = reverse("invoices:document_download", args=[document.pk])
    assert client.get(url).status_code == 404


def test_download_is_get_only(logged, invoice_in):
    document = _stored_document(invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION))
    url = reverse("invoices:document_download", args=[document.pk])
    assert logged.post(url).status_code == 405
