"""Who sees which invoice: the supplier's members, the recipient's members once made available."""

import pytest
from django.utils import timezone

from invoices import selectors
from invoices.choices import InvoiceStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_supplier_member_sees_the_invoice_a_stranger_does_not(invoice_in, supplier_user):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    assert selectors.invoice_get_for_user(user=supplier_user, invoice_id=invoice.pk) == invoice
    assert selectors.invoice_get_for_user(user=UserFactory(), invoice_id=invoice.pk) is None


def test_recipient_sees_the_invoice_only_once_made_available(invoice_in, recipient, recipient_user):
    routing = invoice_in(InvoiceStatus.EN_COURS_ACHEMINEMENT, recipient=recipient)
    available = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    assert selectors.invoice_get_for_user(user=recipient_user, invoice_id=routing.pk) is None
    assert selectors.invoice_get_for_user(user=recipient_user, invoice_id=available.pk) == available
    assert list(selectors.invoice_list_received(user=recipient_user)) == [available]


def test_returned_invoices_exclude_processed_rejections(invoice_in, supplier_user):
    recycled = invoice_in(InvoiceStatus.A_RECYCLER)
    suspended = invoice_in(InvoiceStatus.SUSPENDUE)
    rejected = invoice_in(InvoiceStatus.REJETEE)
    invoice_in(InvoiceStatus.REJETEE, rejection_processed_at=timezone.now())
    invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    assert set(selectors.invoice_list_returned(user=supplier_user)) == {
        recycled,
        suspended,
        rejected,
    }


def test_issued_list_is_limited_to_the_users_structures(invoice_in, supplier_user, recipient_user):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    assert list(selectors.invoice_list_issued(user=supplier_user)) == [invoice]
    assert list(selectors.invoice_list_issued(user=recipient_user)) == []


def test_timeline_is_in_chronological_order(invoice_in):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    first = invoice.events.create(action="chorus.invoice.deposited")
    second = invoice.events.create(action="chorus.invoice.routing_started")
    assert list(selectors.invoice_timeline(invoice=invoice)) == [first, second]
