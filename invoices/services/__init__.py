"""Invoice business rules. Every status change goes through one of these functions.

Each action: `transaction.atomic()`, `select_for_update()` on the invoice, a `can_proceed` check
with a French error naming the status and the action ("La facture est au statut X : action Y
impossible", code 20002 like Chorus), the transition, `save()`, one `InvoiceEvent` row. Side
effects (routing, documents, notifications) are `Outbox` rows sent on commit (`outbox`).

Modules: `drafts` (BROUILLON, credit notes), `routing` (deposit, routing, outbox), `recipient`
(traiter la facture reçue), `supplier` (recycle, complete, rejection acknowledgement).
"""

from invoices.services.common import MOTIF_MAX_LENGTH, invoice_event_create
from invoices.services.drafts import (
    LineData,
    invoice_by_form_token,
    invoice_create_credit_note,
    invoice_create_draft,
    invoice_delete_draft,
    invoice_update_draft,
)
from invoices.services.outbox import (
    outbox_dispatch,
    outbox_dispatch_pending,
    outbox_due,
    outbox_enqueue,
    outbox_mark_processed,
)
from invoices.services.recipient import (
    RECIPIENT_ACTIONS,
    invoice_make_available_to_accounting,
    invoice_mandate,
    invoice_mark_accounted,
    invoice_mark_paid,
    invoice_mark_service_done,
    invoice_recipient_act,
    invoice_reject,
    invoice_send_to_recycle,
    invoice_suspend,
)
from invoices.services.routing import (
    deposit_problems,
    invoice_deposit,
    invoice_fail,
    invoice_route,
    invoice_submit,
    outbox_record_error,
    outbox_register_attempt,
)
from invoices.services.supplier import (
    invoice_acknowledge_rejection,
    invoice_acknowledge_suspension,
    invoice_complete,
    invoice_process_rejection,
    invoice_recycle,
)

__all__ = [
    "MOTIF_MAX_LENGTH",
    "RECIPIENT_ACTIONS",
    "LineData",
    "deposit_problems",
    "invoice_acknowledge_rejection",
    "invoice_acknowledge_suspension",
    "invoice_by_form_token",
    "invoice_complete",
    "invoice_create_credit_note",
    "invoice_create_draft",
    "invoice_delete_draft",
    "invoice_deposit",
    "invoice_event_create",
    "invoice_fail",
    "invoice_make_available_to_accounting",
    "invoice_mandate",
    "invoice_mark_accounted",
    "invoice_mark_paid",
    "invoice_mark_service_done",
    "invoice_process_rejection",
    "invoice_recipient_act",
    "invoice_recycle",
    "invoice_reject",
    "invoice_route",
    "invoice_send_to_recycle",
    "invoice_submit",
    "invoice_suspend",
    "invoice_update_draft",
    "outbox_dispatch",
    "outbox_dispatch_pending",
    "outbox_due",
    "outbox_enqueue",
    "outbox_mark_processed",
    "outbox_record_error",
    "outbox_register_attempt",
]
