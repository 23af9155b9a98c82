"""Recipient side: «traiter la facture reçue» (suspend, reject, recycle, service fait… paid)."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import User
from chorus.exceptions import ChorusError
from invoices.choices import (
    RejectionReason,
)
from invoices.models import Invoice
from invoices.services.common import (
    already_applied,
    apply_transition,
    clean_motif,
    ensure_can,
    lock_invoice,
    parse_decimal,
    require_recipient_processor,
)
from invoices.validators import date_check, text_check


def _recipient_action(
    invoice_id: int,
    by: User,
    method_name: str,
    *,
    action: str,
    event_reason: str = "",
    check: Callable[[Invoice], None] | None = None,
    **kwargs: Any,
) -> Invoice:
    data = {k: str(v) for k, v in kwargs.items()}
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if not can_proceed(getattr(invoice, method_name)):
            require_recipient_processor(user=by, invoice=invoice)
            # The same request again (a double click, a retry): success, nothing changes; any
            # other action already applied (a concurrent winner): refused, 20002.
            if already_applied(
                invoice, method_name, action=action, event_reason=event_reason, event_data=data
            ):
                return invoice
        ensure_can(invoice, method_name)
        require_recipient_processor(user=by, invoice=invoice)
        if check is not None:
            check(invoice)
        return apply_transition(
            invoice,
            method_name,
            action=action,
            actor=by,
            event_reason=event_reason,
            event_data=data,
            **kwargs,
        )


def invoice_suspend(*, invoice_id: int, by: User, reason: str) -> Invoice:
    reason = clean_motif(reason, field="reason", label="Motif de suspension")
    return _recipient_action(
        invoice_id,
        by,
        "suspend",
        action="chorus.invoice.suspended",
        event_reason=reason,
        reason=reason,
    )


def invoice_reject(*, invoice_id: int, by: User, reason: str, comment: str = "") -> Invoice:
    """REJETEE is final: the supplier acknowledges, then issues a new invoice (new number)."""
    if reason not in RejectionReason.values:
        raise ChorusError("Motif de rejet : choisissez un motif de la liste.", field="reason")
    comment = clean_motif(comment, field="comment", label="Commentaire de rejet", required=False)
    label = RejectionReason(reason).label
    return _recipient_action(
        invoice_id,
        by,
        "reject",
        action="chorus.invoice.rejected",
        event_reason=f"{label}. {comment}" if comment else label,
        reason=reason,
        comment=comment,
    )


def invoice_send_to_recycle(*, invoice_id: int, by: User, comment: str) -> Invoice:
    comment = clean_motif(comment, field="comment", label="Motif de mise à recycler")
    return _recipient_action(
        invoice_id,
        by,
        "send_to_recycle",
        action="chorus.invoice.sent_to_recycle",
        event_reason=comment,
        detail=comment,
    )


def invoice_mark_service_done(
    *, invoice_id: int, by: User, on: datetime.date | None = None
) -> Invoice:
    date_check(value=on, field_label="Date du service fait", field="on")
    return _recipient_action(
        invoice_id,
        by,
        "mark_service_done",
        action="chorus.invoice.service_done",
        on=on or timezone.localdate(),
    )


def invoice_mandate(*, invoice_id: int, by: User, mandate_number: str) -> Invoice:
    mandate_number = (mandate_number or "").strip()
    if not mandate_number:
        raise ChorusError("Numéro de mandat : obligatoire.", field="mandate_number")
    if len(mandate_number) > 50:
        raise ChorusError("Numéro de mandat : 50 caractères au maximum.", field="mandate_number")
    text_check(value=mandate_number, field_label="Numéro de mandat", field="mandate_number")
    return _recipient_action(
        invoice_id, by, "mandate", action="chorus.invoice.mandated", mandate_number=mandate_number
    )


def invoice_make_available_to_accounting(*, invoice_id: int, by: User) -> Invoice:
    return _recipient_action(
        invoice_id,
        by,
        "make_available_to_accounting",
        action="chorus.invoice.made_available_to_accounting",
    )


def invoice_mark_accounted(*, invoice_id: int, by: User) -> Invoice:
    return _recipient_action(invoice_id, by, "mark_accounted", action="chorus.invoice.accounted")


def invoice_mark_paid(
    *, invoice_id: int, by: User, on: datetime.date | None, amount: Decimal | str
) -> Invoice:
    if on is None:
        raise ChorusError("Date de mise en paiement : obligatoire.", field="payment_date")
    date_check(value=on, field_label="Date de mise en paiement", field="payment_date")
    amount = parse_decimal(amount, field="payment_amount", label="Montant mis en paiement")
    if amount <= 0 or amount.as_tuple().exponent < -2:
        raise ChorusError(
            "Montant mis en paiement : montant strictement positif, au centime près.",
            field="payment_amount",
        )

    def check(invoice: Invoice) -> None:
        if amount > invoice.total_gross:
            raise ChorusError(
                "Montant mis en paiement : ne peut dépasser le total TTC "
                f"({invoice.total_gross} €).",
                field="payment_amount",
            )
        if invoice.deposited_at and on < timezone.localtime(invoice.deposited_at).date():
            raise ChorusError(
                "Date de mise en paiement : ne peut précéder la date de dépôt.",
                field="payment_date",
            )

    return _recipient_action(
        invoice_id,
        by,
        "mark_paid",
        action="chorus.invoice.paid",
        check=check,
        on=on,
        amount=amount,
    )
