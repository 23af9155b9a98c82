"""Deposit (BROUILLON → DEPOSEE), routing to the recipient, outbox bookkeeping."""

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django_fsm import can_proceed

from accounts.models import User
from accounts.selectors import user_can_deposit
from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import (
    InvoiceStatus,
    OutboxKind,
)
from invoices.lines import LineData
from invoices.models import Invoice, InvoiceLine, Outbox
from invoices.rules.base import Violation
from invoices.rules.catalogue import DUE_DATE_BEFORE_ISSUE, SELF_BILLING
from invoices.rules.document import check_dates, check_not_self_billing
from invoices.rules.numbering import duplicate_message
from invoices.rules.routing import RoutingData, find_recipient, routing_evaluate
from invoices.services.common import (
    apply_transition,
    bank_snapshot,
    ensure_can,
    lock_invoice,
    party_snapshot,
    require_member,
)
from invoices.services.drafts import _apply_header as apply_header
from invoices.services.drafts import _clean_line as clean_line
from invoices.services.drafts import _clean_lines as clean_lines
from invoices.services.drafts import draft_build, store_lines, store_totals
from invoices.services.outbox import (
    outbox_enqueue,
    outbox_mark_processed,
)
from invoices.validators import intracom_parties_check, out_of_scope_alone_check
from invoices.vocabulary import InvoiceAction
from structures.models import Service, Structure

logger = logging.getLogger(__name__)


def enqueue_routing(invoice: Invoice) -> None:
    outbox_enqueue(invoice=invoice, kind=OutboxKind.ROUTE_INVOICE)


def _required_problems(invoice: Invoice, has_lines: bool) -> list[ChorusError]:
    """Every deposit requirement the invoice misses (the deposit raises the first one)."""
    problems = []
    required = [
        ("number", "Numéro de facture"),
        ("issue_date", "Date de facture"),
        ("recipient_siret", "SIRET du destinataire"),
        ("type", "Type de facture"),
        ("cadre", "Cadre de facturation"),
    ]
    for name, label in required:
        if not getattr(invoice, name):
            problems.append(
                ChorusError(f"{label} : obligatoire pour déposer la facture.", field=name)
            )
    if not has_lines:
        problems.append(
            ChorusError("Lignes : une facture comporte au moins une ligne.", field="lines")
        )
    # The deposit rules of invoices/rules (the pré-contrôle applies the same, same reason codes).
    for violation in (
        check_dates(invoice.issue_date, invoice.due_date, supplier_id=invoice.supplier_id),
        check_not_self_billing(
            recipient_siret=invoice.recipient_siret, supplier_siret=invoice.supplier.siret
        ),
    ):
        if violation is not None:
            problems.append(_as_error(violation))
    return problems


def _as_error(violation: Violation) -> ChorusError:
    """A broken deposit rule as the ChorusError the channels show (code: its reason code)."""
    field = {DUE_DATE_BEFORE_ISSUE: "due_date", SELF_BILLING: "recipient_siret"}.get(
        violation.rule, "issue_date"
    )
    return ChorusError(violation.message, field=field, code=violation.code)


def deposit_check(*, supplier: Structure, lines: Iterable[Any], **fields: Any) -> None:
    """Raise the ChorusError the deposit of these fields would raise about the invoice itself
    (header, lines, required fields, deposit rules), writing nothing and needing no user: the
    pré-contrôle predicts a flux deposit with it."""
    invoice = Invoice(supplier=supplier)
    apply_header(invoice, fields)
    cleaned = clean_lines(lines)
    store_totals(invoice, cleaned)
    _check_required_for_deposit(invoice, cleaned)


