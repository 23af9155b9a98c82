"""Drafts (BROUILLON) and credit notes: header fields, lines, totals."""

import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts.models import User
from chorus.exceptions import ChorusError
from invoices.choices import (
    VAT_RATES,
    Cadre,
    DepositMode,
    InvoiceStatus,
    InvoiceType,
    PaymentMode,
    VatExemptionReason,
)
from invoices.lines import LineData
from invoices.models import Invoice, InvoiceDocument, InvoiceLine, invoice_number_validator
from invoices.services.common import (
    invoice_event_create,
    lock_invoice,
    parse_decimal,
    require_member,
)
from invoices.totals import compute_totals, line_net
from invoices.validators import (
    date_check,
    lines_count_check,
    out_of_scope_alone_check,
    text_check,
)
from invoices.vocabulary import InvoiceAction
from structures.models import Structure

HEADER_FIELDS = {
    "deposit_mode",
    "number",
    "type",
    "cadre",
    "recipient_siret",
    "service_code",
    "ej_number",
    "issue_date",
    "due_date",
    "currency",
    "payment_mode",
    "comment",
    "bank_account",
}

# Typed text of the header, checked for control characters (labels as on the portal's form).
TEXT_FIELDS = {
    "number": "Numéro de facture",
    "recipient_siret": "SIRET du destinataire",
    "service_code": "Code service",
    "ej_number": "N° d'engagement juridique",
    "comment": "Commentaire",
}
MULTILINE_FIELDS = {"comment"}

CREDITABLE_STATUSES = [
    s
    for s in InvoiceStatus.values
    if s not in (InvoiceStatus.BROUILLON, InvoiceStatus.ERREUR_TECHNIQUE)
]


def _clean_line(position: int, raw: LineData | Mapping[str, Any]) -> InvoiceLine:
    data = raw if isinstance(raw, Mapping) else raw.__dict__
    prefix = f"Ligne {position}"
    designation = str(data.get("designation", "")).strip()
    text_check(value=designation, field_label=f"{prefix} — désignation", field="designation")
    if not designation:
        raise ChorusError(f"{prefix} — désignation : obligatoire.", field="designation")
    if len(designation) > 255:
        raise ChorusError(
            f"{prefix} — désignation : 255 caractères au maximum.", field="designation"
        )
    quantity = parse_decimal(
        data.get("quantity", ""), field="quantity", label=f"{prefix} — quantité"
    )
    if quantity <= 0 or quantity.as_tuple().exponent < -4 or abs(quantity) >= 10**11:
        raise ChorusError(
            f"{prefix} — quantité : nombre strictement positif, 4 décimales au plus.",
            field="quantity",
        )
    unit_price = parse_decimal(
        data.get("unit_price", ""), field="unit_price", label=f"{prefix} — prix unitaire HT"
    )
    if unit_price < 0 or unit_price.as_tuple().exponent < -4 or unit_price >= 10**11:
        raise ChorusError(
            f"{prefix} — prix unitaire HT : nombre positif ou nul, 4 décimales au plus.",
            field="unit_price",
        )
    vat_rate = parse_decimal(
        data.get("vat_rate", ""), field="vat_rate", label=f"{prefix} — taux de TVA"
    )
    if vat_rate not in VAT_RATES:
        raise ChorusError(
            f"{prefix} — taux de TVA : {vat_rate} % n'est pas un taux français "
            "(20, 10, 5,5, 2,1 ou 0).",
            field="vat_rate",
        )
    exemption = str(data.get("exemption_reason") or "")
    if vat_rate == 0 and exemption not in VatExemptionReason.values:
        raise ChorusError(
            f"{prefix} — motif d'exonération : obligatoire pour une ligne à 0 % de TVA.",
            field="exemption_reason",
        )
    if vat_rate != 0 and exemption:
        raise ChorusError(
            f"{prefix} — motif d'exonération : seulement pour une ligne à 0 % de TVA.",
            field="exemption_reason",
        )
    unit = str(data.get("unit") or "U").strip()[:20]
    text_check(value=unit, field_label=f"{prefix} — unité", field="unit")
    line = InvoiceLine(
        position=position,
        designation=designation,
        quantity=quantity,
        unit=unit,
        unit_price=unit_price,
        vat_rate=vat_rate.quantize(Decimal("0.01")),
        exemption_reason=exemption,
    )
    line.line_net = line_net(quantity=quantity, unit_price=unit_price)
    if abs(line.line_net) >= 10**13:
        raise ChorusError(f"{prefix} — montant HT : trop élevé.", field="unit_price")
    return line


