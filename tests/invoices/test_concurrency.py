"""Two people acting on one invoice at the same moment: exactly one wins, the other gets a clear
error. Real threads and real row locks, so PostgreSQL only (skipped on SQLite)."""

import threading

import pytest
from django.db import connection, transaction
from django_fsm import ConcurrentTransition

from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import InvoiceStatus, RejectionReason
from invoices.models import Invoice, Outbox


def run_together(*actions):
    """Start the actions in threads released by one barrier; return (results, errors)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [], []

    def worker(action):
        try:
            barrier.wait(timeout=10)
            results.append(action())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reject_and_pay_at_the_same_time_leave_one_winner(invoice_in, recipient_user):
    for _ in range(5):
        invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
        results, errors = run_together(
            lambda pk=invoice.pk: services.invoice_reject(
                invoice_id=pk, by=recipient_user, reason=RejectionReason.MONTANT_ERRONE
            ),
            lambda pk=invoice.pk, on=invoice.issue_date: services.invoice_mark_paid(
                invoice_id=pk, by=recipient_user, on=on, amount="240.00"
            ),
        )
        assert len(results) == 1
        assert len(errors) == 1
        assert isinstance(errors[0], ChorusError)
        assert "La facture est au statut" in errors[0].message
        invoice.refresh_from_db()
        assert invoice.status == results[0].status
        assert invoice.events.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_routing_tasks_at_the_same_time_make_one_transition(invoice_in):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    Outbox.objects.create(invoice=invoice)
    results, errors = run_together(
        lambda: services.invoice_route(invoice_id=invoice.pk),
        lambda: services.invoice_route(invoice_id=invoice.pk),
    )
    assert errors == []
    assert {r.status for r in results} == {InvoiceStatus.MISE_A_DISPOSITION}
    assert invoice.events.filter(to_status=InvoiceStatus.MISE_A_DISPOSITION).count() == 1


@pytest.mark.django_db
def test_stale_copy_cannot_overwrite_a_newer_status(invoice_in):
    """Optimistic lock (ConcurrentTransitionMixin): works even where SELECT FOR UPDATE does not."""
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    first, stale = Invoice.objects.get(pk=invoice.pk), Invoice.objects.get(pk=invoice.pk)
    first.mark_accounted()
    first.save()
    stale.suspend(reason="x")
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPTABILISEE
