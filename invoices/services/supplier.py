"""Supplier side of returned invoices (§4.3–4.4): recycle, complete, acknowledge."""

from typing import Any

from django.db import transaction

from accounts.models import User
from chorus.clock import now_for_invoice
from chorus.exceptions import ChorusError
from invoices.models import Invoice
from invoices.services.common import (
    apply_transition,
    clean_motif,
    ensure_can,
    lock_invoice,
    party_snapshot,
    require_member,
)
from invoices.services.routing import enqueue_routing, find_recipient
from invoices.validators import intracom_parties_check, text_check
from invoices.vocabulary import InvoiceAction


def invoice_recycle(
    *,
    invoice_id: int,
    by: User,
    recipient_siret: str,
    service_code: str = "",
    ej_number: str = "",
    comment: str = "",
) -> Invoice:
    """A_RECYCLER → DEPOSEE with corrected routing data only; same number, routed again (§4.4)."""
    recipient_siret = (recipient_siret or "").strip()
    service_code, ej_number = (service_code or "").strip(), (ej_number or "").strip()
    if not (recipient_siret.isdigit() and len(recipient_siret) == 14):
        raise ChorusError("SIRET du destinataire : 14 chiffres attendus.", field="recipient_siret")
    if len(service_code) > 100:
        raise ChorusError("Code service : 100 caractères au maximum.", field="service_code")
    if len(ej_number) > 50:
        raise ChorusError("N° d'engagement : 50 caractères au maximum.", field="ej_number")
    text_check(value=service_code, field_label="Code service", field="service_code")
    text_check(value=ej_number, field_label="N° d'engagement", field="ej_number")
    comment = clean_motif(comment, field="comment", label="Commentaire", required=False)
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        ensure_can(invoice, "recycle")
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        recipient = find_recipient(recipient_siret)
        intracom_parties_check(
            lines=list(invoice.lines.all()),
            supplier=invoice.supplier_snapshot,
            recipient=party_snapshot(recipient) if recipient is not None else None,
        )
        before = {
            "recipient_siret": invoice.recipient_siret,
            "service_code": invoice.service_code,
            "ej_number": invoice.ej_number,
        }
        apply_transition(
            invoice,
            "recycle",
            action=InvoiceAction.RECYCLED,
            actor=by,
            event_reason=comment,
            event_data={"before": before},
            recipient_siret=recipient_siret,
            service_code=service_code,
            ej_number=ej_number,
        )
        enqueue_routing(invoice)
    return invoice


def _supplier_action(
    invoice_id: int,
    by: User,
    method_name: str,
    *,
    action: str,
    event_reason: str = "",
    **kwargs: Any,
) -> Invoice:
    """A supplier transition, stamped `at` on the invoice's clock (as its history is)."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        ensure_can(invoice, method_name)
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        return apply_transition(
            invoice,
            method_name,
            action=action,
            actor=by,
            event_reason=event_reason,
            at=now_for_invoice(invoice),
            **kwargs,
        )


def invoice_complete(*, invoice_id: int, by: User, comment: str) -> Invoice:
    """SUSPENDUE → COMPLETEE: the supplier answers the suspension (attachments come later)."""
    comment = (comment or "").strip()
    if not comment:
        raise ChorusError("Commentaire : obligatoire pour compléter la facture.", field="comment")
    if len(comment) > 2000:
        raise ChorusError("Commentaire : 2000 caractères au maximum.", field="comment")
    text_check(value=comment, field_label="Commentaire", field="comment", multiline=True)
    return _supplier_action(
        invoice_id,
        by,
        "complete",
        action=InvoiceAction.COMPLETED,
        event_reason=comment,
        comment=comment,
    )


def invoice_acknowledge_rejection(*, invoice_id: int, by: User) -> Invoice:
    return _supplier_action(
        invoice_id,
        by,
        "acknowledge_rejection",
        action=InvoiceAction.REJECTION_ACKNOWLEDGED,  # ACQUITTEMENT_REJET
    )


def invoice_process_rejection(*, invoice_id: int, by: User) -> Invoice:
    return _supplier_action(
        invoice_id,
        by,
        "process_rejection",
        action=InvoiceAction.REJECTION_PROCESSED,  # TRAITEMENT_REJET
    )


def invoice_acknowledge_suspension(*, invoice_id: int, by: User) -> Invoice:
    return _supplier_action(
        invoice_id,
        by,
        "acknowledge_suspension",
        action=InvoiceAction.SUSPENSION_ACKNOWLEDGED,  # ACQUITTEMENT_SUSPENSION
    )
