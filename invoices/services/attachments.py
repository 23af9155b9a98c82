"""Deposited files: PDF deposit, supporting documents, completion of a suspended invoice.

Every file goes through `invoices.uploads` (name, size, magic bytes, pikepdf) before it is stored
as an immutable `InvoiceDocument` (SHA-256, storage API). Limits: 10 MB per file and 120 MB for
the invoice and its attachments together (ORIGINAL + PIECE_JOINTE already stored included).

Drafts: a PDF deposit creates a BROUILLON with its ORIGINAL attached, so nothing uploaded is lost
if the confirmation fails. Deleting such a draft purges its documents
(`drafts.draft_documents_purge`): a draft was never deposited, so the 10-year archive rule does
not apply to it yet.
"""

from collections.abc import Sequence
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction

from accounts.models import User
from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import VAT_RATES, DepositMode, InvoiceStatus
from invoices.documents import invoice_document_store
from invoices.lines import LineData
from invoices.models import Invoice, InvoiceDocument
from invoices.pdf_intake import Prefill, prefill_from_pdf
from invoices.services.common import (
    apply_transition,
    ensure_can,
    invoice_event_create,
    lock_invoice,
    require_member,
)
from invoices.services.drafts import invoice_create_draft
from invoices.totals import round_money
from invoices.uploads import (
    KIND_ATTACHMENT,
    KIND_INVOICE,
    CheckedFile,
    check_uploaded_file,
    validate_total,
)
from invoices.vocabulary import InvoiceAction
from structures.models import Structure

Kind = InvoiceDocument.Kind
DEPOSITED_KINDS = (Kind.ORIGINAL, Kind.PIECE_JOINTE)
# Statuses in which the supplier may add supporting documents.
ATTACHABLE_STATUSES = (InvoiceStatus.BROUILLON, InvoiceStatus.SUSPENDUE)
MAX_FILES_PER_UPLOAD = 20


def invoice_deposited_size(invoice: Invoice) -> int:
    """Bytes of the original and attachments already stored for this invoice."""
    total = invoice.documents.filter(kind__in=DEPOSITED_KINDS).aggregate(s=models.Sum("size"))
    return total["s"] or 0


def _check_files(uploads: Sequence[UploadedFile], *, kind: str) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise ChorusError(
            f"Pièces jointes : {MAX_FILES_PER_UPLOAD} fichiers au plus par envoi "
            f"({len(uploads)} choisis).",
            field="pieces_jointes",
        )
    # Declared sizes first: nothing is read into memory when the sum is already too big.
    validate_total(sizes=[upload.size or 0 for upload in uploads])
    return [check_uploaded_file(upload, kind=kind) for upload in uploads]


def _store(invoice: Invoice, checked: Sequence[CheckedFile], *, kind: str) -> list[InvoiceDocument]:
    return [
        invoice_document_store(
            invoice=invoice,
            kind=kind,
            content=item.content,
            filename=item.name,
            content_type=item.content_type,
        )
        for item in checked
    ]


def _attach_locked(
    invoice: Invoice, checked: Sequence[CheckedFile], *, by: User
) -> list[InvoiceDocument]:
    validate_total(sizes=[invoice_deposited_size(invoice), *(item.size for item in checked)])
    documents = _store(invoice, checked, kind=Kind.PIECE_JOINTE)
    if documents:
        invoice_event_create(
            invoice=invoice,
            action=InvoiceAction.ATTACHMENTS_ADDED,
            actor=by,
            data={"documents": [doc.pk for doc in documents]},
            reason=", ".join(doc.filename for doc in documents),
        )
    return documents


def invoice_add_attachments(
    *, invoice_id: int, by: User, uploads: Sequence[UploadedFile]
) -> list[InvoiceDocument]:
    """Supporting documents on a draft or a suspended invoice (checked, then stored)."""
    if not uploads:
        raise ChorusError(
            "Pièces jointes : choisissez au moins un fichier.", field="pieces_jointes"
        )
    checked = _check_files(uploads, kind=KIND_ATTACHMENT)
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        if invoice.status not in ATTACHABLE_STATUSES:
            raise ChorusError(
                f"La facture est au statut « {invoice.get_status_display()} » : action "
                "« ajouter une pièce jointe » impossible (brouillon ou facture suspendue "
                "seulement).",
                field="status",
                code="20002",
            )
        return _attach_locked(invoice, checked, by=by)


