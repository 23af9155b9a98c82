"""Tell the supplier about every status change of its invoice (portal and e-mail)."""

from django.urls import reverse

from accounts.models import User
from accounts.notifications import notification_send
from invoices.choices import InvoiceStatus, OutboxKind
from invoices.models import Invoice, InvoiceEvent
from invoices.services.common import should_notify
from invoices.services.outbox import outbox_mark_processed
from structures.choices import MembershipRole, MembershipStatus


def invoice_status_change_recipients(invoice: Invoice) -> list[User]:
    """The depositor while still attached to the supplier, else the supplier's principal."""
    members = User.objects.filter(
        is_active=True,
        memberships__structure_id=invoice.supplier_id,
        memberships__status=MembershipStatus.VALIDEE,
    )
    depositor = members.filter(pk=invoice.created_by_id).first()
    if depositor is not None:
        return [depositor]
    return list(members.filter(memberships__role=MembershipRole.GESTIONNAIRE_PRINCIPAL))


def _message(event: InvoiceEvent) -> tuple[str, str]:
    invoice = event.invoice
    status = InvoiceStatus(event.to_status).label
    title = f"Facture {invoice.number or invoice.pk} : {status.lower()}"
    recipient = (invoice.recipient_snapshot or {}).get("name") or invoice.recipient_siret
    lines = [
        f"Votre facture n° {invoice.number} adressée à {recipient} est passée au statut "
        f"« {status} »."
    ]
    if event.reason:
        lines.append(f"Motif : {event.reason}")
    return title, "\n".join(lines)


def invoice_event_notify(*, event_id: int) -> int:
    """Notify once per (event, user); returns the number of people notified. Idempotent."""
    event = InvoiceEvent.objects.select_related("invoice").filter(pk=event_id).first()
    if event is None:
        return 0
    notified = 0
    if should_notify(from_status=event.from_status, to_status=event.to_status):
        title, body = _message(event)
        url = reverse("invoices:detail", args=[event.invoice_id])
        for user in invoice_status_change_recipients(event.invoice):
            notification_send(
                user=user, key=f"invoice-event-{event.pk}", title=title, body=body, url=url
            )
            notified += 1
    outbox_mark_processed(
        invoice_id=event.invoice_id, kind=OutboxKind.NOTIFY_EVENT, event_id=event.pk
    )
    return notified
