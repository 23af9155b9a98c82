"""Pre-fill from a deposited PDF (invoices.pdf_intake): Factur-X XML first, else the PDF's text."""

import datetime
from decimal import Decimal

import pytest
from weasyprint import HTML

from invoices.pdf_intake import parse_amount, prefill_from_cii, prefill_from_pdf, prefill_from_text
from tests.fixtures import SAMPLES

RECIPIENT_SIRET = "21750001600019"  # Luhn-valid
SUPPLIER_SIRET = "73282932000074"  # Luhn-valid
SPACED_RECIPIENT_SIRET = "217 500 016 00019"


def text_pdf(body: str) -> bytes:
    return HTML(string=f"<html><body><pre>{body}</pre></body></html>").write_pdf()


FRENCH_INVOICE = f"""Fournitures Dupont — SIRET : {SUPPLIER_SIRET}
Facture n° F-2026-117
Date de facture : 15/01/2026
Date d'échéance : 14/02/2026
SIRET client : {SPACED_RECIPIENT_SIRET}
Code service : COMPTA-01
N° d'engagement : EJ2026000123
Total HT : 1 234,56 €
Total TVA : 246,91 €
Total TTC : 1 481,47 €
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,56 €", "1234.56"),
        ("1\u202f234,56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1234.56", "1234.56"),
        ("-5,00 EUR", "-5.00"),
        ("12", "12.00"),
        ("abc", None),
        ("", None),
    ],
)
def test_parse_amount_reads_french_formats(text, expected):
    assert parse_amount(text) == (Decimal(expected) if expected else None)


def test_text_pdf_prefills_every_keyword():
    prefill = prefill_from_pdf(text_pdf(FRENCH_INVOICE), supplier_siret=SUPPLIER_SIRET)
    assert prefill.source == "texte"
    assert prefill.number == "F-2026-117"
    assert prefill.recipient_siret == RECIPIENT_SIRET
    assert prefill.service_code == "COMPTA-01"
    assert prefill.ej_number == "EJ2026000123"
    assert prefill.issue_date == datetime.date(2026, 1, 15)
    assert prefill.due_date == datetime.date(2026, 2, 14)
    assert (prefill.total_net, prefill.total_vat, prefill.total_gross) == (
        Decimal("1234.56"),
        Decimal("246.91"),
        Decimal("1481.47"),
    )


def test_supplier_own_siret_and_invalid_keys_are_not_taken_as_recipient():
    text = f"SIRET : {SUPPLIER_SIRET}\nSIRET client : 12345678901234\nFacture n° A1"
    prefill = prefill_from_text(text, supplier_siret=SUPPLIER_SIRET)
    assert prefill.recipient_siret == ""
    assert prefill.number == "A1"


def test_bon_de_commande_is_read_as_engagement():
    prefill = prefill_from_text("N° bon de commande : PO-778\nFacture FA-12")
    assert prefill.ej_number == "PO-778"
    assert prefill.number == "FA-12"


def test_facturx_sample_values_come_from_the_embedded_xml():
    content = (SAMPLES / "facturx" / "mustang-Facture_F20180027.pdf").read_bytes()
    prefill = prefill_from_pdf(content)
    assert prefill.source == "facturx"
    assert prefill.number == "F20180027"
    assert prefill.service_code == "SERVEXEC"  # BT-10
    assert prefill.ej_number == "PO201925478"  # BT-13
    assert prefill.issue_date == datetime.date(2018, 12, 31)
    assert prefill.due_date == datetime.date(2019, 1, 30)
    assert (prefill.total_net, prefill.total_vat, prefill.total_gross) == (
        Decimal("100.00"),
        Decimal("10.00"),
        Decimal("110.00"),
    )
    assert prefill.recipient_siret == ""  # the sample's buyer SIRET has a wrong Luhn key


def test_facturx_credit_note_is_typed_avoir():
    content = (SAMPLES / "facturx" / "fnfe-Avoir_FR_type381_BASIC.pdf").read_bytes()
    prefill = prefill_from_pdf(content)
    assert prefill.type == "AVOIR"
    assert prefill.number == "AV-2017-0005"


def test_facturx_buyer_siret_is_taken_when_its_key_is_valid():
    xml = f"""<?xml version="1.0"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>X-1</ram:ID></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction><ram:ApplicableHeaderTradeAgreement>
  <ram:BuyerReference>SERV-9</ram:BuyerReference>
  <ram:BuyerTradeParty><ram:SpecifiedLegalOrganization>
   <ram:ID schemeID="0009">{RECIPIENT_SIRET}</ram:ID>
  </ram:SpecifiedLegalOrganization></ram:BuyerTradeParty>
 </ram:ApplicableHeaderTradeAgreement></rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()
    prefill = prefill_from_cii(xml)
    assert (prefill.number, prefill.service_code, prefill.recipient_siret) == (
        "X-1",
        "SERV-9",
        RECIPIENT_SIRET,
    )


def test_xml_entities_are_not_resolved():
    xml = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100">
 <rsm:ExchangedDocument><ram:ID>&xxe;</ram:ID></rsm:ExchangedDocument>
</rsm:CrossIndustryInvoice>"""
    prefill = prefill_from_cii(xml)
    assert prefill is not None
    assert "root" not in prefill.number


def test_unreadable_or_broken_pdfs_give_an_empty_prefill_without_error():
    corrupt = (SAMPLES / "invalid" / "mustang-corruptedV2PDF.pdf").read_bytes()
    assert prefill_from_pdf(corrupt).number == ""
    assert prefill_from_pdf(b"%PDF-1.4 garbage").found == []


def test_facturx_with_an_unreadable_xml_falls_back_to_the_text():
    content = (
        SAMPLES / "invalid" / "corpus-fail-factur-x-invalid-xml-encoding-attribute.pdf"
    ).read_bytes()
    prefill = prefill_from_pdf(content)
    assert prefill.source == "texte"
    assert prefill.number == "RE-20190610/507"