def _apply_header(invoice: Invoice, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - HEADER_FIELDS
    if unknown:
        raise TypeError(f"champs inconnus : {sorted(unknown)}")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(invoice, name, value if value is not None or name == "bank_account" else "")
    choices = {
        "type": (InvoiceType, "type de facture"),
        "cadre": (Cadre, "cadre de facturation"),
        "payment_mode": (PaymentMode, "mode de paiement"),
        "deposit_mode": (DepositMode, "mode de dépôt"),
    }
    for name, (enum, label) in choices.items():
        value = getattr(invoice, name)
        if value and value not in enum.values:
            raise ChorusError(f"{label.capitalize()} : valeur « {value} » inconnue.", field=name)
    for name, label in (("issue_date", "Date de facture"), ("due_date", "Date d'échéance")):
        if getattr(invoice, name) == "":
            setattr(invoice, name, None)
        date_check(value=getattr(invoice, name), field_label=label, field=name)
    for name, label in TEXT_FIELDS.items():
        text_check(
            value=getattr(invoice, name),
            field_label=label,
            field=name,
            multiline=name in MULTILINE_FIELDS,
        )
    if invoice.number:
        try:
            invoice_number_validator(invoice.number)
        except ValidationError as exc:
            raise ChorusError(exc.messages[0], field="number") from None
    if invoice.recipient_siret and not (
        invoice.recipient_siret.isdigit() and len(invoice.recipient_siret) == 14
    ):
        raise ChorusError("SIRET du destinataire : 14 chiffres attendus.", field="recipient_siret")
    limits = {"service_code": 100, "ej_number": 50}
    for name, limit in limits.items():
        if len(getattr(invoice, name)) > limit:
            raise ChorusError(f"{name} : {limit} caractères au maximum.", field=name)
    if invoice.currency != "EUR":
        raise ChorusError("Devise : seul l'euro (EUR) est accepté.", field="currency")


def _clean_lines(lines: Iterable[LineData | Mapping[str, Any]]) -> list[InvoiceLine]:
    lines = list(lines)
    lines_count_check(count=len(lines))
    cleaned = [_clean_line(position, raw) for position, raw in enumerate(lines, start=1)]
    out_of_scope_alone_check(lines=cleaned)
    return cleaned


def store_lines(invoice: Invoice, cleaned: list[InvoiceLine]) -> None:
    for line in cleaned:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(cleaned)


def _replace_lines(invoice: Invoice, lines: Iterable[LineData | Mapping[str, Any]]) -> None:
    cleaned = _clean_lines(lines)
    invoice.lines.all().delete()
    store_lines(invoice, cleaned)
    store_totals(invoice, cleaned)


def store_totals(invoice: Invoice, lines: Iterable[InvoiceLine]) -> None:
    totals = compute_totals(lines)
    invoice.total_net, invoice.total_vat, invoice.total_gross = (
        totals.net,
        totals.vat,
        totals.gross,
    )
    invoice.vat_breakdown = [group.as_json() for group in totals.breakdown]


def draft_build(
    *,
    supplier: Structure,
    by: User,
    lines: Iterable[LineData | Mapping[str, Any]] = (),
    **fields: Any,
) -> tuple[Invoice, list[InvoiceLine]]:
    """A new invoice checked and totalled in memory, nothing written: its lines come apart."""
    require_member(user=by, structure=supplier, role_label="fournisseur")
    if not supplier.is_active:
        raise ChorusError("Fournisseur : la structure est inactive.", field="supplier")
    invoice = Invoice(supplier=supplier, created_by=by)
    _apply_header(invoice, fields)
    cleaned = _clean_lines(lines)
    store_totals(invoice, cleaned)
    return invoice, cleaned


def invoice_create_draft(
    *,
    supplier: Structure,
    by: User,
    lines: Iterable[LineData | Mapping[str, Any]] = (),
    form_token: uuid.UUID | None = None,
    **fields: Any,
) -> Invoice:
    """Create a BROUILLON (header fields: HEADER_FIELDS); everything is checked again on deposit.

    `form_token`: the one-time token of the portal form. The same form sent again (a double or
    triple click on « Valider et envoyer ») returns the invoice the first one created, whatever
    it became since; a concurrent twin waits on the unique index, then finds it.
    """
    if form_token is not None and (existing := invoice_by_form_token(supplier, by, form_token)):
        return existing
    invoice, cleaned = draft_build(supplier=supplier, by=by, lines=lines, **fields)
    invoice.form_token = form_token
    try:
        with transaction.atomic():
            # A new invoice has no lines to replace: totals first, then one INSERT per table.
            invoice.save()
            store_lines(invoice, cleaned)
            invoice_event_create(
                invoice=invoice,
                action=InvoiceAction.DRAFT_CREATED,
                actor=by,
                to_status=invoice.status,
            )
    except IntegrityError:
        if form_token is None or not (existing := invoice_by_form_token(supplier, by, form_token)):
            raise
        return existing
    return invoice


def invoice_by_form_token(supplier: Structure, by: User, form_token: uuid.UUID) -> Invoice | None:
    """The invoice this very portal form already created (a double or triple click), if any."""
    invoice = Invoice.objects.filter(supplier=supplier, form_token=form_token).first()
    if invoice is not None:
        require_member(user=by, structure=supplier, role_label="fournisseur")
    return invoice


def invoice_update_draft(
    *,
    invoice_id: int,
    by: User,
    lines: Iterable[LineData | Mapping[str, Any]] | None = None,
    **fields: Any,
) -> Invoice:
    """Change header fields and, when `lines` is given, replace all lines. Drafts only."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        if not invoice.is_draft:
            raise ChorusError(
                f"La facture est au statut « {invoice.get_status_display()} » : "
                "action « modifier » impossible (seul un brouillon se modifie).",
                field="status",
                code="20002",
            )
        _apply_header(invoice, fields)
        if lines is not None:
            _replace_lines(invoice, lines)
        invoice.save()
        invoice_event_create(
            invoice=invoice,
            action=InvoiceAction.DRAFT_UPDATED,
            actor=by,
            data={"fields": sorted(fields), "lines": lines is not None},
        )
    return invoice


def draft_documents_purge(*, invoice: Invoice) -> None:
    """Delete the documents of a draft (caller holds the lock). Deposited invoices: refused."""
    if not invoice.is_draft:
        raise ChorusError(
            "Un document déposé est archivé dix ans : il ne peut pas être supprimé.",
            code="document_archive",
        )
    documents = list(InvoiceDocument.objects.filter(invoice=invoice))
    if not documents:
        return
    # Bypass the archive guard on purpose: a draft's files were never deposited.
    models.QuerySet.delete(InvoiceDocument.objects.filter(pk__in=[d.pk for d in documents]))
    files = [(doc.file.storage, doc.file.name) for doc in documents]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in files])


def invoice_delete_draft(*, invoice_id: int, by: User) -> None:
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        if invoice.is_draft:  # a PDF deposit's draft holds its original (PROTECT foreign key)
            draft_documents_purge(invoice=invoice)
        invoice.delete()  # refuses anything but a draft


def invoice_create_credit_note(*, invoice_id: int, by: User, number: str = "") -> Invoice:
    """A draft AVOIR copying the parties and lines of a deposited invoice (R6: never edit it)."""
    with transaction.atomic():
        original = lock_invoice(invoice_id)
        require_member(user=by, structure=original.supplier, role_label="fournisseur")
        if original.status not in CREDITABLE_STATUSES:
            raise ChorusError(
                f"La facture est au statut « {original.get_status_display()} » : "
                "action « créer un avoir » impossible.",
                field="status",
                code="20002",
            )
        if original.type == InvoiceType.AVOIR:
            raise ChorusError("Un avoir ne peut pas faire l'objet d'un avoir.", field="type")
        # The original is locked: parallel clicks on « Créer un avoir » queue here, and the
        # followers find the draft the first one made (one draft credit note per invoice).
        draft = (
            Invoice.objects.filter(credited_invoice=original, status=InvoiceStatus.BROUILLON)
            .order_by("-id")
            .first()
        )
        if draft is not None:
            return draft
        credit_note = invoice_create_draft(
            supplier=original.supplier,
            by=by,
            number=number,
            type=InvoiceType.AVOIR,
            cadre=original.cadre,
            recipient_siret=original.recipient_siret,
            service_code=original.service_code,
            ej_number=original.ej_number,
            comment=f"Avoir sur la facture {original.number}",
            lines=[
                LineData(
                    designation=line.designation,
                    quantity=line.quantity,
                    unit=line.unit,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                    exemption_reason=line.exemption_reason,
                )
                for line in original.lines.all()
            ],
        )
        credit_note.credited_invoice = original
        credit_note.save(update_fields=["credited_invoice"])
        invoice_event_create(
            invoice=original,
            action=InvoiceAction.CREDIT_NOTE_CREATED,
            actor=by,
            data={"credit_note": credit_note.pk},
        )
    return credit_note
