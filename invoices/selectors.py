"""Read-side queries for invoices (style.md: selectors return querysets, services mutate)."""

from django.db.models import QuerySet

from invoices.choices import RECIPIENT_VISIBLE_STATUSES, InvoiceStatus
from invoices.models import Invoice, InvoiceEvent
from structures.choices import MembershipStatus
from structures.models import Structure


def _member_structures(user) -> QuerySet[Structure]:
    return Structure.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.VALIDEE
    )


def invoice_list_issued(*, user, supplier: Structure | None = None) -> QuerySet[Invoice]:
    """Invoices issued by the structures the user is attached to ("Factures émises")."""
    # Resolved to ids first: with a literal supplier id the planner walks the (supplier,
    # -created_at, -id) index instead of reading all the supplier's invoices to sort them.
    supplier_ids = list(_member_structures(user).values_list("pk", flat=True))
    qs = Invoice.objects.filter(supplier_id__in=supplier_ids)
    if supplier is not None:
        qs = qs.filter(supplier=supplier)
    return qs.select_related("supplier", "recipient", "service")


def invoice_list_returned(*, user) -> QuerySet[Invoice]:
    """The supplier's "Synthèse": recycled, suspended, and rejected invoices not yet processed."""
    return invoice_list_issued(user=user).filter(
        status__in=[InvoiceStatus.A_RECYCLER, InvoiceStatus.SUSPENDUE, InvoiceStatus.REJETEE],
        rejection_processed_at__isnull=True,
    )


def invoice_list_received(*, user, recipient: Structure | None = None) -> QuerySet[Invoice]:
    """Invoices made available to the user's public structures ("Factures reçues")."""
    qs = Invoice.objects.filter(
        recipient__in=_member_structures(user), status__in=RECIPIENT_VISIBLE_STATUSES
    )
    if recipient is not None:
        qs = qs.filter(recipient=recipient)
    return qs.select_related("supplier", "recipient", "service")


def invoice_get_for_user(*, user, invoice_id: int) -> Invoice | None:
    """The invoice if the user may see it (supplier side or recipient side), else None (→ 404)."""
    structures = _member_structures(user)
    issued = Invoice.objects.filter(pk=invoice_id, supplier__in=structures)
    received = Invoice.objects.filter(
        pk=invoice_id, recipient__in=structures, status__in=RECIPIENT_VISIBLE_STATUSES
    )
    return (issued | received).select_related("supplier", "recipient", "service").first()


def invoice_timeline(*, invoice: Invoice) -> QuerySet[InvoiceEvent]:
    return invoice.events.select_related("actor").order_by("created_at", "id")
