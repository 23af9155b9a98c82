"""Read-side queries for invoices (style.md: selectors return querysets, services mutate)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet

from invoices.choices import RECIPIENT_VISIBLE_STATUSES, InvoiceStatus, InvoiceType
from invoices.models import Invoice, InvoiceEvent
from structures.choices import MembershipStatus
from structures.models import Membership, Structure


def _member_structures(user) -> QuerySet[Structure]:
    return Structure.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.VALIDEE
    )


def member_structure_ids(*, user) -> list[int]:
    """Ids of the structures the user is a validated member of (one query, to reuse per request)."""
    return list(_member_structures(user).order_by().values_list("pk", flat=True))


def invoice_list_issued(
    *, user, supplier: Structure | None = None, structure_ids: list[int] | None = None
) -> QuerySet[Invoice]:
    """Invoices issued by the structures the user is attached to ("Factures émises").

    `structure_ids`: the user's `member_structure_ids`, when the caller already has them.
    """
    # Resolved to ids first: with a literal supplier id the planner walks the (supplier,
    # -created_at, -id) index instead of reading all the supplier's invoices to sort them.
    if structure_ids is None:
        structure_ids = member_structure_ids(user=user)
    qs = Invoice.objects.filter(supplier_id__in=structure_ids)
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    return qs.select_related("supplier", "recipient", "service")


def invoice_list_returned(*, user, structure_ids: list[int] | None = None) -> QuerySet[Invoice]:
    """The supplier's "Synthèse": recycled, suspended, and rejected invoices not yet processed."""
    return invoice_list_issued(user=user, structure_ids=structure_ids).filter(
        status__in=[InvoiceStatus.A_RECYCLER, InvoiceStatus.SUSPENDUE, InvoiceStatus.REJETEE],
        rejection_processed_at__isnull=True,
    )


def recipient_memberships(*, user, recipient: Structure | None = None) -> list[Membership]:
    """The user's validated memberships (as recipient), with their assigned services."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user, status=MembershipStatus.VALIDEE)
    if recipient is not None:
        memberships = memberships.filter(structure=recipient)
    return list(memberships.select_related("structure").prefetch_related("services"))


def recipient_scope_q(memberships: list[Membership]) -> Q:
    """THE reach of a public agent on received invoices (issue 14 #10): the invoices of each of
    its structures, limited to its services when any are assigned to it. The back-office list, the
    invoice page, its documents and CII/UBL, the API recipient endpoints all go through it."""
    scope = Q(pk__in=[])
    for membership in memberships:
        part = Q(recipient_id=membership.structure_id)
        service_ids = [service.pk for service in membership.services.all()]
        if service_ids:
            part &= Q(service_id__in=service_ids)
        scope |= part
    return scope


def membership_covers(*, membership: Membership, invoice: Invoice) -> bool:
    """`recipient_scope_q` for one invoice already loaded."""
    if membership.structure_id != invoice.recipient_id:
        return False
    service_ids = {service.pk for service in membership.services.all()}
    return not service_ids or invoice.service_id in service_ids


def invoice_list_received(*, user, recipient: Structure | None = None) -> QuerySet[Invoice]:
    """Invoices made available to the user's public structures ("Factures reçues"), within the
    user's services (`recipient_scope_q`)."""
    memberships = recipient_memberships(user=user, recipient=recipient)
    qs = Invoice.objects.filter(
        recipient_scope_q(memberships), status__in=RECIPIENT_VISIBLE_STATUSES
    )
    return qs.select_related("supplier", "recipient", "service")


def invoice_get_for_user(*, user, invoice_id: int) -> Invoice | None:
    """The invoice if the user may see it (supplier side, or recipient side within the user's
    services), else None (→ 404)."""
    issued = Invoice.objects.filter(pk=invoice_id, supplier__in=_member_structures(user))
    invoice = issued.select_related("supplier", "recipient", "service").first()
    if invoice is not None:
        return invoice
    return invoice_list_received(user=user).filter(pk=invoice_id).first()


def invoice_timeline(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("actor").order_by("created_at", "id")


# --- list rows -----------------------------------------------------------------------------------

_TYPE_LABELS = dict(InvoiceType.choices)
_STATUS_LABELS = dict(InvoiceStatus.choices)


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One line of an invoice list: the columns the list pages show, nothing else.

    Built from `invoice_rows` (a `values()` query): no model instance, no JSON column decoded,
    no related structure loaded whole, which is most of the cost of a 50-line page.
    """

    pk: int
    number: str
    type: str
    status: str
    currency: str
    issue_date: datetime.date | None
    total_gross: Decimal
    created_at: datetime.datetime
    made_available_at: datetime.datetime | None
    recipient_siret: str
    recipient_id: int | None
    service_id: int | None
    supplier_name: str
    supplier_identifier: str
    recipient_name: str | None
    service_ref_code: str | None  # code of the linked service (not the typed `service_code`)

    def get_type_display(self) -> str:
        return _TYPE_LABELS.get(self.type, self.type)

    def get_status_display(self) -> str:
        return _STATUS_LABELS.get(self.status, self.status)


_ROW_COLUMNS = (
    "pk",
    "number",
    "type",
    "status",
    "currency",
    "issue_date",
    "total_gross",
    "created_at",
    "made_available_at",
    "recipient_siret",
    "recipient_id",
    "service_id",
)


def invoice_rows(qs: QuerySet[Invoice]) -> QuerySet:
    """`qs` reduced to the list columns; turn each item into a row with `InvoiceRow(**item)`."""
    return qs.select_related(None).values(
        *_ROW_COLUMNS,
        supplier_name=F("supplier__name"),
        supplier_identifier=F("supplier__identifier"),
        recipient_name=F("recipient__name"),
        service_ref_code=F("service__code"),
    )
