"""Issued invoices are immutable: no delete, no change to number, amounts, lines or snapshot."""

from decimal import Decimal

import pytest

from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from invoices.models import Invoice, InvoiceLine

pytestmark = pytest.mark.django_db


def test_a_draft_can_be_deleted_with_its_lines(invoice_in):
    invoice = invoice_in(InvoiceStatus.BROUILLON)
    invoice.delete()
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=invoice.pk).exists()


@pytest.mark.parametrize("status", [InvoiceStatus.DEPOSEE, InvoiceStatus.REJETEE])
def test_deleting_an_issued_invoice_is_refused(invoice_in, status):
    invoice = invoice_in(status)
    with pytest.raises(ChorusError, match="Seul un brouillon peut être supprimé"):
        invoice.delete()
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_bulk_delete_including_an_issued_invoice_is_refused(invoice_in):
    invoice_in(InvoiceStatus.BROUILLON)
    invoice_in(InvoiceStatus.MISE_EN_PAIEMENT)
    with pytest.raises(ChorusError):
        Invoice.objects.all().delete()
    assert Invoice.objects.count() == 2
    Invoice.objects.filter(status=InvoiceStatus.BROUILLON).delete()
    assert Invoice.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "AUTRE-1"),
        ("total_gross", Decimal("1.00")),
        ("supplier_snapshot", {"name": "Autre"}),
        ("issue_date", None),
    ],
)
def test_frozen_fields_of_an_issued_invoice_cannot_be_saved(invoice_in, field, value):
    invoice = Invoice.objects.get(pk=invoice_in(InvoiceStatus.MISE_A_DISPOSITION).pk)
    setattr(invoice, field, value)
    with pytest.raises(ChorusError, match="ne peut plus être modifiée") as caught:
        invoice.save()
    assert caught.value.field == field


def test_non_frozen_fields_of_an_issued_invoice_can_be_saved(invoice_in):
    invoice = Invoice.objects.get(pk=invoice_in(InvoiceStatus.MISE_A_DISPOSITION).pk)
    invoice.recipient_snapshot = {"name": "Mairie"}
    invoice.save()
    invoice.refresh_from_db()
    assert invoice.recipient_snapshot == {"name": "Mairie"}


def test_lines_of_an_issued_invoice_cannot_be_changed_or_deleted(invoice_in):
    invoice = invoice_in(InvoiceStatus.DEPOSEE)
    line = invoice.lines.get()
    line.unit_price = Decimal("1")
    with pytest.raises(ChorusError, match="lignes d'une facture déposée"):
        line.save()
    with pytest.raises(ChorusError):
        line.delete()
    with pytest.raises(ChorusError):
        InvoiceLine(
            invoice=invoice,
            position=9,
            designation="ajout",
            quantity=1,
            unit_price=1,
            vat_rate=Decimal("20.00"),
            line_net=1,
        ).save()


def test_lines_of_a_draft_can_be_changed(invoice_in):
    line = invoice_in(InvoiceStatus.BROUILLON).lines.get()
    line.designation = "Nouvelle désignation"
    line.save()
    line.refresh_from_db()
    assert line.designation == "Nouvelle désignation"


def test_same_number_twice_for_one_supplier_and_year_is_refused_by_the_database(invoice_in):
    from django.db import IntegrityError, transaction

    invoice_in(InvoiceStatus.DEPOSEE, number="F-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        invoice_in(InvoiceStatus.DEPOSEE, number="F-1")


def test_a_rejected_invoice_frees_its_number_in_the_database(invoice_in):
    invoice_in(InvoiceStatus.REJETEE, number="F-1")
    invoice_in(InvoiceStatus.DEPOSEE, number="F-1")
    assert Invoice.objects.filter(number="F-1").count() == 2
