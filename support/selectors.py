"""Read-side queries of sollicitations. Every lookup checks who may see the request."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from structures.choices import MembershipStatus
from structures.models import Structure
from support.choices import Addressee
from support.models import Sollicitation, SollicitationMessage

User = get_user_model()

REQUESTER = "requester"
HANDLER = "handler"


def member_structures(*, user) -> QuerySet[Structure]:
    return Structure.objects.filter(
        memberships__user=user, memberships__status=MembershipStatus.VALIDEE
    )


def sollicitation_list_issued(*, user) -> QuerySet[Sollicitation]:
    """«Sollicitations émises»: the requests the user wrote."""
    return Sollicitation.objects.filter(requester=user).select_related("invoice", "structure")


def sollicitation_list_received(*, user) -> QuerySet[Sollicitation]:
    """«Sollicitations reçues»: requests addressed to a public structure the user belongs to."""
    return Sollicitation.objects.filter(
        addressee=Addressee.DESTINATAIRE, recipient_structure__in=member_structures(user=user)
    ).select_related("invoice", "recipient_structure")


def sollicitation_list_support() -> QuerySet[Sollicitation]:
    """Requests addressed to the platform's support (handled by staff users)."""
    return Sollicitation.objects.filter(addressee=Addressee.SUPPORT).select_related(
        "invoice", "structure"
    )


def sollicitation_role(*, user, sollicitation: Sollicitation) -> str | None:
    """REQUESTER, HANDLER or None (may not see it). A handler answers; a requester follows up."""
    if not user.is_authenticated:
        return None
    if sollicitation.requester_id == user.pk:
        return REQUESTER
    if sollicitation.addressee == Addressee.SUPPORT and user.is_staff:
        return HANDLER
    if (
        sollicitation.addressee == Addressee.DESTINATAIRE
        and sollicitation.recipient_structure_id
        and member_structures(user=user).filter(pk=sollicitation.recipient_structure_id).exists()
    ):
        return HANDLER
    return None


def sollicitation_get_for_user(*, user, pk: int) -> tuple[Sollicitation, str] | None:
    sollicitation = (
        Sollicitation.objects.select_related("invoice", "structure", "recipient_structure")
        .filter(pk=pk)
        .first()
    )
    if sollicitation is None:
        return None
    role = sollicitation_role(user=user, sollicitation=sollicitation)
    return (sollicitation, role) if role else None


def sollicitation_thread(*, sollicitation: Sollicitation) -> QuerySet[SollicitationMessage]:
    return sollicitation.messages.prefetch_related("attachments").order_by("created_at", "id")


def sollicitation_handlers(*, sollicitation: Sollicitation) -> list:
    """The users notified of a requester's new message."""
    if sollicitation.addressee == Addressee.DESTINATAIRE and sollicitation.recipient_structure_id:
        return list(
            User.objects.filter(
                memberships__structure_id=sollicitation.recipient_structure_id,
                memberships__status=MembershipStatus.VALIDEE,
                is_active=True,
            ).distinct()
        )
    return list(User.objects.filter(is_staff=True, is_active=True))


def sollicitation_route(
    *, requester, invoice: Invoice | None, member_ids: set[int] | None = None
) -> tuple[str, Structure | None]:
    """Who a request goes to: about an invoice made available to a public recipient, that
    recipient; otherwise (no invoice, an invoice never routed, the recipient asking about its own
    received invoice) the platform support. The form says the same (`member_ids` saves a query
    per invoice there)."""
    if invoice is None or invoice.recipient_id is None:
        return Addressee.SUPPORT, None
    if member_ids is None:
        member_ids = set(member_structures(user=requester).values_list("pk", flat=True))
    if invoice.recipient_id in member_ids:
        return Addressee.SUPPORT, None
    return Addressee.DESTINATAIRE, invoice.recipient


def invoices_linkable(*, user) -> QuerySet[Invoice]:
    """Invoices the user may link to a sollicitation: issued by or received by their structures."""
    issued = invoice_selectors.invoice_list_issued(user=user).values("pk")
    received = invoice_selectors.invoice_list_received(user=user).values("pk")
    return (
        (Invoice.objects.filter(pk__in=issued) | Invoice.objects.filter(pk__in=received))
        .exclude(status="BROUILLON")
        .select_related("supplier", "recipient")
    )


def invoice_find_visible(*, user, number: str) -> list[Invoice]:
    """Invoices with this number that the user may see (supplier or recipient side)."""
    if not user.is_authenticated:
        return []
    issued = invoice_selectors.invoice_list_issued(user=user).filter(number__iexact=number)
    received = invoice_selectors.invoice_list_received(user=user).filter(number__iexact=number)
    found = {invoice.pk: invoice for invoice in [*issued, *received]}
    return sorted(
        found.values(), key=lambda invoice: (invoice.created_at, invoice.pk), reverse=True
    )
