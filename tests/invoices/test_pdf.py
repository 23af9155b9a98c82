"""CII XML, invoice and certificate templates, and one real Factur-X render (invoices/pdf.py)."""

import datetime
import io
from decimal import Decimal

import facturx
import pikepdf
import pytest
from django.utils import timezone
from lxml import etree

from invoices import pdf
from invoices.choices import InvoiceStatus, InvoiceType
from invoices.cii import NSMAP, build_cii
from invoices.services.common import party_snapshot
from tests.invoices.factories import InvoiceFactory, add_lines, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposited(supplier, recipient):
    return make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier,
        recipient=recipient,
        recipient_siret=recipient.siret,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
        number="FA-2026-001",
        issue_date=datetime.date(2026, 3, 2),
        service_code="SERV-COMPTA",
        ej_number="1300012345",
    )


def xpath(xml: bytes, path: str) -> list[str]:
    return [str(value) for value in etree.fromstring(xml).xpath(path, namespaces=NSMAP)]


def test_cii_passes_the_factur_x_en16931_xsd(deposited):
    assert facturx.xml_check_xsd(build_cii(deposited), flavor="factur-x", level="en16931")


def test_cii_carries_the_chorus_routing_data_parties_and_totals(deposited, supplier, recipient):
    xml = build_cii(deposited)
    hta = "//ram:ApplicableHeaderTradeAgreement"
    hts = "//ram:ApplicableHeaderTradeSettlement"
    assert xpath(xml, "//rsm:ExchangedDocument/ram:ID/text()") == ["FA-2026-001"]
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["380"]
    assert xpath(xml, "//ram:IssueDateTime/udt:DateTimeString/text()") == ["20260302"]
    assert xpath(xml, "//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID/text()") == [
        "urn:cen.eu:en16931:2017"
    ]
    assert xpath(xml, "//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID/text()") == [
        "A1"
    ]
    assert xpath(xml, f"{hta}/ram:BuyerReference/text()") == ["SERV-COMPTA"]
    assert xpath(xml, f"{hta}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [
        "1300012345"
    ]
    assert xpath(xml, f"{hta}/ram:BuyerTradeParty/ram:GlobalID[@schemeID='0009']/text()") == [
        recipient.siret
    ]
    assert xpath(xml, f"{hta}/ram:SellerTradeParty/ram:Name/text()") == ["Fournitures Dupont"]
    assert xpath(xml, f"{hta}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID/text()") == [
        "FR32123456789"
    ]
    assert xpath(xml, f"{hta}/ram:BuyerTradeParty/ram:Name/text()") == ["Mairie de Trifouilly"]
    assert xpath(xml, f"{hts}/ram:InvoiceCurrencyCode/text()") == ["EUR"]
    summation = f"{hts}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    assert xpath(xml, f"{summation}/ram:TaxBasisTotalAmount/text()") == ["200.00"]
    assert xpath(xml, f"{summation}/ram:TaxTotalAmount[@currencyID='EUR']/text()") == ["40.00"]
    assert xpath(xml, f"{summation}/ram:GrandTotalAmount/text()") == ["240.00"]
    assert xpath(xml, f"{hts}/ram:ApplicableTradeTax/ram:CategoryCode/text()") == ["S"]
    assert xpath(xml, f"{hts}/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()") == ["20.00"]
    assert xpath(xml, "//ram:IncludedSupplyChainTradeLineItem//ram:LineTotalAmount/text()") == [
        "200.00"
    ]


def test_cii_has_one_vat_group_per_rate_and_exemption_with_its_category(supplier):
    invoice = InvoiceFactory(
        status=InvoiceStatus.DEPOSEE,
        supplier=supplier,
        recipient_siret="21750001600019",
        supplier_snapshot=party_snapshot(supplier),
    )
    add_lines(invoice, [(2, "100.00", "20.00"), (1, "50.00", "10.00"), (3, "10.00", "0.00")])
    xml = build_cii(invoice)
    tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
    assert xpath(xml, f"{tax}/ram:CategoryCode/text()") == ["S", "S", "E"]
    assert xpath(xml, f"{tax}/ram:BasisAmount/text()") == ["200.00", "50.00", "30.00"]
    assert xpath(xml, f"{tax}/ram:ExemptionReason/text()") == [
        "Exonération de TVA, art. 261 du CGI"
    ]
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    # No recipient snapshot (SIRET unknown at deposit): the buyer is still named, by its SIRET.
    assert xpath(xml, "//ram:BuyerTradeParty/ram:Name/text()") == ["SIRET 21750001600019"]


