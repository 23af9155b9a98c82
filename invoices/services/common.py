"""Helpers shared by the invoice services: locking, status check, transition + event."""

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any

from django_fsm import ConcurrentTransition, can_proceed

from accounts.models import User
from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import OutboxKind
from invoices.hooks import invoice_status_changed
from invoices.models import Invoice, InvoiceEvent, Outbox
from invoices.services.outbox import outbox_enqueue_rows
from invoices.validators import text_check
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
    event = InvoiceEvent.objects.create(
        invoice=invoice,
        action=action,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:500],
        data=dict(data or {}),
        created_at=clock.now_for_invoice(invoice),
    )
    invoice_status_changed(event=event)  # e.g. the API event feed, in this same transaction
    return event


def lock_invoice(invoice_id: int) -> Invoice:
    """The invoice row locked FOR UPDATE, its supplier fetched in the same query (every caller
    checks the supplier's membership); only the invoice row is locked (`of=("self",)`)."""
    try:
        return (
            Invoice.objects.select_related("supplier")
            .select_for_update(of=("self",))
            .get(pk=invoice_id)
        )
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


def transition_target(method_name: str) -> str | None:
    """The status a transition of Invoice leads to (None when it depends on the source)."""
    meta = getattr(Invoice, method_name)._django_fsm
    targets = {transition.target for transition in meta.transitions.values()}
    return targets.pop() if len(targets) == 1 else None


def _comparable(data: Mapping[str, Any] | None) -> dict[str, str]:
    """Event data as compared by `already_applied`: the day an action defaults to (`on`: today)
    is not part of what was asked."""
    return {k: str(v) for k, v in (data or {}).items() if k != "on"}


def already_applied(
    invoice: Invoice,
    method_name: str,
    *,
    action: str,
    event_reason: str = "",
    event_data: Mapping[str, Any] | None = None,
) -> bool:
    """True when the locked invoice already stands where this very action would put it: same
    action, same motif, same data (a repeated request, a double click) — success, nothing changes.

    When the invoice already stands in that status through another action, or the same action with
    another motif (a concurrent request that won), the caller is refused (20002), never told that
    its own action succeeded (issue 14 item 18). Call it only once `can_proceed` has said no.
    """
    target = transition_target(method_name)
    if target is None or invoice.status != target:
        return False
    arrival = (
        invoice.events.filter(to_status=target)
        .exclude(from_status=target)
        .order_by("-created_at", "-id")
        .first()
    )
    if arrival is None:
        return False  # no trace of how it got there: the usual refusal (ensure_can)
    if (
        arrival.action == action
        and arrival.reason == event_reason[:500]
        and _comparable(arrival.data) == _comparable(event_data)
    ):
        return True
    detail = f" (motif : « {arrival.reason} »)" if arrival.reason else ""
    raise ChorusError(
        f"La facture est déjà au statut « {invoice.get_status_display()} »{detail} par une autre "
        f"action que la vôtre : action « {ACTION_LABELS[method_name]} » impossible, elle n'a pas "
        "été appliquée.",
        field="status",
        code="20002",
    )


def apply_transition(
    invoice: Invoice,
    method_name: str,
    *,
    action: str,
    actor: User | None = None,
    event_reason: str = "",
    event_data: Mapping[str, Any] | None = None,
    save: bool = True,
    notified_by_routing: bool = False,
    side_effects: Sequence[OutboxKind] = (),
    **kwargs: Any,
) -> Invoice:
    """Run one transition on a locked invoice, save it and log it (caller holds the atomic).

    `save=False` is for a transition the caller follows with another one in the same transaction
    (routing: DEPOSEE → EN_COURS_ACHEMINEMENT → …): the row is written once, by the last one; the
    event of each transition is logged all the same.

    `notified_by_routing=True` (deposit, routing verdicts): the routing task sends the supplier's
    notification once committed, instead of a task of its own; the outbox row is the fallback.

    `side_effects`: outbox rows of the invoice (routing, rendering) written with the notification's
    in one INSERT, each task sent once committed.
    """
    method = ensure_can(invoice, method_name)
    from_status = invoice.status
    method(**kwargs)
    if save:
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
    rows = [(Outbox(invoice=invoice, kind=kind), True) for kind in side_effects]
    if should_notify(from_status=from_status, to_status=invoice.status):
        notify = Outbox(invoice=invoice, kind=OutboxKind.NOTIFY_EVENT, event=event)
        rows.append((notify, not notified_by_routing))
    if rows:
        outbox_enqueue_rows(rows)
    return invoice


def should_notify(*, from_status: str, to_status: str) -> bool:
    """Every real status change is notified to the supplier, except transient ones."""
    return bool(to_status) and to_status != from_status and to_status not in SILENT_STATUSES


# (user, structure) pairs already found members, inside `membership_checks_memoised()` only.
_checked_members: ContextVar[set[tuple[int, int]] | None] = ContextVar(
    "checked_members", default=None
)


@contextlib.contextmanager
def membership_checks_memoised() -> Iterator[None]:
    """Within one request that chains several services on the same structure (the API deposit:
    draft, update, submit in one transaction), check each membership once instead of each time."""
    token = _checked_members.set(set())
    try:
        yield
    finally:
        _checked_members.reset(token)


def require_member(*, user: User | None, structure: Structure | None, role_label: str) -> None:
    if user is None or structure is None:
        raise ChorusError(f"Action réservée à la structure {role_label}.", code="interdit")
    checked = _checked_members.get()
    if checked is not None and (user.pk, structure.pk) in checked:
        return
    if not Membership.objects.filter(
        user=user, structure=structure, status=MembershipStatus.VALIDEE
    ).exists():
        raise ChorusError(
            f"Vous n'êtes pas rattaché à la structure {role_label} « {structure.name} ».",
            code="interdit",
        )
    if checked is not None:
        checked.add((user.pk, structure.pk))


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
    text_check(value=value, field_label=label, field=field, multiline=True)
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


def bank_snapshot(invoice) -> dict[str, str]:
    """IBAN/BIC of the invoice's chosen bank account, else of the supplier's default active one
    (issue 15): written into the supplier snapshot at deposit, read by the CII/UBL writers."""
    from structures.models import BankAccount

    account = invoice.bank_account if invoice.bank_account_id else None
    if account is not None and account.structure_id != invoice.supplier_id:
        raise ChorusError(
            "Coordonnées bancaires : le compte choisi n'appartient pas au fournisseur.",
            field="bank_account",
        )
    if account is None:
        account = BankAccount.objects.filter(
            structure_id=invoice.supplier_id, is_active=True, is_default=True
        ).first()
        if account is not None:
            invoice.bank_account = account
    if account is None:
        return {}
    return {"iban": account.iban, "bic": account.bic, "bank_account_label": account.label}


def parse_decimal(value: Any, *, field: str, label: str) -> Decimal:
    try:
        result = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ChorusError(f"{label} : « {value} » n'est pas un nombre.", field=field) from None
    if not result.is_finite():
        raise ChorusError(f"{label} : « {value} » n'est pas un nombre.", field=field)
    return result
