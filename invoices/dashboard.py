"""Read side of the public entities' back-office ("Factures reçues"): selectors and dashboard.

A staff member sees the invoices made available to the public structures they are validated
members of; when their membership lists services, only the invoices of those services appear in
lists and statistics (the detail page stays visible to every member of the structure, but only
an assigned member with MODIFICATION access may process it: `can_process`).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from chorus import clock
from invoices import deadlines
from invoices.choices import RECIPIENT_VISIBLE_STATUSES, InvoiceStatus, RoutingError
from invoices.models import Invoice, InvoiceEvent
from invoices.selectors import membership_covers, recipient_scope_q
from structures.choices import PAYMENT_DEADLINE_DAYS, MembershipStatus, StructureKind
from structures.models import Membership

S = InvoiceStatus
# Visible to the recipient: made available at least once, plus the invoices it sent back itself.
BACKOFFICE_STATUSES = (*RECIPIENT_VISIBLE_STATUSES, S.A_RECYCLER)
# Statuses in which the payment deadline is still running (not paid, not returned for good).
OPEN_STATUSES = (
    S.MISE_A_DISPOSITION,
    S.COMPLETEE,
    S.SUSPENDUE,
    S.SERVICE_FAIT,
    S.MANDATEE,
    S.MISE_A_DISPOSITION_COMPTABLE,
    S.COMPTABILISEE,
)


def public_memberships(*, user) -> list[Membership]:
    """The user's validated memberships of public structures, with their assigned services."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(
            user=user,
            status=MembershipStatus.VALIDEE,
            structure__kind=StructureKind.PUBLIQUE,
        )
        .select_related("structure")
        .prefetch_related("services", "structure__services")
        .order_by("structure__name")
    )


def _visible_q() -> Q:
    return Q(status__in=RECIPIENT_VISIBLE_STATUSES) | Q(
        status=S.A_RECYCLER, routing_error=RoutingError.DESTINATAIRE, recipient__isnull=False
    )


def _scope_q(memberships: list[Membership]) -> Q:
    """Invoices of each structure, limited to the member's services when any are set."""
    return recipient_scope_q(memberships)


def received_invoices(*, memberships: list[Membership]) -> QuerySet[Invoice]:
    """Invoices of the back-office list, newest first (keyset on id)."""
    return (
        Invoice.objects.filter(_scope_q(memberships))
        .filter(_visible_q())
        .select_related("supplier", "recipient", "service")
        .order_by("-id")
    )


def received_invoice_get(*, user, invoice_id: int) -> tuple[Invoice, Membership] | None:
    """The invoice and the user's membership of its recipient, or None (→ 404)."""
    invoice = (
        Invoice.objects.filter(_visible_q(), pk=invoice_id)
        .select_related("supplier", "recipient", "service")
        .first()
    )
    if invoice is None or invoice.recipient_id is None:
        return None
    membership = (
        Membership.objects.filter(
            user=user,
            structure_id=invoice.recipient_id,
            status=MembershipStatus.VALIDEE,
            structure__kind=StructureKind.PUBLIQUE,
        )
        .prefetch_related("services")
        .first()
    )
    if membership is None or not membership_covers(membership=membership, invoice=invoice):
        return None  # another service's invoice: as absent as in the list
    return invoice, membership


def can_process(*, membership: Membership, invoice: Invoice) -> bool:
    """MODIFICATION access, and assigned to the invoice's service (no service listed = all)."""
    if not membership.can_modify:
        return False
    service_ids = {service.pk for service in membership.services.all()}
    return not service_ids or invoice.service_id in service_ids


def deadline_filter_q(*, kind: str, today: datetime.date) -> Q:
    """SQL approximation of «en retard» / «échéance proche» (suspensions not deducted).

    The detail page gives the exact due date, suspensions deducted (`invoice_deadline`).
    """
    result = Q(pk__in=[])
    for category, days in PAYMENT_DEADLINE_DAYS.items():
        due_limit = today - datetime.timedelta(days=days)  # received before → late
        base = Q(recipient__public_category=category, status__in=OPEN_STATUSES)
        if kind == "late":
            result |= base & Q(made_available_at__date__lt=due_limit)
        else:
            close_limit = due_limit + datetime.timedelta(days=deadlines.CLOSE_TO_DEADLINE_DAYS)
            result |= base & Q(
                made_available_at__date__gte=due_limit, made_available_at__date__lte=close_limit
            )
    return result


