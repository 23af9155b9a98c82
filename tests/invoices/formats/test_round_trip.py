"""Our invoice → CII / UBL / Factur-X → parse → same data; what we write passes our validator."""

import datetime
from decimal import Decimal

import pytest

from invoices.choices import InvoiceStatus, InvoiceType
from invoices.formats.cii_writer import build_cii, vat_category
from invoices.formats.to_draft import draft_arguments
from invoices.formats.ubl_writer import build_ubl
from invoices.formats.validate import validate_document
from invoices.models import Invoice
from invoices.services.common import party_snapshot
from tests.factories import StructureFactory
from tests.invoices.factories import InvoiceFactory, add_lines

pytestmark = pytest.mark.django_db


def _invoice(
    *, type=InvoiceType.FACTURE, credited=None, supplier_vat="FR40303265045", recipient_vat=""
) -> Invoice:
    supplier = StructureFactory(vat_number=supplier_vat)
    recipient = StructureFactory(public=True, vat_number=recipient_vat)
    invoice = InvoiceFactory(
        supplier=supplier,
        status=InvoiceStatus.DEPOSEE,
        type=type,
        number="AV-1" if type == InvoiceType.AVOIR else "F-2025-001",
        issue_date=datetime.date(2025, 3, 14),
        due_date=datetime.date(2025, 4, 13),
        recipient_siret=recipient.siret,
        service_code="SERV01",
        ej_number="1000012345",
        payment_mode="CHEQUE",
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
        credited_invoice=credited,
    )
    add_lines(invoice, ((2, "100.00", "20.00"), ("1.5", "33.3333", "5.50"), (1, "50", "0.00")))
    return invoice


WRITERS = {"CII": build_cii, "UBL": build_ubl}


@pytest.mark.parametrize("syntax", ["CII", "UBL"])
@pytest.mark.parametrize("kind", [InvoiceType.FACTURE, InvoiceType.AVOIR])
def test_written_invoice_passes_validator_and_reads_back(syntax, kind):
    credited = _invoice() if kind == InvoiceType.AVOIR else None
    invoice = _invoice(type=kind, credited=credited)
    xml = WRITERS[syntax](invoice)
    report, data = validate_document(xml, f"out.{syntax}.xml", check_routing=False)
    # What we generate passes every rule we check with no warning either (issue 16 point 9).
    assert not report.findings, [f.as_json() for f in report.findings]
    expected_flavour = {"CII": "CII", "UBL": "UBL_INVOICE"}[syntax]
    if syntax == "UBL" and kind == InvoiceType.AVOIR:
        expected_flavour = "UBL_CREDITNOTE"
    assert report.flavour == expected_flavour
    args = draft_arguments(data)
    assert args["number"] == invoice.number
    assert args["type"] == kind
    assert args["cadre"] == invoice.cadre
    assert args["recipient_siret"] == invoice.recipient_siret
    assert (args["service_code"], args["ej_number"]) == ("SERV01", "1000012345")
    assert args["issue_date"] == invoice.issue_date
    assert args["due_date"] == invoice.due_date
    assert args["payment_mode"] == "CHEQUE"
    assert data.seller.siret == invoice.supplier.siret
    assert data.totals.due_payable == invoice.total_gross
    assert data.totals.tax_total == invoice.total_vat
    assert [(str(g.rate), g.taxable_amount) for g in data.vat_breakdown] == [
        (str(Decimal(g["rate"])), Decimal(g["taxable_amount"])) for g in invoice.vat_breakdown
    ]
    lines = list(invoice.lines.all())
    assert [
        (line.designation, Decimal(line.quantity), Decimal(line.unit_price), line.vat_rate)
        for line in args["lines"]
    ] == [(line.designation, line.quantity, line.unit_price, line.vat_rate) for line in lines]
    assert [line.exemption_reason for line in args["lines"]] == [
        line.exemption_reason for line in lines
    ]
    if kind == InvoiceType.AVOIR:
        assert data.preceding_invoice == credited.number


def test_factur_x_pdf_reads_back():
    from invoices.pdf import render_invoice_pdf

    invoice = _invoice()
    pdf = render_invoice_pdf(invoice)
    report, data = validate_document(pdf, "facture.pdf", check_routing=False)
    assert report.flavour == "FACTURX"
    # No finding at all: CEN, Factur-X EN16931 profile, XMP level read back, PDF/A-3 structure.
    assert not report.findings, [f.as_json() for f in report.findings]
    assert data.number == invoice.number
    assert data.totals.due_payable == invoice.total_gross


