"""Celery tasks: thin, PK-only, idempotent wrappers around services (style.md R4).

Delivery guarantee (reliability-perf.md §2): the deposit writes an `Outbox` row in its transaction
and enqueues `route_invoice` on commit; `outbox_sweep` (beat) re-enqueues rows left unprocessed.
Poison cap: every execution counts on the outbox row; past `CHORUS_ROUTING_MAX_ATTEMPTS`, or once
Celery's retries are exhausted, the invoice goes to ERREUR_TECHNIQUE instead of looping.
The routing task also sends the deposit's and the verdict's notifications after its commit
(their outbox rows are written undispatched; the sweep sends any left pending).
"""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from invoices.vocabulary import InvoiceAction

logger = logging.getLogger(__name__)

ROUTE_MAX_RETRIES = 5
# Transient failures worth retrying with backoff (lost DB connection, lock timeout, deadlock…).
RETRYABLE_ERRORS = (DatabaseError, ConnectionError, TimeoutError)


def _max_attempts() -> int:
    return settings.CHORUS_ROUTING_MAX_ATTEMPTS


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=ROUTE_MAX_RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def route_invoice(self, invoice_id: int) -> str:
    try:
        return _route(self, invoice_id)
    finally:
        _send_notifications(invoice_id)


def _route(task, invoice_id: int) -> str:
    from invoices.services import (
        invoice_fail,
        invoice_route,
        outbox_record_error,
        outbox_register_attempt,
    )

    attempts = outbox_register_attempt(invoice_id=invoice_id)
    if attempts > _max_attempts():
        invoice = invoice_fail(
            invoice_id=invoice_id, error=f"Acheminement abandonné après {attempts - 1} tentatives."
        )
        return invoice.status
    try:
        invoice = invoice_route(invoice_id=invoice_id)
    except RETRYABLE_ERRORS as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("route_invoice %s: %s (tentative %s)", invoice_id, error, attempts)
        if task.request.retries >= task.max_retries:
            invoice = invoice_fail(invoice_id=invoice_id, error=error)
            return invoice.status
        outbox_record_error(invoice_id=invoice_id, error=error)
        raise  # autoretry_for schedules the retry with exponential backoff
    return invoice.status


def _send_notifications(invoice_id: int) -> None:
    """The deposit's and the verdict's notifications, sent by the routing task once committed
    (one task per invoice instead of three). Never raises: on failure each pending row gets its
    own task (retries with backoff), and if even that fails the outbox sweep sends them."""
    from invoices.choices import OutboxKind
    from invoices.notifications import invoice_notify_pending
    from invoices.services import outbox_dispatch_pending

    try:
        invoice_notify_pending(invoice_id=invoice_id)
    except Exception:
        logger.exception("route_invoice %s : notifications renvoyées à leur tâche", invoice_id)
        try:
            outbox_dispatch_pending(invoice_id=invoice_id, kind=OutboxKind.NOTIFY_EVENT)
        except Exception:
            logger.exception("route_invoice %s : notifications laissées au balayage", invoice_id)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=180)
def outbox_sweep() -> int:
    """Send again the outbox rows still unprocessed after the grace period (beat)."""
    from invoices.services import outbox_dispatch, outbox_due

    grace = settings.CHORUS_OUTBOX_GRACE_SECONDS
    rows = outbox_due(older_than=datetime.timedelta(seconds=grace))
    for row in rows:
        outbox_dispatch(row)
    if rows:
        logger.info("outbox_sweep: %s tâche(s) renvoyée(s)", len(rows))
    return len(rows)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(*RETRYABLE_ERRORS, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=180,
)
def render_invoice_documents(invoice_id: int) -> int:
    """Render and archive the Factur-X and the deposit certificate (idempotent)."""
    from invoices.choices import OutboxKind
    from invoices.documents import invoice_render_documents
    from invoices.services import outbox_mark_processed

    try:
        stored = invoice_render_documents(invoice_id=invoice_id)
    except (*RETRYABLE_ERRORS, OSError):
        raise  # transient: autoretry_for retries with backoff, the sweep after that
    except Exception as exc:  # the document cannot be rendered: say so, never loop on it
        logger.exception("render_invoice_documents %s : rendu impossible", invoice_id)
        _record_render_failure(invoice_id=invoice_id, error=f"{type(exc).__name__}: {exc}")
        return 0
    outbox_mark_processed(invoice_id=invoice_id, kind=OutboxKind.RENDER_DOCUMENTS)
    return len(stored)


RENDER_FAILED_ACTION = InvoiceAction.DOCUMENTS_FAILED


def _record_render_failure(*, invoice_id: int, error: str) -> None:
    """The outbox row is closed with its error (admin) and the invoice's history says, in
    French, that its documents could not be produced (invoice page), once."""
    from django.db import transaction

    from invoices.choices import OutboxKind
    from invoices.models import Invoice
    from invoices.services import invoice_event_create, outbox_mark_processed

    with transaction.atomic():
        outbox_mark_processed(
            invoice_id=invoice_id, kind=OutboxKind.RENDER_DOCUMENTS, error=error or "erreur"
        )
        invoice = Invoice.objects.filter(pk=invoice_id).first()
        if invoice is None or invoice.events.filter(action=RENDER_FAILED_ACTION).exists():
            return
        invoice_event_create(
            invoice=invoice,
            action=RENDER_FAILED_ACTION,
            reason="Documents (Factur-X, attestation de dépôt) impossibles à produire : "
            "l'incident est signalé à l'administrateur de la plateforme.",
            data={"error": error[:500]},
        )


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(*RETRYABLE_ERRORS, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def notify_invoice_event(event_id: int) -> int:
    """Notify the supplier of one status change, in the portal and by e-mail (idempotent)."""
    from invoices.notifications import invoice_event_notify

    return invoice_event_notify(event_id=event_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300)
def process_flux(flux_id: int) -> str:
    """Validate and integrate a deposited flow (idempotent; schematron runs in the worker)."""
    from invoices.choices import OutboxKind
    from invoices.flux.services import flux_process
    from invoices.services import outbox_mark_processed

    flux = flux_process(flux_id=flux_id)
    outbox_mark_processed(kind=OutboxKind.PROCESS_FLUX, flux_id=flux_id)
    return flux.state
