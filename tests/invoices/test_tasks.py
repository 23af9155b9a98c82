"""Routing task: on_commit wiring, idempotency, retries, poison cap, and the outbox sweep."""

import datetime

import pytest
from django.db import OperationalError
from django.utils import timezone

from invoices import services
from invoices.choices import InvoiceStatus, OutboxKind
from invoices.models import Outbox
from invoices.tasks import ROUTE_MAX_RETRIES, outbox_sweep, route_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposited(invoice_in):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    Outbox.objects.create(invoice=invoice)
    return invoice


def age(outbox: Outbox, seconds: int, *, dispatched: int | None = None) -> None:
    now = timezone.now()
    Outbox.objects.filter(pk=outbox.pk).update(
        created_at=now - datetime.timedelta(seconds=seconds),
        dispatched_at=None if dispatched is None else now - datetime.timedelta(seconds=dispatched),
    )


def test_deposit_routes_the_invoice_once_the_transaction_commits(
    invoice_in, supplier_user, django_capture_on_commit_callbacks
):
    draft = invoice_in(InvoiceStatus.BROUILLON)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.invoice_submit(invoice_id=draft.pk, by=supplier_user)
        draft.refresh_from_db()
        assert draft.status == InvoiceStatus.DEPOSEE  # nothing ran inside the transaction
    assert callbacks  # routing, documents and notifications ran once committed
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.MISE_A_DISPOSITION
    outbox = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=draft)
    assert (outbox.attempts, outbox.processed_at is not None) == (1, True)


def test_deposit_survives_a_broker_outage_and_leaves_the_outbox_row_pending(
    invoice_in, supplier_user, django_capture_on_commit_callbacks, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("redis injoignable")

    monkeypatch.setattr(route_invoice, "delay", broker_down)
    draft = invoice_in(InvoiceStatus.BROUILLON)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_submit(invoice_id=draft.pk, by=supplier_user)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DEPOSEE
    assert Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=invoice).processed_at is None


def test_route_task_makes_the_invoice_available_and_marks_the_outbox(deposited):
    assert route_invoice.apply(args=[deposited.pk]).get() == InvoiceStatus.MISE_A_DISPOSITION
    outbox = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited)
    assert outbox.processed_at is not None
    assert outbox.attempts == 1


def test_running_the_route_task_twice_makes_one_transition(deposited):
    route_invoice.apply(args=[deposited.pk])
    route_invoice.apply(args=[deposited.pk])
    deposited.refresh_from_db()
    assert deposited.status == InvoiceStatus.MISE_A_DISPOSITION
    assert deposited.events.filter(to_status=InvoiceStatus.MISE_A_DISPOSITION).count() == 1
    assert deposited.events.count() == 2  # routing started + made available


def test_transient_error_is_retried_then_routing_succeeds(deposited, monkeypatch):
    real_route = services.invoice_route
    calls = []

    def flaky(*, invoice_id):
        calls.append(invoice_id)
        if len(calls) == 1:
            raise OperationalError("connexion perdue")
        return real_route(invoice_id=invoice_id)

    monkeypatch.setattr(services, "invoice_route", flaky)
    route_invoice.apply(args=[deposited.pk])
    deposited.refresh_from_db()
    assert deposited.status == InvoiceStatus.MISE_A_DISPOSITION
    assert len(calls) == 2
    assert Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited).attempts == 2


def test_poison_invoice_goes_to_technical_error_after_max_retries(deposited, monkeypatch):
    def always_down(*, invoice_id):
        raise OperationalError("base indisponible")

    monkeypatch.setattr(services, "invoice_route", always_down)
    result = route_invoice.apply(args=[deposited.pk])
    assert result.get() == InvoiceStatus.ERREUR_TECHNIQUE
    deposited.refresh_from_db()
    assert deposited.status == InvoiceStatus.ERREUR_TECHNIQUE
    assert "base indisponible" in deposited.technical_error
    outbox = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited)
    assert outbox.attempts == ROUTE_MAX_RETRIES + 1
    assert outbox.processed_at is not None  # the sweep will not resend it
    assert "base indisponible" in outbox.last_error
    assert deposited.events.filter(action="chorus.invoice.technical_error").count() == 1


def test_redelivered_too_often_the_invoice_goes_to_technical_error(deposited, settings):
    settings.CHORUS_ROUTING_MAX_ATTEMPTS = 3
    Outbox.objects.filter(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited).update(attempts=3)
    assert route_invoice.apply(args=[deposited.pk]).get() == InvoiceStatus.ERREUR_TECHNIQUE
    assert not deposited.events.filter(action="chorus.invoice.made_available").exists()


def test_sweep_re_enqueues_only_old_unprocessed_rows(deposited, invoice_in, monkeypatch):
    sent = []
    monkeypatch.setattr(route_invoice, "delay", sent.append)
    old = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited)
    age(old, 600)
    recent = Outbox.objects.create(invoice=invoice_in(InvoiceStatus.DEPOSEE))
    done = Outbox.objects.create(
        invoice=invoice_in(InvoiceStatus.DEPOSEE), processed_at=timezone.now()
    )
    age(done, 600)
    just_sent = Outbox.objects.create(invoice=invoice_in(InvoiceStatus.DEPOSEE))
    age(just_sent, 600, dispatched=5)

    assert outbox_sweep.apply().get() == 1
    assert sent == [deposited.pk]
    old.refresh_from_db()
    assert old.dispatched_at is not None
    assert recent.invoice_id not in sent
    # Right after, the same row is not sent again: it waits for another grace period.
    assert outbox_sweep.apply().get() == 1 - 1


def test_sweep_routes_a_lost_invoice_end_to_end(deposited):
    age(Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited), 600)
    outbox_sweep.apply()
    deposited.refresh_from_db()
    assert deposited.status == InvoiceStatus.MISE_A_DISPOSITION
    assert (
        Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited).processed_at
        is not None
    )


def test_sweep_grace_period_comes_from_settings(deposited, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(route_invoice, "delay", sent.append)
    age(Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited), 20)
    settings.CHORUS_OUTBOX_GRACE_SECONDS = 30
    assert outbox_sweep.apply().get() == 0
    settings.CHORUS_OUTBOX_GRACE_SECONDS = 10
    assert outbox_sweep.apply().get() == 1


def test_sweep_command_routes_pending_invoices(deposited):
    from io import StringIO

    from django.core.management import call_command

    age(Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited), 600)
    out = StringIO()
    call_command("invoices_outbox_sweep", stdout=out)
    assert "1 facture(s)" in out.getvalue()
    deposited.refresh_from_db()
    assert deposited.status == InvoiceStatus.MISE_A_DISPOSITION


def test_copies_of_a_message_giving_up_together_count_no_phantom_attempt(deposited, settings):
    """Two copies of a poison message (one re-sent by the sweep) reach the give-up at once: both
    read the give-up count, the row does not record a fifth execution that never routed."""
    from invoices.services.routing import outbox_register_attempt

    settings.CHORUS_ROUTING_MAX_ATTEMPTS = 3
    row = Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=deposited)
    assert [outbox_register_attempt(invoice_id=deposited.pk) for _ in range(3)] == [1, 2, 3]
    assert outbox_register_attempt(invoice_id=deposited.pk) == 4  # gives up
    assert outbox_register_attempt(invoice_id=deposited.pk) == 4  # a copy gives up too
    row.refresh_from_db()
    assert row.attempts == 4