def _with_reasons(invoice: Invoice, reasons: list[tuple[str, str]]) -> Invoice:
    """Give the lines (rate, exemption reason) in order and total the invoice again."""
    from invoices.totals import compute_totals

    lines = list(invoice.lines.order_by("position"))[: len(reasons)]
    invoice.lines.exclude(pk__in=[line.pk for line in lines]).delete()
    for line, (rate, reason) in zip(lines, reasons, strict=True):
        line.vat_rate, line.exemption_reason = Decimal(rate), reason
    type(lines[0]).objects.bulk_update(lines, ["vat_rate", "exemption_reason"])
    totals = compute_totals(lines)
    Invoice.objects.filter(pk=invoice.pk).update(  # frozen fields: no save() (as add_lines)
        total_net=totals.net,
        total_vat=totals.vat,
        total_gross=totals.gross,
        vat_breakdown=[group.as_json() for group in totals.breakdown],
    )
    invoice.refresh_from_db()
    return invoice


# Intra-community supply with a standard-rate line; out-of-scope alone (EN 16931 BR-O-11..14).
CATEGORY_CASES = {
    "intracom": [("0.00", "LIVRAISON_INTRACOM"), ("20.00", "")],
    "hors_champ": [("0.00", "HORS_CHAMP")],
    "autoliquidation": [("0.00", "AUTOLIQUIDATION"), ("20.00", "")],
    "export_franchise": [("0.00", "EXPORTATION"), ("0.00", "FRANCHISE_293B")],
}


@pytest.mark.parametrize("case", sorted(CATEGORY_CASES))
@pytest.mark.parametrize("syntax", ["CII", "UBL", "FACTURX"])
def test_vat_categories_written_pass_every_rule(case, syntax):
    """Issue 16 point 9 for K (BR-IC-02/11/12: buyer VAT id, delivery date and country) and O
    (BR-O-02: no VAT identifiers) invoices: no finding at all in any syntax."""
    from invoices.pdf import render_invoice_pdf

    invoice = _with_reasons(_invoice(recipient_vat="FR61217500016"), CATEGORY_CASES[case])
    writers = {**WRITERS, "FACTURX": render_invoice_pdf}
    data = writers[syntax](invoice)
    report, read = validate_document(data, f"out-{syntax}", check_routing=False)
    assert not report.findings, [f.as_json() for f in report.findings]
    expected = [vat_category(Decimal(rate), reason)[0] for rate, reason in CATEGORY_CASES[case]]
    assert [line.vat_category for line in read.lines] == expected
    if case == "hors_champ":
        assert (read.seller.vat_number, read.buyer.vat_number) == ("", "")
    if case == "intracom":
        assert read.buyer.vat_number == "FR61217500016"


# A French supplier with no VAT number (franchise en base, for one): standard-rated, exempt and
# reverse-charge lines, and an out-of-scope invoice.
NO_VAT_NUMBER_CASES = {
    "standard": [("20.00", "")],
    "franchise": [("0.00", "FRANCHISE_293B")],
    "exoneration_standard": [("0.00", "EXONERATION_261"), ("5.50", "")],
    "autoliquidation": [("0.00", "AUTOLIQUIDATION")],
    "hors_champ": [("0.00", "HORS_CHAMP")],
}


@pytest.mark.parametrize("case", sorted(NO_VAT_NUMBER_CASES))
@pytest.mark.parametrize("syntax", ["CII", "UBL", "FACTURX"])
def test_a_supplier_without_vat_number_gets_an_invoice_that_passes_every_rule(case, syntax):
    """BR-S-02 / BR-E-02 / BR-AE-02: without BT-31 the seller is identified for tax by BT-32,
    its SIREN; never on an out-of-scope invoice (BR-O-02), never as a VAT number."""
    from invoices.pdf import render_invoice_pdf

    invoice = _with_reasons(
        _invoice(supplier_vat="", recipient_vat="FR61217500016"), NO_VAT_NUMBER_CASES[case]
    )
    writers = {**WRITERS, "FACTURX": render_invoice_pdf}
    data = writers[syntax](invoice)
    report, read = validate_document(data, f"out-{syntax}", check_routing=False)
    assert not report.findings, [f.as_json() for f in report.findings]
    assert read.seller.vat_number == ""
    xml = data.decode("utf-8", "replace") if syntax != "FACTURX" else ""
    siren = invoice.supplier.siret[:9]
    if syntax == "CII":
        written = f'<ram:ID schemeID="FC">{siren}</ram:ID>' in xml
        assert written == (case != "hors_champ")
    if syntax == "UBL":
        written = f"<cbc:CompanyID>{siren}</cbc:CompanyID>" in xml
        assert written == (case != "hors_champ")
