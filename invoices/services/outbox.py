"""The transactional outbox: every side effect of an invoice action is a row written in the same
transaction, then a Celery message sent once the transaction has committed.

Redis is not a durable queue: if the message is lost (broker down, worker killed), the row stays
pending and `outbox_sweep` (Celery beat) sends it again after a grace period. The tasks are
idempotent, so a message delivered twice does the work once (reliability-perf.md §2.2).
"""

import datetime
import functools
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoices.choices import OutboxKind
from invoices.models import Flux, Invoice, InvoiceEvent, Outbox

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *,
    kind: OutboxKind,
    invoice: Invoice | None = None,
    event: InvoiceEvent | None = None,
    flux: Flux | None = None,
    dispatch: bool = True,
) -> Outbox:
    """Record the side effect now (caller's transaction); send its task after commit.

    `dispatch=False`: a task that follows does the work itself (the routing task sends the
    deposit's notification); the row is only the guarantee, sent by the sweep if left pending.
    """
    row = Outbox(invoice=invoice, kind=kind, event=event, flux=flux)
    return outbox_enqueue_rows([(row, dispatch)])[0]


def outbox_enqueue_rows(rows: list[tuple[Outbox, bool]]) -> list[Outbox]:
    """Write the rows in one INSERT (caller's transaction); once committed, send the task of each
    row whose flag is true (the others are done by a task that follows, the sweep as fallback)."""
    saved = Outbox.objects.bulk_create([row for row, _ in rows])
    for row, (_, dispatch) in zip(saved, rows, strict=True):
        if dispatch:
            transaction.on_commit(functools.partial(outbox_dispatch, row))
    return saved


# The Celery task of each kind, registered by `InvoicesConfig.ready` (`invoices.tasks` sits above
# the services, which never import it: no import circle through the task layer).
OUTBOX_TASKS: dict[OutboxKind, Any] = {}
_ARGUMENT = {
    OutboxKind.ROUTE_INVOICE: "invoice_id",
    OutboxKind.RENDER_DOCUMENTS: "invoice_id",
    OutboxKind.NOTIFY_EVENT: "event_id",
    OutboxKind.PROCESS_FLUX: "flux_id",
}


def outbox_register_tasks(tasks: Mapping[OutboxKind, Any]) -> None:
    OUTBOX_TASKS.update(tasks)


def outbox_dispatch(row: Outbox) -> None:
    """Send the Celery task of one outbox row. A broker failure is logged, never raised: the
    deposit has committed and the sweep will send the row again."""
    kind = OutboxKind(row.kind)
    task, argument = OUTBOX_TASKS[kind], getattr(row, _ARGUMENT[kind])
    try:
        task.delay(argument)
    except Exception:
        logger.exception("Tâche %s (%s) non envoyée au broker", row.kind, row)


def outbox_dispatch_pending(*, invoice_id: int, kind: OutboxKind) -> int:
    """Send now the tasks of the invoice's pending rows of one kind (fallback of a task that was
    to do their work itself and could not)."""
    rows = list(Outbox.objects.filter(invoice_id=invoice_id, kind=kind, processed_at__isnull=True))
    for row in rows:
        outbox_dispatch(row)
    return len(rows)


def outbox_mark_processed(
    *,
    kind: OutboxKind,
    invoice_id: int | None = None,
    event_id: int | None = None,
    flux_id: int | None = None,
    error: str = "",
) -> int:
    rows = Outbox.objects.filter(kind=kind, processed_at__isnull=True)
    if invoice_id is not None:
        rows = rows.filter(invoice_id=invoice_id)
    if event_id is not None:
        rows = rows.filter(event_id=event_id)
    if flux_id is not None:
        rows = rows.filter(flux_id=flux_id)
    changes: dict = {"processed_at": timezone.now()}
    if error:
        changes["last_error"] = error[:2000]
    return rows.update(**changes)


def outbox_due(*, older_than: datetime.timedelta, limit: int = 500) -> list[Outbox]:
    """Claim pending rows older than the grace period (one per side effect) for re-sending.

    Each kind gets its own `limit`, so a backlog of one kind (notifications after an outage,
    say) cannot starve routing.
    """
    now = timezone.now()
    threshold = now - older_than
    rows: list[Outbox] = []
    with transaction.atomic():
        for kind in OutboxKind.values:
            rows += list(
                Outbox.objects.select_for_update(skip_locked=True)
                .filter(kind=kind, processed_at__isnull=True, created_at__lt=threshold)
                .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=threshold))
                .order_by("created_at")[:limit]
            )
        Outbox.objects.filter(pk__in=[row.pk for row in rows]).update(dispatched_at=now)
    unique: dict[tuple, Outbox] = {}
    for row in rows:
        unique.setdefault((row.kind, row.invoice_id, row.event_id, row.flux_id), row)
    return list(unique.values())
