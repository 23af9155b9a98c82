"""Recipient side: «traiter la facture reçue» (suspend, reject, recycle, service fait… paid)."""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from accounts.models import User
from chorus.exceptions import ChorusError
from invoices.choices import (
    InvoiceStatus,
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
from invoices.vocabulary import InvoiceAction


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
        action=InvoiceAction.SUSPENDED,
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
        action=InvoiceAction.REJECTED,
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
        action=InvoiceAction.SENT_TO_RECYCLE,
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
        action=InvoiceAction.SERVICE_DONE,
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
        invoice_id, by, "mandate", action=InvoiceAction.MANDATED, mandate_number=mandate_number
    )


def invoice_make_available_to_accounting(*, invoice_id: int, by: User) -> Invoice:
    return _recipient_action(
        invoice_id,
        by,
        "make_available_to_accounting",
        action=InvoiceAction.MADE_AVAILABLE_TO_ACCOUNTING,
    )


def invoice_mark_accounted(*, invoice_id: int, by: User) -> Invoice:
    return _recipient_action(invoice_id, by, "mark_accounted", action=InvoiceAction.ACCOUNTED)


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
        action=InvoiceAction.PAID,
        check=check,
        on=on,
        amount=amount,
    )


# --- one registry of recipient actions (back-office, API `traiter/recue`, sandbox robots) --------
@dataclass(frozen=True)
class RecipientAction:
    """A recipient action: its name (the invoice transition), its target status and the service
    that runs it from the channel's data (`reason`, `comment`, `on`, `mandate_number`,
    `payment_date`, `payment_amount`)."""

    name: str
    target: str
    run: Callable[[int, User, Mapping[str, Any]], Invoice]


def _paid(invoice_id: int, by: User, data: Mapping[str, Any]) -> Invoice:
    amount = data.get("payment_amount")
    if amount in (None, ""):  # paid in full by default
        amount = Invoice.objects.values_list("total_gross", flat=True).get(pk=invoice_id)
    return invoice_mark_paid(
        invoice_id=invoice_id, by=by, on=data.get("payment_date"), amount=amount
    )


_S = InvoiceStatus
RECIPIENT_ACTIONS: dict[str, RecipientAction] = {
    a.name: a
    for a in (
        RecipientAction(
            "suspend",
            _S.SUSPENDUE,
            lambda i, by, d: invoice_suspend(invoice_id=i, by=by, reason=d.get("reason", "")),
        ),
        RecipientAction(
            "reject",
            _S.REJETEE,
            lambda i, by, d: invoice_reject(
                invoice_id=i, by=by, reason=d.get("reason", ""), comment=d.get("comment", "")
            ),
        ),
        RecipientAction(
            "send_to_recycle",
            _S.A_RECYCLER,
            lambda i, by, d: invoice_send_to_recycle(
                invoice_id=i, by=by, comment=d.get("comment", "")
            ),
        ),
        RecipientAction(
            "mark_service_done",
            _S.SERVICE_FAIT,
            lambda i, by, d: invoice_mark_service_done(invoice_id=i, by=by, on=d.get("on")),
        ),
        RecipientAction(
            "mandate",
            _S.MANDATEE,
            lambda i, by, d: invoice_mandate(
                invoice_id=i, by=by, mandate_number=d.get("mandate_number", "")
            ),
        ),
        RecipientAction(
            "make_available_to_accounting",
            _S.MISE_A_DISPOSITION_COMPTABLE,
            lambda i, by, d: invoice_make_available_to_accounting(invoice_id=i, by=by),
        ),
        RecipientAction(
            "mark_accounted",
            _S.COMPTABILISEE,
            lambda i, by, d: invoice_mark_accounted(invoice_id=i, by=by),
        ),
        RecipientAction("mark_paid", _S.MISE_EN_PAIEMENT, _paid),
    )
}
RECIPIENT_ACTION_BY_TARGET = {a.target: a for a in RECIPIENT_ACTIONS.values()}
UNKNOWN_ACTION = "action_inconnue"


def recipient_action_get(name: str) -> RecipientAction:
    """The registered action, or a refusal: an unknown action is an error, never a payment."""
    action = RECIPIENT_ACTIONS.get(name)
    if action is None:
        known = ", ".join(RECIPIENT_ACTIONS)
        raise ChorusError(
            f"Action « {name} » inconnue : {known} attendue.", field="action", code=UNKNOWN_ACTION
        )
    return action


def recipient_action_for_target(target: str) -> RecipientAction:
    """The action that leads to a target status (API `nouveauStatut`), or a refusal."""
    action = RECIPIENT_ACTION_BY_TARGET.get(target)
    if action is None:
        raise ChorusError(
            f"Statut cible « {target} » : aucune action du destinataire n'y mène.",
            field="nouveauStatut",
            code=UNKNOWN_ACTION,
        )
    return action


def invoice_recipient_act(
    *, invoice_id: int, by: User, action: str, data: Mapping[str, Any] | None = None
) -> Invoice:
    """Run one recipient action by name (back-office, API, robots): the single dispatch."""
    return recipient_action_get(action).run(invoice_id, by, data or {})
