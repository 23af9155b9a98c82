"""Archive of the invoice documents: storage, SHA-256, immutability, idempotency, task wiring."""

import hashlib

import facturx
import pytest
from django.db import IntegrityError, transaction

from chorus.exceptions import ChorusError
from invoices import documents, services
from invoices.choices import InvoiceStatus
from invoices.documents import invoice_document_store, invoice_render_documents
from invoices.models import InvoiceDocument
from invoices.services.common import party_snapshot
from invoices.tasks import render_invoice_documents

pytestmark = pytest.mark.django_db
Kind = InvoiceDocument.Kind


@pytest.fixture
def deposited(invoice_in, supplier, recipient):
    return invoice_in(
        InvoiceStatus.MISE_A_DISPOSITION,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
    )


@pytest.fixture
def stored(deposited):
    return invoice_document_store(
        invoice=deposited,
        kind=Kind.PIECE_JOINTE,
        content=b"bon de commande",
        filename="bdc.txt",
        content_type="text/plain",
    )


def test_rendering_stores_the_facturx_and_the_certificate_with_their_sha256(deposited):
    invoice_render_documents(invoice_id=deposited.pk)
    facturx_doc = deposited.documents.get(kind=Kind.FACTURX_PDF)
    certificate = deposited.documents.get(kind=Kind.ATTESTATION_DEPOT)
    for doc in (facturx_doc, certificate):
        with doc.file.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF")
        assert doc.size == len(content)
        assert doc.sha256 == hashlib.sha256(content).hexdigest()
        assert doc.content_type == "application/pdf"
        assert doc.file.name.startswith(f"invoices/{deposited.supplier_id}/{deposited.pk}/")
    assert facturx_doc.filename == f"facture-{deposited.number}-facturx.pdf"


def test_certificate_quotes_the_sha256_of_the_stored_facturx(deposited, monkeypatch):
    seen = {}

    def fake_certificate(invoice, *, facturx_sha256=None):
        seen["sha256"] = facturx_sha256
        return b"%PDF-attestation"

    monkeypatch.setattr(documents.pdf, "render_deposit_certificate", fake_certificate)
    invoice_render_documents(invoice_id=deposited.pk)
    assert seen["sha256"] == deposited.documents.get(kind=Kind.FACTURX_PDF).sha256


def test_running_twice_stores_one_document_of_each_kind(deposited, monkeypatch):
    first = invoice_render_documents(invoice_id=deposited.pk)

    def must_not_render(*args, **kwargs):
        raise AssertionError("déjà archivé : rien à rendre")

    monkeypatch.setattr(documents.pdf, "render_invoice_pdf", must_not_render)
    monkeypatch.setattr(documents.pdf, "render_deposit_certificate", must_not_render)
    assert invoice_render_documents(invoice_id=deposited.pk) == []
    assert len(first) == 2
    assert sorted(deposited.documents.values_list("kind", flat=True)) == [
        Kind.ATTESTATION_DEPOT,
        Kind.FACTURX_PDF,
    ]


def test_a_missing_certificate_is_rendered_without_rendering_the_facturx_again(
    deposited, monkeypatch
):
    monkeypatch.setattr(documents.pdf, "render_invoice_pdf", lambda invoice: b"%PDF-fx")
    invoice_document_store(
        invoice=deposited,
        kind=Kind.FACTURX_PDF,
        content=b"%PDF-fx",
        filename="fx.pdf",
        content_type="application/pdf",
    )
    stored = invoice_render_documents(invoice_id=deposited.pk)
    assert [doc.kind for doc in stored] == [Kind.ATTESTATION_DEPOT]


def test_a_draft_gets_no_document(invoice_in):
    draft = invoice_in(InvoiceStatus.BROUILLON)
    assert invoice_render_documents(invoice_id=draft.pk) == []
    assert not InvoiceDocument.objects.exists()


def test_storing_computes_size_and_sha256(stored):
    assert stored.size == len(b"bon de commande")
    assert stored.sha256 == hashlib.sha256(b"bon de commande").hexdigest()
    with stored.file.open("rb") as handle:
        assert handle.read() == b"bon de commande"


def test_a_stored_document_cannot_be_modified(stored):
    stored.filename = "autre.txt"
    with pytest.raises(ChorusError, match="ne peut pas être modifié"):
        stored.save()
    with pytest.raises(ChorusError, match="ne peut pas être modifié"):
        InvoiceDocument.objects.filter(pk=stored.pk).update(filename="autre.txt")
    stored.refresh_from_db()
    assert stored.filename == "bdc.txt"


def test_a_stored_document_cannot_be_deleted(stored):
    with pytest.raises(ChorusError, match="ne peut pas être supprimé"):
        stored.delete()
    with pytest.raises(ChorusError, match="ne peut pas être supprimé"):
        InvoiceDocument.objects.all().delete()
    assert InvoiceDocument.objects.filter(pk=stored.pk).exists()
    assert stored.file.storage.exists(stored.file.name)


def test_one_facturx_per_invoice_but_several_attachments(deposited, stored):
    def store(kind):
        return invoice_document_store(
            invoice=deposited, kind=kind, content=b"x", filename="x.pdf", content_type="a/b"
        )

    store(Kind.PIECE_JOINTE)  # a second attachment is fine
    store(Kind.FACTURX_PDF)
    with pytest.raises(IntegrityError), transaction.atomic():
        store(Kind.FACTURX_PDF)


def test_render_task_stores_the_documents(deposited):
    assert render_invoice_documents.apply(args=[deposited.pk]).get() == 2
    assert deposited.documents.count() == 2


def test_deposit_renders_the_documents_once_the_transaction_commits(
    invoice_in, supplier_user, django_capture_on_commit_callbacks
):
    draft = invoice_in(InvoiceStatus.BROUILLON)
    with django_capture_on_commit_callbacks(execute=True):
        services.invoice_submit(invoice_id=draft.pk, by=supplier_user)
        assert not InvoiceDocument.objects.exists()  # never on the request's transaction
    facturx_doc = InvoiceDocument.objects.get(invoice=draft, kind=Kind.FACTURX_PDF)
    assert InvoiceDocument.objects.filter(invoice=draft, kind=Kind.ATTESTATION_DEPOT).exists()
    with facturx_doc.file.open("rb") as handle:
        filename, xml = facturx.get_xml_from_pdf(handle.read(), check_xsd=False)
    assert filename == "factur-x.xml"
    assert draft.number.encode() in xml


def test_a_pdf_deposit_gets_no_generated_facturx_and_its_certificate_quotes_the_original(
    invoice_in,
):
    from invoices.pdf import render_deposit_certificate_html

    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    original = invoice_document_store(
        invoice=invoice,
        kind=InvoiceDocument.Kind.ORIGINAL,
        content=b"%PDF-1.7 facture deposee",
        filename="facture.pdf",
        content_type="application/pdf",
    )

    stored = invoice_render_documents(invoice_id=invoice.pk)

    assert [doc.kind for doc in stored] == [InvoiceDocument.Kind.ATTESTATION_DEPOT]
    html = render_deposit_certificate_html(invoice)
    assert original.sha256 in html
    assert "Empreinte SHA-256 du PDF déposé (facture.pdf)" in html
