"""Factories of the invoices app (shared user/structure factories live in tests/factories.py)."""

from decimal import Decimal

import factory
from django.utils import timezone

from invoices.choices import InvoiceStatus
from invoices.models import Invoice, InvoiceLine
from invoices.totals import compute_totals, line_net
from tests.factories import StructureFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft by default. Pass `status=` for any other state (no lines: see `make_invoice`)."""

    class Meta:
        model = Invoice

    supplier = factory.SubFactory(StructureFactory)
    number = factory.Sequence(lambda n: f"F-{n:05d}")
    issue_date = factory.LazyFunction(timezone.localdate)
    recipient_siret = ""


def add_lines(invoice: Invoice, specs=((2, "100.00", "20.00"),)) -> list[InvoiceLine]:
    """Attach lines (quantity, unit price, VAT rate) whatever the status, and store the totals."""
    lines = []
    for position, (quantity, unit_price, rate) in enumerate(specs, start=1):
        lines.append(
            InvoiceLine(
                invoice=invoice,
                position=position,
                designation=f"Prestation {position}",
                quantity=Decimal(quantity),
                unit_price=Decimal(unit_price),
                vat_rate=Decimal(rate),
                exemption_reason="EXONERATION_261" if Decimal(rate) == 0 else "",
                line_net=line_net(quantity=Decimal(quantity), unit_price=Decimal(unit_price)),
            )
        )
    InvoiceLine.objects.bulk_create(lines)  # bulk_create skips the draft-only guard on purpose
    totals = compute_totals(lines)
    Invoice.objects.filter(pk=invoice.pk).update(
        total_net=totals.net,
        total_vat=totals.vat,
        total_gross=totals.gross,
        vat_breakdown=[group.as_json() for group in totals.breakdown],
    )
    invoice.refresh_from_db()
    return lines


def make_invoice(*, status: str = InvoiceStatus.BROUILLON, **kwargs) -> Invoice:
    """An invoice in `status` with one line (2 × 100 € at 20 %: 240 € TTC)."""
    if status != InvoiceStatus.BROUILLON:
        kwargs.setdefault("deposited_at", timezone.now())
        kwargs.setdefault("number_year", timezone.localdate().year)
    invoice = InvoiceFactory(status=status, **kwargs)
    add_lines(invoice)
    return invoice