def test_credit_note_is_type_381_and_references_the_credited_invoice(deposited, supplier):
    credit = make_invoice(
        status=InvoiceStatus.DEPOSEE,
        supplier=supplier,
        type=InvoiceType.AVOIR,
        credited_invoice=deposited,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=deposited.recipient_snapshot,
    )
    xml = build_cii(credit)
    assert xpath(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    assert xpath(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [
        "FA-2026-001"
    ]
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")


def test_invoice_html_shows_number_parties_totals_and_the_emulation_notice(deposited, recipient):
    html = pdf.render_invoice_html(deposited)
    for expected in [
        "Facture n° FA-2026-001",
        "02/03/2026",
        "Fournitures Dupont",
        "FR32123456789",
        "Mairie de Trifouilly",
        recipient.siret,
        "Code service : SERV-COMPTA",
        "N° d'engagement juridique : 1300012345",
        "Prestation 1",
        "200,00\u00a0€",
        "40,00\u00a0€",
        "240,00\u00a0€",
        "Émulation — sans valeur légale",
    ]:
        assert expected in html
    assert "http://" not in html  # nothing to fetch
    assert "https://" not in html


def test_invoice_html_is_rendered_from_the_snapshot_not_the_live_structure(deposited, supplier):
    supplier.name = "Nouveau nom SAS"
    supplier.save()
    deposited.refresh_from_db()
    html = pdf.render_invoice_html(deposited)
    assert "Fournitures Dupont" in html
    assert "Nouveau nom SAS" not in html


def test_certificate_html_shows_the_deposit_and_the_facturx_fingerprint(deposited):
    html = pdf.render_deposit_certificate_html(deposited, facturx_sha256="ab" * 32)
    for expected in [
        "Attestation de dépôt",
        "FA-2026-001",
        "Fournitures Dupont",
        "Mairie de Trifouilly",
        "240,00\u00a0€",
        f"<dd>{deposited.pk}</dd>",
        "ab" * 32,
        "Émulation — sans valeur légale",
    ]:
        assert expected in html
    assert f"{timezone.localtime(deposited.deposited_at):%d/%m/%Y à %H:%M:%S}" in html


def test_money_is_formatted_the_french_way():
    assert pdf.format_amount(Decimal("1234567.5")) == "1\u202f234\u202f567,50\u00a0€"
    assert pdf.format_price(Decimal("12.3450")) == "12,345\u00a0€"
    assert pdf.format_price(Decimal("12.5000")) == "12,50\u00a0€"


def test_render_invoice_pdf_is_a_pdfa3_with_the_cii_embedded_as_factur_x(deposited):
    content = pdf.render_invoice_pdf(deposited)
    assert content.startswith(b"%PDF")
    filename, xml = facturx.get_xml_from_pdf(content, check_xsd=False)
    assert filename == "factur-x.xml"
    assert xml == build_cii(deposited)
    with pikepdf.open(io.BytesIO(content)) as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert "/AF" in document.Root
        assert "/OutputIntents" in document.Root


def test_factur_x_carries_what_readers_and_pdfa3_validators_check(deposited):
    """Written in one WeasyPrint pass: the structures factur-x itself writes must all be there."""
    content = pdf.render_invoice_pdf(deposited)
    with pikepdf.open(io.BytesIO(content)) as document:
        root = document.Root
        assert root.PageMode == "/UseAttachments"
        (filespec,) = list(root.AF)
        assert filespec.Type == "/Filespec"
        assert str(filespec.F) == str(filespec.UF) == "factur-x.xml"
        assert filespec.AFRelationship == "/Data"
        names = list(root.Names.EmbeddedFiles.Names)
        assert str(names[0]) == "factur-x.xml"
        assert names[1].objgen == filespec.objgen  # the same file spec, listed once
        stream = filespec.EF.F
        assert stream.Subtype == "/text/xml"
        assert stream.read_bytes() == build_cii(deposited)
        params = stream.Params
        assert int(params.Size) == len(build_cii(deposited))
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        fx = "{urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#}"
        assert meta[fx + "ConformanceLevel"] == "EN 16931"
        assert meta[fx + "DocumentType"] == "INVOICE"
        assert meta[fx + "DocumentFileName"] == "factur-x.xml"
        assert meta[fx + "Version"] == "1.0"
        assert meta["dc:title"] == f"Facture {deposited.number}"
        packet = bytes(root.Metadata.read_bytes())
        assert packet.count(b"<rdf:RDF") == 1  # one RDF packet, the extension schema inside
        assert b"<pdfaSchema:prefix>fx</pdfaSchema:prefix>" in packet
        for name in ("DocumentFileName", "DocumentType", "Version", "ConformanceLevel"):
            assert f"<pdfaProperty:name>{name}</pdfaProperty:name>".encode() in packet
    # The factur-x library (what most integrators use to read one) finds, checks and levels it.
    filename, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert filename == "factur-x.xml"
    assert facturx.get_level(etree.fromstring(xml)) == "en16931"


def test_factur_x_refuses_a_cii_that_breaks_the_xsd(deposited, monkeypatch):
    monkeypatch.setattr(
        pdf,
        "build_cii",
        lambda invoice: (
            b"<rsm:CrossIndustryInvoice "
            b'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>'
        ),
    )
    with pytest.raises(etree.DocumentInvalid):
        pdf.render_invoice_pdf(deposited)


def test_render_deposit_certificate_is_a_pdf(deposited):
    assert pdf.render_deposit_certificate(deposited, facturx_sha256="").startswith(b"%PDF")
