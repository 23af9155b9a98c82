"""Event feed: invoice status changes and flux state changes, with a cursor and acknowledgement.

Recording: `ApiEvent` rows are written by the listeners below, which `ApiConfig.ready` registers
with `invoices.hooks`; the invoice services call those hooks inside the transaction of the change
itself, so an event exists exactly when its change is committed.

Cursor (`seq`): ids are handed out when a row is inserted, but transactions commit in any order,
so a reader past id 12 could later see id 11 appear and skip it. The cursor is therefore not the
row id but `seq`, assigned by `events_sequence` to committed rows only, in increasing order, under
a lock (a unique constraint makes a concurrent sequencer retry): an event committed later always
gets a larger `seq` than any cursor already handed out, so the feed never skips one.

Acknowledgement: `events_ack` moves the consumer's position up to a cursor; the feed starts after
max(after, acknowledged), so an acknowledged event is never returned again.
"""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet

from api.models.sandbox import ApiEvent, EventConsumer
from chorus.exceptions import ChorusError
from invoices.cdar import cdar_code
from invoices.choices import RECIPIENT_VISIBLE_STATUSES
from structures.models import Structure

FEED_MAX_PAGE = 500


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def event_record_invoice(*, invoice_event) -> ApiEvent:
    invoice = invoice_event.invoice
    to_status = invoice_event.to_status
    recipient_id = invoice.recipient_id if to_status in RECIPIENT_VISIBLE_STATUSES else None
    return ApiEvent.objects.create(
        kind=ApiEvent.Kind.INVOICE,
        invoice=invoice,
        supplier_id=invoice.supplier_id,
        recipient_id=recipient_id,
        from_state=invoice_event.from_status,
        to_state=to_status,
        payload={
            "type": "facture.statut",
            "date": _iso(invoice_event.created_at),
            "idFacture": invoice.pk,
            "numeroFacture": invoice.number,
            "statut": to_status,
            "statutPrecedent": invoice_event.from_status,
            "codeCdar": cdar_code(to_status),
            "action": invoice_event.action,
        },
    )


def event_record_flux(*, flux, from_state: str, to_state: str) -> ApiEvent:
    return ApiEvent.objects.create(
        kind=ApiEvent.Kind.FLUX,
        flux=flux,
        supplier_id=flux.supplier_id,
        from_state=from_state,
        to_state=to_state,
        payload={
            "type": "flux.etat",
            "numeroFluxDepot": flux.pk,
            "nomFichier": flux.filename,
            "syntaxeFlux": flux.syntax,
            "etat": to_state,
            "etatPrecedent": from_state,
        },
    )


def _on_invoice_status(event) -> None:
    event_record_invoice(invoice_event=event)


def _on_flux_state(flux, from_state: str, to_state: str) -> None:
    event_record_flux(flux=flux, from_state=from_state, to_state=to_state)


def events_register_listeners() -> None:
    """Called once by `ApiConfig.ready`: record the invoice domain's changes as feed events."""
    from invoices import hooks

    hooks.on_invoice_status_change(_on_invoice_status)
    hooks.on_flux_state_change(_on_flux_state)


def events_sequence() -> int:
    """Give a `seq` to every committed event without one, in id order. Returns how many."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                pending = list(
                    ApiEvent.objects.select_for_update()
                    .filter(seq__isnull=True)
                    .order_by("id")
                    .values_list("id", flat=True)[:1000]
                )
                if not pending:
                    return 0
                top = ApiEvent.objects.aggregate(top=Max("seq"))["top"] or 0
                for offset, pk in enumerate(pending, start=1):
                    ApiEvent.objects.filter(pk=pk, seq__isnull=True).update(seq=top + offset)
                return len(pending)
        except IntegrityError:  # a concurrent sequencer took these numbers: start again
            continue
    return 0


def events_visible(*, structure: Structure) -> QuerySet[ApiEvent]:
    return ApiEvent.objects.filter(seq__isnull=False).filter(
        Q(supplier=structure) | Q(recipient=structure)
    )


def event_as_json(event: ApiEvent) -> dict[str, Any]:
    return {"id": event.seq, **event.payload}


def _consumer(*, client_id: str, structure: Structure) -> EventConsumer:
    consumer, _ = EventConsumer.objects.get_or_create(client_id=client_id, structure=structure)
    return consumer


def events_feed(
    *, client_id: str, structure: Structure, after: int | None = None, limit: int = 100
) -> tuple[list[ApiEvent], int, int]:
    """Events after max(after, acknowledged), oldest first: (events, next cursor, acknowledged)."""
    events_sequence()
    acked = _consumer(client_id=client_id, structure=structure).acked_seq
    start = max(after or 0, acked)
    limit = min(max(limit, 1), FEED_MAX_PAGE)
    events = list(events_visible(structure=structure).filter(seq__gt=start).order_by("seq")[:limit])
    cursor = events[-1].seq if events else start
    return events, cursor, acked


def events_ack(*, client_id: str, structure: Structure, cursor: int) -> int:
    """Acknowledge every event up to `cursor` (never backwards). Returns the new position."""
    if cursor < 0:
        raise ChorusError("Curseur : doit être un entier positif ou nul.", field="cursor")
    events_sequence()
    top = ApiEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    if cursor > top:
        raise ChorusError(
            f"Curseur : {cursor} n'a pas encore été distribué (dernier curseur : {top}) ; "
            "acquitter plus loin ferait perdre des événements.",
            field="cursor",
        )
    with transaction.atomic():
        consumer = _consumer(client_id=client_id, structure=structure)
        consumer = EventConsumer.objects.select_for_update().get(pk=consumer.pk)
        if cursor > consumer.acked_seq:
            consumer.acked_seq = cursor
            consumer.save(update_fields=["acked_seq", "updated_at"])
    return consumer.acked_seq
