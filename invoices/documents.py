"""Archive of an invoice's documents: Factur-X and deposit certificate (issue 3).

Rendering (invoices/pdf.py) happens outside any transaction and outside the invoice lock, since it
takes about a second; the row is then written under the lock after checking again that the kind is
still missing, so concurrent or repeated runs store one document of each kind.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction

from invoices import pdf
from invoices.models import Invoice, InvoiceDocument
from invoices.services.common import lock_invoice

logger = logging.getLogger(__name__)

Kind = InvoiceDocument.Kind
PDF = "application/pdf"


def invoice_document_store(
    *, invoice: Invoice, kind: str, content: bytes, filename: str, content_type: str
) -> InvoiceDocument:
    """Store `content` through the storage API, with its size and SHA-256. Never overwrites."""
    return InvoiceDocument.objects.create(
        invoice=invoice,
        kind=kind,
        file=ContentFile(content, name=filename),
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _store_once(*, invoice_id: int, kind: str, content: bytes, filename: str) -> InvoiceDocument:
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        existing = invoice.documents.filter(kind=kind).first()
        if existing is not None:  # a concurrent run stored it while we were rendering
            return existing
        return invoice_document_store(
            invoice=invoice, kind=kind, content=content, filename=filename, content_type=PDF
        )


def _safe_number(invoice: Invoice) -> str:
    return invoice.number.replace("/", "-") or str(invoice.pk)


def invoice_render_documents(*, invoice_id: int) -> list[InvoiceDocument]:
    """Render and archive the Factur-X then the deposit certificate of a deposited invoice.

    Idempotent: a draft gets nothing, a kind already stored is skipped. A PDF deposit gets only the
    certificate, which quotes the deposited original. Returns the documents stored by this call.
    """
    invoice = Invoice.objects.select_related("credited_invoice").filter(pk=invoice_id).first()
    if invoice is None or invoice.is_draft:
        return []
    existing = {
        doc.kind: doc
        for doc in invoice.documents.filter(kind__in=[Kind.FACTURX_PDF, Kind.ATTESTATION_DEPOT])
    }
    stored: list[InvoiceDocument] = []
    number = _safe_number(invoice)
    facturx_doc = existing.get(Kind.FACTURX_PDF)
    # A PDF deposit is its own legal original: generating a Factur-X from its summary line could
    # contradict it, so only manually entered (and structured) invoices get one.
    deposited_pdf = invoice.documents.filter(kind=Kind.ORIGINAL).exists()
    if facturx_doc is None and not deposited_pdf:
        facturx_doc = _store_once(
            invoice_id=invoice_id,
            kind=Kind.FACTURX_PDF,
            content=pdf.render_invoice_pdf(invoice),
            filename=f"facture-{number}-facturx.pdf",
        )
        stored.append(facturx_doc)
    if Kind.ATTESTATION_DEPOT not in existing:
        content = pdf.render_deposit_certificate(
            invoice, facturx_sha256=facturx_doc.sha256 if facturx_doc else ""
        )
        stored.append(
            _store_once(
                invoice_id=invoice_id,
                kind=Kind.ATTESTATION_DEPOT,
                content=content,
                filename=f"attestation-depot-{number}.pdf",
            )
        )
    if stored:
        logger.info("Facture %s : %s document(s) archivé(s)", invoice_id, len(stored))
    return stored