def invoice_create_from_pdf(
    *,
    supplier: Structure,
    by: User,
    upload: UploadedFile,
    attachments: Sequence[UploadedFile] = (),
) -> tuple[Invoice, Prefill]:
    """«Dépôt PDF»: check the PDF, read the pre-fill, create a draft holding the original.

    The deposit mode records whether the PDF carries a signature. Pre-filled values that would
    not pass the draft checks are left out (the user types them on the confirmation form).
    """
    original = check_uploaded_file(upload, kind=KIND_INVOICE)
    checked = _check_files(attachments, kind=KIND_ATTACHMENT)
    validate_total(sizes=[original.size, *(item.size for item in checked)])
    prefill = prefill_from_pdf(original.content, supplier_siret=supplier.siret)
    mode = (
        DepositMode.DEPOT_PDF_SIGNE_PORTAIL
        if original.pdf_signed
        else DepositMode.DEPOT_PDF_PORTAIL
    )
    header = prefill.header()
    if header.get("issue_date") and header["issue_date"] > clock.today(structure_id=supplier.pk):
        header.pop("issue_date")
    with transaction.atomic():
        try:
            with transaction.atomic():
                invoice = invoice_create_draft(
                    supplier=supplier, by=by, deposit_mode=mode, **header
                )
        except ChorusError:  # a pre-filled value is not acceptable: keep only the file
            invoice = invoice_create_draft(supplier=supplier, by=by, deposit_mode=mode)
        _store(invoice, [original], kind=Kind.ORIGINAL)
        invoice_event_create(
            invoice=invoice,
            action=InvoiceAction.PDF_UPLOADED,
            actor=by,
            reason=original.name,
            data={"pages": original.pdf_pages, "signed": original.pdf_signed},
        )
        if checked:
            _attach_locked(invoice, checked, by=by)
    return invoice, prefill


def pdf_summary_line(
    *,
    total_net: Decimal,
    total_vat: Decimal,
    total_gross: Decimal | None = None,
    exemption_reason: str = "",
    label: str = "Montant total de la facture déposée (PDF)",
) -> LineData:
    """One line standing for the whole PDF invoice: the VAT rate is inferred from the totals."""
    net, vat = round_money(total_net), round_money(total_vat)
    if net <= 0 or vat < 0:
        raise ChorusError(
            "Montant HT : un nombre positif est attendu (un avoir se déclare par son type, "
            "avec des montants positifs).",
            field="total_net",
        )
    if total_gross is not None and round_money(total_gross) != net + vat:
        raise ChorusError(
            f"Montant TTC : {round_money(total_gross)} € ne correspond pas à HT + TVA "
            f"({net + vat} €).",
            field="total_gross",
        )
    rate = next(
        (r for r in VAT_RATES if round_money(net * r / Decimal(100)) == vat),
        None,
    )
    if rate is None:
        raise ChorusError(
            f"Montant TVA : {vat} € ne correspond à aucun taux français unique appliqué à "
            f"{net} € HT. Pour une facture à plusieurs taux, saisissez ses lignes "
            "(« Modifier le brouillon »).",
            field="total_vat",
        )
    return LineData(
        designation=label,
        quantity=1,
        unit_price=net,
        vat_rate=rate,
        exemption_reason=exemption_reason if rate == 0 else "",
    )


def invoice_complete_with_attachments(
    *,
    invoice_id: int,
    by: User,
    comment: str = "",
    uploads: Sequence[UploadedFile] = (),
) -> Invoice:
    """«Compléter»: SUSPENDUE → COMPLETEE with attachments and/or a comment (§4.3)."""
    comment = (comment or "").strip()
    if not comment and not uploads:
        raise ChorusError(
            "Commentaire ou pièce jointe : ajoutez un commentaire, une pièce jointe ou les deux "
            "pour compléter la facture.",
            field="comment",
        )
    if len(comment) > 2000:
        raise ChorusError("Commentaire : 2000 caractères au maximum.", field="comment")
    checked = _check_files(uploads, kind=KIND_ATTACHMENT)
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        ensure_can(invoice, "complete")
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        documents = _attach_locked(invoice, checked, by=by) if checked else []
        return apply_transition(
            invoice,
            "complete",
            action=InvoiceAction.COMPLETED,
            actor=by,
            event_reason=comment,
            event_data={"documents": [doc.pk for doc in documents]},
            comment=comment,
            at=clock.now_for_invoice(invoice),
        )
