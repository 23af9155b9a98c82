"""Helpers shared by the invoice services: locking, status check, transition + event."""

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import User
from chorus.exceptions import ChorusError
from invoices.choices import OutboxKind
from invoices.models import Invoice, InvoiceEvent
from invoices.services.outbox import outbox_enqueue
from structures.choices import MembershipStatus
from structures.models import Membership, Structure

# Transient statuses nobody needs an e-mail about.
SILENT_STATUSES = {"EN_COURS_ACHEMINEMENT"}

MOTIF_MAX_LENGTH = 255  # PAS truncates `motif` to 255 characters (§4.2); we refuse instead.

ACTION_LABELS = {
    "submit": "déposer",
    "start_routing": "acheminer",
    "make_available": "mettre à disposition",
    "refuse_routing": "renvoyer au recyclage",
    "fail": "passer en erreur technique",
    "recycle": "recycler",
    "complete": "compléter",
    "acknowledge_rejection": "acquitter le rejet",
    "process_rejection": "traiter le rejet",
    "acknowledge_suspension": "acquitter la suspension",
    "send_to_recycle": "mettre à recycler",
    "reject": "rejeter",
    "suspend": "suspendre",
    "mark_service_done": "déclarer le service fait",
    "mandate": "mandater",
    "make_available_to_accounting": "mettre à disposition du comptable",
    "mark_accounted": "comptabiliser",
    "mark_paid": "mettre en paiement",
}


def invoice_event_create(
    *,
    invoice: Invoice,
    action: str,
    actor: User | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> InvoiceEvent:
    return InvoiceEvent.objects.create(
        invoice=invoice,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:500],
        data=dict(data or {}),
    )


def lock_invoice(invoice_id: int) -> Invoice:
    try:
        return Invoice.objects.select_for_update().get(pk=invoice_id)
    except Invoice.DoesNotExist:
        raise ChorusError("Facture introuvable.", field="invoice", code="introuvable") from None


def ensure_can(invoice: Invoice, method_name: str) -> Callable[..., Any]:
    method = getattr(invoice, method_name)
    if not can_proceed(method):
        raise ChorusError(
            f"La facture est au statut « {invoice.get_status_display()} » : "
            f"action « {ACTION_LABELS[method_name]} » impossible.",
            field="status",
            code="20002",  # Chorus: "Incohérence au niveau du statut d'origine ou de destination"
        )
    return method


def apply_transition(
    invoice: Invoice,
    method_name: str,
    *,
    action: str,
    actor: User | None = None,
    event_reason: str = "",
    event_data: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> Invoice:
    """Run one transition on a locked invoice, save it and log it (caller holds the atomic)."""
    method = ensure_can(invoice, method_name)
    from_status = invoice.status
    method(**kwargs)
    try:
        invoice.save()
    except ConcurrentTransition:
        raise ChorusError(
            "La facture a été modifiée entre-temps par quelqu'un d'autre : rechargez-la.",
            field="status",
            code="concurrent",
        ) from None
    event = invoice_event_create(
        invoice=invoice,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=invoice.status,
        reason=event_reason,
        data=event_data,
    )
    if should_notify(from_status=from_status, to_status=invoice.status):
        outbox_enqueue(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT, event=event)
    return invoice


def should_notify(*, from_status: str, to_status: str) -> bool:
    """Every real status change is notified to the supplier, except transient ones."""
    return bool(to_status) and to_status != from_status and to_status not in SILENT_STATUSES


def require_member(*, user: User | None, structure: Structure | None, role_label: str) -> None:
    if user is None or structure is None:
        raise ChorusError(f"Action réservée à la structure {role_label}.", code="interdit")
    if not Membership.objects.filter(
        user=user, structure=structure, status=MembershipStatus.VALIDEE
    ).exists():
        raise ChorusError(
            f"Vous n'êtes pas rattaché à la structure {role_label} « {structure.name} ».",
            code="interdit",
        )


def require_recipient_processor(*, user: User | None, invoice: Invoice) -> None:
    """Staff may process a received invoice only with modification rights on its service."""
    require_member(user=user, structure=invoice.recipient, role_label="destinataire")
    membership = Membership.objects.prefetch_related("services").get(
        user=user, structure=invoice.recipient, status=MembershipStatus.VALIDEE
    )
    if not membership.can_modify:
        raise ChorusError(
            "Habilitation en consultation uniquement : vous ne pouvez pas traiter cette facture.",
            code="interdit",
        )
    service_ids = {service.pk for service in membership.services.all()}
    if service_ids and invoice.service_id not in service_ids:
        raise ChorusError(
            "Cette facture relève d'un service que vous ne traitez pas.", code="interdit"
        )


def clean_motif(value: str, *, field: str, label: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ChorusError(f"{label} : ce champ est obligatoire.", field=field)
    if len(value) > MOTIF_MAX_LENGTH:
        raise ChorusError(
            f"{label} : {MOTIF_MAX_LENGTH} caractères au maximum ({len(value)} saisis).",
            field=field,
        )
    return value


def party_snapshot(structure: Structure) -> dict[str, str]:
    return {
        "name": structure.name,
        "identifier_type": structure.identifier_type,
        "identifier": structure.identifier,
        "siret": structure.siret,
        "address": structure.address,
        "postal_code": structure.postal_code,
        "city": structure.city,
        "country": structure.country,
        "vat_number": structure.vat_number,
    }


def parse_decimal(value: Any, *, field: str, label: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ChorusError(f"{label} : « {value} » n'est pas un nombre.", field=field) from None
    if not result.is_finite():
        raise ChorusError(f"{label} : « {value} » n'est pas un nombre.", field=field)
    return result
