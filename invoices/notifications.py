"""Tell the supplier about every status change of its invoice (portal and e-mail)."""

from django.core.mail import get_connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import NotificationItem, notification_send, notification_send_many
from invoices.choices import InvoiceStatus, OutboxKind
from invoices.models import Invoice, InvoiceEvent, Outbox
from invoices.services.common import should_notify
from invoices.services.outbox import outbox_mark_processed
from structures.choices import MembershipRole, MembershipStatus

# What the task reads: one row per event, no model instances (it runs twice per invoice).
_EVENT_FIELDS = (
    "invoice_id",
    "from_status",
    "to_status",
    "reason",
    "invoice__number",
    "invoice__recipient_snapshot",
    "invoice__recipient_siret",
    "invoice__supplier_id",
    "invoice__created_by_id",
)
# Only what sending needs (notification_email), not the whole account.
_RECIPIENT_FIELDS = ("id", "email", "contact_email")


def _recipients(*, supplier_id: int, created_by_id: int | None) -> list[User]:
    # One filter() call per query: the role must be that of the same membership (a second
    # filter() would join memberships again and take a principal of another structure).
    member = {
        "is_active": True,
        "memberships__structure_id": supplier_id,
        "memberships__status": MembershipStatus.VALIDEE,
    }
    users = User.objects.only(*_RECIPIENT_FIELDS)
    depositor = users.filter(pk=created_by_id, **member).first()
    if depositor is not None:
        return [depositor]
    return list(users.filter(memberships__role=MembershipRole.GESTIONNAIRE_PRINCIPAL, **member))


def invoice_status_change_recipients(invoice: Invoice) -> list[User]:
    """The depositor while still attached to the supplier, else the supplier's principal."""
    return _recipients(supplier_id=invoice.supplier_id, created_by_id=invoice.created_by_id)


def _message(row: dict) -> tuple[str, str]:
    status = InvoiceStatus(row["to_status"]).label
    number = row["invoice__number"]
    title = f"Facture {number or row['invoice_id']} : {status.lower()}"
    recipient = (row["invoice__recipient_snapshot"] or {}).get("name") or row[
        "invoice__recipient_siret"
    ]
    lines = [f"Votre facture n° {number} adressée à {recipient} est passée au statut « {status} »."]
    if row["reason"]:
        lines.append(f"Motif : {row['reason']}")
    return title, "\n".join(lines)


def _notify(row: dict, recipients: list[User]) -> int:
    notified = 0
    if should_notify(from_status=row["from_status"], to_status=row["to_status"]):
        title, body = _message(row)
        url = reverse("invoices:detail", args=[row["invoice_id"]])
        for user in recipients:
            notification_send(
                user=user,
                key=f"invoice-event-{row['id']}",
                title=title,
                body=body,
                url=url,
            )
            notified += 1
    outbox_mark_processed(
        invoice_id=row["invoice_id"], kind=OutboxKind.NOTIFY_EVENT, event_id=row["id"]
    )
    return notified


def _recipients_of(row: dict) -> list[User]:
    return _recipients(
        supplier_id=row["invoice__supplier_id"], created_by_id=row["invoice__created_by_id"]
    )


def invoice_event_notify(*, event_id: int) -> int:
    """Notify once per (event, user); returns the number of people notified. Idempotent."""
    row = InvoiceEvent.objects.filter(pk=event_id).values("id", *_EVENT_FIELDS).first()
    if row is None:
        return 0
    recipients = _recipients_of(row) if should_notify(**_statuses(row)) else []
    return _notify(row, recipients)


def _statuses(row: dict) -> dict[str, str]:
    return {"from_status": row["from_status"], "to_status": row["to_status"]}


def invoice_notify_pending(*, invoice_id: int) -> int:
    """Send every notification of the invoice still pending in the outbox, oldest first.

    The routing task calls it once its transaction has committed: the deposit and the routing
    verdict are notified by that one task instead of one task per event (issue 9, P2). Events are
    read in one query and the recipients once (same invoice, same people). Each person gets one
    in-app notification per event but a single e-mail for all of them («déposée, puis mise à
    disposition du destinataire»), over one mail connection. Idempotent, like
    `invoice_event_notify`; a row left pending is sent again by the outbox sweep.
    """
    rows = list(
        InvoiceEvent.objects.filter(
            pk__in=Outbox.objects.filter(
                invoice_id=invoice_id, kind=OutboxKind.NOTIFY_EVENT, processed_at__isnull=True
            ).values("event_id")
        )
        .order_by("pk")
        .values("id", *_EVENT_FIELDS)
    )
    if not rows:
        return 0
    notifying = [row for row in rows if should_notify(**_statuses(row))]
    notified = 0
    if notifying:
        url = reverse("invoices:detail", args=[invoice_id])
        items = [
            NotificationItem(f"invoice-event-{row['id']}", *_message(row), url) for row in notifying
        ]
        first = notifying[0]
        statuses = ", puis ".join(
            InvoiceStatus(row["to_status"]).label.lower() for row in notifying
        )
        subject = f"Facture {first['invoice__number'] or invoice_id} : {statuses}"
        with get_connection() as connection:  # one SMTP session for everyone
            for user in _recipients_of(first):
                notification_send_many(
                    user=user, items=items, subject=subject, connection=connection
                )
                notified += len(items)
    Outbox.objects.filter(
        kind=OutboxKind.NOTIFY_EVENT,
        processed_at__isnull=True,
        event_id__in=[row["id"] for row in rows],
    ).update(processed_at=timezone.now())
    return notified