def invoice_deadline(
    *, invoice: Invoice, events: list[InvoiceEvent] | None = None, as_of: datetime.date
) -> deadlines.DeadlineInfo | None:
    """Legal deadline of a received invoice, None when it cannot be computed."""
    days = deadlines.deadline_days(invoice.recipient.public_category if invoice.recipient else "")
    if days is None or invoice.made_available_at is None:
        return None
    if events is None:
        events = list(invoice.events.order_by("created_at", "id"))
    periods = deadlines.suspension_periods(
        (timezone.localtime(event.created_at).date(), event.to_status) for event in events
    )
    paid_on = invoice.payment_date if invoice.status == S.MISE_EN_PAIEMENT else None
    return deadlines.compute_deadline(
        received_on=timezone.localtime(invoice.made_available_at).date(),
        days=days,
        gross=invoice.total_gross,
        as_of=as_of,
        paid_on=paid_on,
        suspensions=periods,
    )


@dataclass
class Dashboard:
    by_status: list[tuple[str, str, int]]  # (code, label, count)
    total: int
    average_processing_days: Decimal | None
    paid_count: int
    late: list[tuple[Invoice, deadlines.DeadlineInfo]]
    close: list[tuple[Invoice, deadlines.DeadlineInfo]]

    @property
    def max_count(self) -> int:
        return max((count for _, _, count in self.by_status), default=0)


def dashboard_for(*, membership: Membership, today: datetime.date) -> Dashboard:
    """Volumes by status, average processing time, invoices late or close to the deadline."""
    invoices = list(
        received_invoices(memberships=[membership]).prefetch_related(
            Prefetch("events", queryset=InvoiceEvent.objects.order_by("created_at", "id"))
        )
    )
    counts = Counter(invoice.status for invoice in invoices)
    by_status = [(code, label, counts[code]) for code, label in S.choices if counts[code]]
    durations = [
        (invoice.payment_date - timezone.localtime(invoice.made_available_at).date()).days
        for invoice in invoices
        if invoice.status == S.MISE_EN_PAIEMENT and invoice.payment_date
        if invoice.made_available_at
    ]
    average = (
        (Decimal(sum(durations)) / len(durations)).quantize(Decimal("0.1")) if durations else None
    )
    late, close = [], []
    for invoice in invoices:
        if invoice.status not in OPEN_STATUSES:
            continue
        info = invoice_deadline(invoice=invoice, events=list(invoice.events.all()), as_of=today)
        if info is None:
            continue
        if info.is_late:
            late.append((invoice, info))
        elif info.is_close:
            close.append((invoice, info))
    late.sort(key=lambda pair: pair[1].due_date)
    close.sort(key=lambda pair: pair[1].due_date)
    return Dashboard(
        by_status=by_status,
        total=len(invoices),
        average_processing_days=average,
        paid_count=len(durations),
        late=late,
        close=close,
    )


def filter_received(
    queryset: QuerySet[Invoice], *, filters: dict, today: datetime.date | None = None
) -> QuerySet[Invoice]:
    """Apply the list filters (cleaned data of `invoices.received.forms.FilterForm`).

    `today` only matters to the deadline filter; left out, the sandbox clock is read then only.
    """
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("supplier"):
        term = filters["supplier"].strip()
        compact = term.replace(" ", "")
        queryset = queryset.filter(
            Q(supplier__name__icontains=term) | Q(supplier__identifier__startswith=compact)
        )
    if filters.get("service"):
        queryset = queryset.filter(service_id=filters["service"])
    if filters.get("number"):
        queryset = queryset.filter(number__icontains=filters["number"].strip())
    if filters.get("received_from"):
        queryset = queryset.filter(made_available_at__date__gte=filters["received_from"])
    if filters.get("received_to"):
        queryset = queryset.filter(made_available_at__date__lte=filters["received_to"])
    if filters.get("deadline") in ("late", "close"):
        if today is None:
            today = clock.today()
        queryset = queryset.filter(deadline_filter_q(kind=filters["deadline"], today=today))
    return queryset