def _check_required_for_deposit(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    problems = _required_problems(invoice, bool(lines))
    if problems:
        raise problems[0]


def deposit_problems(
    *,
    supplier: Structure,
    by: User,
    lines: Iterable[LineData | Mapping[str, Any]],
    **fields: Any,
) -> list[ChorusError]:
    """Every reason `invoice_deposit` would refuse these data, all at once and nothing written
    (the portal's entry form shows them together): the same header, line and deposit checks."""
    problems: list[ChorusError] = []
    try:
        require_member(user=by, structure=supplier, role_label="fournisseur")
    except ChorusError as exc:
        return [exc]
    if not supplier.is_active:
        problems.append(ChorusError("Fournisseur : la structure est inactive.", field="supplier"))
    invoice = Invoice(supplier=supplier, created_by=by)
    refused: set[str] = set()
    for name, value in fields.items():
        try:
            apply_header(invoice, {name: value})
        except ChorusError as exc:
            problems.append(exc)
            refused.add(name)
            setattr(invoice, name, None if name in ("issue_date", "due_date") else "")
    lines = list(lines)
    cleaned = []
    for position, raw in enumerate(lines, start=1):
        try:
            cleaned.append(clean_line(position, raw))
        except ChorusError as exc:
            problems.append(exc)
    recipient = find_recipient(invoice.recipient_siret or "")
    vat_checks = (
        lambda: out_of_scope_alone_check(lines=cleaned),
        lambda: intracom_parties_check(
            lines=cleaned,
            supplier=party_snapshot(supplier),
            recipient=party_snapshot(recipient) if recipient is not None else None,
        ),
    )
    for check in vat_checks:
        try:
            check()
        except ChorusError as exc:
            problems.append(exc)
    problems += [
        problem
        for problem in _required_problems(invoice, bool(lines))
        if problem.field not in refused
    ]
    try:
        _check_terms(by)
    except ChorusError as exc:
        problems.append(exc)
    return problems


def _duplicate_number(invoice: Invoice) -> ChorusError:
    return ChorusError(
        duplicate_message(number=invoice.number, year=invoice.number_year),
        field="number",
        code="doublon",
    )


def _check_terms(by: User) -> None:
    if not user_can_deposit(user=by):
        raise ChorusError(
            "Conditions d'utilisation : acceptez les CGU et le mandat de facturation en "
            "vigueur avant de déposer une facture.",
            field="terms",
            code="cgu",
        )


def _deposit(invoice: Invoice, lines: list[InvoiceLine], *, by: User, new: bool) -> Invoice:
    """BROUILLON → DEPOSEE of a checked depositor's invoice (caller holds the atomic): the deposit
    checks, frozen totals, party snapshots, the transition and its event, the outbox rows.
    `new`: the invoice and its lines are written here for the first time (one INSERT each)."""
    _check_required_for_deposit(invoice, lines)
    store_totals(invoice, lines)
    invoice.supplier_snapshot = party_snapshot(invoice.supplier) | bank_snapshot(invoice)
    recipient = find_recipient(invoice.recipient_siret)
    if recipient is not None:
        invoice.recipient_snapshot = party_snapshot(recipient)
    intracom_parties_check(
        lines=lines,
        supplier=invoice.supplier_snapshot,
        recipient=invoice.recipient_snapshot if recipient is not None else None,
    )
    try:
        with transaction.atomic():
            # The duplicate check is the unique constraint on (supplier, year, number) outside
            # rejected invoices (drafts have no year yet): race-free, and no SELECT before.
            apply_transition(
                invoice,
                "submit",
                action=InvoiceAction.DEPOSITED,
                actor=by,
                at=clock.now_for_invoice(invoice),
                event_data={"total_gross": str(invoice.total_gross)},
                notified_by_routing=True,
                side_effects=[OutboxKind.ROUTE_INVOICE, OutboxKind.RENDER_DOCUMENTS],
            )
    except IntegrityError:
        raise _duplicate_number(invoice) from None
    if new:
        store_lines(invoice, lines)
    return invoice


def invoice_submit(*, invoice_id: int, by: User) -> Invoice:
    """BROUILLON → DEPOSEE: checks, frozen totals, party snapshot, outbox row, routing task."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        ensure_can(invoice, "submit")
        require_member(user=by, structure=invoice.supplier, role_label="fournisseur")
        _check_terms(by)
        if not invoice.supplier.is_active:
            raise ChorusError("Fournisseur : la structure est inactive.", field="supplier")
        return _deposit(invoice, list(invoice.lines.all()), by=by, new=False)


def invoice_deposit(
    *,
    supplier: Structure,
    by: User,
    lines: Iterable[LineData | Mapping[str, Any]],
    check: Callable[[Invoice], None] | None = None,
    form_token: uuid.UUID | None = None,
    **fields: Any,
) -> Invoice:
    """Create and deposit in one write (the API's `soumettre`): the checks, the deposit event and
    the outbox rows of `invoice_create_draft` then `invoice_submit`, without writing a draft first
    (no draft INSERT, UPDATE and re-reads: issue 9, P1). `check` runs on the complete, totalled
    invoice before anything is written (the API's amount check)."""
    # draft_build checks the membership and that the supplier is active.
    invoice, cleaned = draft_build(supplier=supplier, by=by, lines=lines, **fields)
    invoice.form_token = form_token  # unique per supplier: a concurrent twin of the form fails
    if check is not None:
        check(invoice)
    _check_terms(by)
    with transaction.atomic():
        return _deposit(invoice, cleaned, by=by, new=True)


class Unroutable(Exception):
    """The routing data is wrong: the invoice goes to A_RECYCLER with this code and detail."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error, self.detail = error, detail


def routing_check(invoice: Invoice) -> tuple[Structure, Service | None]:
    """Resolve recipient and service with the routing rules (`invoices.rules.routing`, the same
    evaluation as the flux and the pré-contrôle), or raise `Unroutable` (§4.4, §6.3)."""
    routing = routing_evaluate(routing_data_of(invoice))
    if routing.violation is not None or routing.recipient is None:
        violation = routing.violation
        assert violation is not None
        raise Unroutable(violation.code, violation.message)
    return routing.recipient, routing.service


def routing_data_of(invoice: Invoice) -> RoutingData:
    return RoutingData(
        recipient_siret=invoice.recipient_siret,
        service_code=invoice.service_code,
        ej_number=invoice.ej_number,
        supplier_siret=invoice.supplier.siret,
    )


def invoice_route(*, invoice_id: int) -> Invoice:
    """DEPOSEE → EN_COURS_ACHEMINEMENT → MISE_A_DISPOSITION or A_RECYCLER. Safe to run twice.

    A second run (task redelivered, outbox sweep) finds the status already advanced and only marks
    the outbox rows processed.
    """
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if invoice.status == InvoiceStatus.DEPOSEE:
            # Written with the verdict just below (both branches save), in this transaction.
            apply_transition(
                invoice, "start_routing", action=InvoiceAction.ROUTING_STARTED, save=False
            )
        if invoice.status == InvoiceStatus.EN_COURS_ACHEMINEMENT:
            try:
                recipient, service = routing_check(invoice)
            except Unroutable as verdict:
                apply_transition(
                    invoice,
                    "refuse_routing",
                    action=InvoiceAction.ROUTING_REFUSED,
                    event_reason=verdict.detail,
                    event_data={"error": str(verdict.error)},
                    error=verdict.error,
                    detail=verdict.detail,
                    notified_by_routing=True,
                )
            else:
                invoice.recipient_snapshot = party_snapshot(recipient)
                apply_transition(
                    invoice,
                    "make_available",
                    action=InvoiceAction.MADE_AVAILABLE,
                    event_data={"recipient": recipient.pk, "service": getattr(service, "pk", None)},
                    recipient=recipient,
                    service=service,
                    at=clock.now_for_invoice(invoice),
                    notified_by_routing=True,
                )
        outbox_mark_processed(invoice_id=invoice.pk, kind=OutboxKind.ROUTE_INVOICE)
    return invoice


def invoice_fail(*, invoice_id: int, error: str) -> Invoice:
    """Poison message: routing keeps failing for a technical reason. Stops the retries."""
    with transaction.atomic():
        invoice = lock_invoice(invoice_id)
        if can_proceed(invoice.fail):
            apply_transition(
                invoice,
                "fail",
                action=InvoiceAction.TECHNICAL_ERROR,
                event_reason=error,
                error=error[:2000],
                notified_by_routing=True,
            )
        outbox_mark_processed(invoice_id=invoice.pk, kind=OutboxKind.ROUTE_INVOICE, error=error)
    return invoice


def outbox_register_attempt(*, invoice_id: int) -> int:
    """Count one more execution on the pending rows (own transaction); return the highest count.

    One `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35), its own transaction in autocommit: the
    row locks it takes serialise two concurrent executions as SELECT … FOR UPDATE then UPDATE did,
    in one round trip instead of four. The count stops at CHORUS_ROUTING_MAX_ATTEMPTS + 1, the
    execution that gives up: two copies of a poison message that give up at once (the sweep
    re-sent it meanwhile) both read that value instead of counting a phantom extra attempt.
    """
    give_up = settings.CHORUS_ROUTING_MAX_ATTEMPTS + 1
    table = connections[Outbox.objects.db].ops.quote_name(Outbox._meta.db_table)
    sql = (
        # The table name comes from the model; every value is bound.
        f"UPDATE {table} "  # noqa: S608  # nosec B608
        "SET attempts = CASE WHEN attempts >= %s THEN attempts ELSE attempts + 1 END "
        "WHERE invoice_id = %s AND kind = %s AND processed_at IS NULL RETURNING attempts"
    )
    with connections[Outbox.objects.db].cursor() as cursor:
        cursor.execute(sql, [give_up, invoice_id, OutboxKind.ROUTE_INVOICE.value])
        counts = [row[0] for row in cursor.fetchall()]
    return max(counts, default=0)


def outbox_record_error(*, invoice_id: int, error: str) -> None:
    Outbox.objects.filter(
        invoice_id=invoice_id, kind=OutboxKind.ROUTE_INVOICE, processed_at__isnull=True
    ).update(last_error=error[:2000])
