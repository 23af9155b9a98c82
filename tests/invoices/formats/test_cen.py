"""EN 16931 verdicts equal to the official CEN rules, for CII as for UBL (issue 16: 1–5, 7, 10).

Files: the 34 valid CEN examples (tests/fixtures/samples/cen) and single-fault variants of public
samples built here. The CEN rules are the vendored 1.3.16 stylesheets, run unmodified.
"""

import io
import re
from pathlib import Path

import pikepdf
import pytest

from invoices.formats.schematron import CEN_CII_SCHEMATRON, CEN_DIR
from invoices.formats.validate import validate_document
from tests.fixtures import SAMPLES

CEN_EXAMPLES = sorted(p for p in (SAMPLES / "cen").rglob("*") if p.suffix.lower() == ".xml")
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
_BT24 = re.compile(rb"(GuidelineSpecifiedDocumentContextParameter>\s*<ram:ID>)[^<]*")


def check(data: bytes, name: str = "facture.xml"):
    report, _ = validate_document(data, name, check_routing=False)
    return report


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def with_bt24(data: bytes, value: str) -> bytes:
    changed, count = _BT24.subn(rb"\g<1>" + value.encode(), data, count=1)
    assert count == 1
    return changed


def test_cen_artefacts_are_vendored_unmodified_with_their_licence():
    assert CEN_DIR.is_relative_to(Path(__file__).resolve().parents[3])  # inside the repository
    assert {"LICENSE.txt", "README.md"} <= {p.name for p in CEN_DIR.iterdir()}
    assert "EUPL" in (CEN_DIR / "LICENSE.txt").read_text()
    assert CEN_CII_SCHEMATRON.endswith("EN16931-CII-validation.xslt")


def test_the_34_cen_examples_are_there():
    assert len(CEN_EXAMPLES) == 34


@pytest.mark.parametrize("path", CEN_EXAMPLES, ids=lambda p: p.name)
def test_every_cen_example_is_accepted_as_an_en16931_invoice(path):
    report = check(path.read_bytes(), path.name)
    not_ours = [f for f in report.errors if not f.rule_id.startswith("CHORUS-")]
    assert not not_ours, [f.as_json() for f in not_ours]
    assert not [f for f in report.findings if f.source == "XSD" or f.source.startswith("FACTURX")]


def test_plain_cii_is_not_judged_by_factur_x_profile_rules():
    # CII_example5 breaks a Factur-X EN16931 profile restriction EN 16931 allows (point 1).
    report = check(sample("cii/cen-CII_example5.xml"))
    assert report.valid
    assert not [f for f in report.findings if f.source.startswith("FACTURX")]


def test_cii_without_bt24_gets_the_en16931_check():
    report = check(with_bt24(sample("cen/cii/CII_example4.xml"), ""))
    assert "BR-01" in {f.rule_id for f in report.errors if f.source == "EN16931"}


def test_cii_with_an_unknown_specification_still_gets_the_en16931_rules():
    report = check(sample("invalid/mustang-invalidV2Profile.cii.xml"))
    assert "CII-DT-031" in {f.rule_id for f in report.errors if f.source == "EN16931"}
    assert "FX-PROFILE-001" not in report.rule_ids()


def test_cius_is_checked_as_en16931_with_a_note():
    report = check(with_bt24(sample("cen/cii/CII_example4.xml"), XRECHNUNG))
    assert report.valid, [f.as_json() for f in report.errors]
    note = next(f for f in report.findings if f.rule_id == "EN-CIUS-001")
    assert note.severity == "info"
    assert not note.blocking
    assert "n'ont pas été vérifiées" in note.message_fr
    assert XRECHNUNG in note.message_fr
    assert not [f for f in report.findings if f.source.startswith("FACTURX")]


def test_cius_still_fails_an_en16931_rule():
    data = with_bt24(sample("cen/cii/CII_example4.xml"), XRECHNUNG)
    data = re.sub(rb"<ram:InvoiceCurrencyCode>\w+", b"<ram:InvoiceCurrencyCode>EUX", data)
    assert "BR-CL-04" in {f.rule_id for f in check(data).errors}


def test_factur_x_profile_rules_run_where_a_profile_is_declared():
    report = check(sample("facturx/fnfe-Avoir_FR_type381_BASIC.pdf"), "f.pdf")
    assert "FX-SCH-A-000026" in {f.rule_id for f in report.errors if f.source == "FACTURX-BASIC"}


def test_cen_warnings_do_not_block():
    report = check(sample("cii/akretion-factur-x-extended.xml"))
    warnings = {f.rule_id for f in report.warnings if f.source == "EN16931"}
    assert {"CII-SR-039", "CII-SR-474"} <= warnings
    assert report.valid, [f.as_json() for f in report.errors]


def test_code_list_failure_reports_the_cen_id_with_the_fnfe_id_as_reference():
    data = sample("cii/akretion-factur-x-basic.xml").replace(
        b"<ram:InvoiceCurrencyCode>EUR", b"<ram:InvoiceCurrencyCode>EUX"
    )
    report = check(data)
    finding = next(f for f in report.errors if f.rule_id == "BR-CL-04")
    assert finding.source == "EN16931"
    assert finding.reference.startswith("FX-SCH-A-")
    assert not [f for f in report.findings if f.rule_id == finding.reference]
    assert finding.as_json()["reference"] == finding.reference


def test_not_used_attribute_is_reported_as_cii_dt_031():
    report = check(sample("invalid/fnfe-fail-Facture_FR_EN16931.pdf"), "f.pdf")
    dt031 = [f for f in report.errors if f.rule_id == "CII-DT-031"]
    assert dt031
    assert all(f.source == "EN16931" for f in dt031)
    assert "FX-NOT-USED-ATTRIBUTE" in {f.reference for f in dt031}


def test_minimum_profile_is_not_an_en16931_invoice():
    report = check(sample("cii/akretion-factur-x-minimum.xml"))
    assert "BR-16" in {f.rule_id for f in report.errors if f.source == "EN16931"}


# --- detection and encodings (point 7) -----------------------------------------------------------
UBL = "ubl/cen-ubl-tc434-example1.xml"


def _assert_valid_ubl(data: bytes) -> None:
    report = check(data)
    assert report.flavour == "UBL_INVOICE"
    assert not [f for f in report.errors if not f.rule_id.startswith("CHORUS-")], [
        f.as_json() for f in report.errors
    ]


def test_ubl_with_pdf_marker_in_a_comment_is_read_as_xml():
    data = sample(UBL)
    head, rest = data.split(b"?>", 1)
    _assert_valid_ubl(head + b"?>\n<!-- exported as %PDF-1.7 too -->" + rest)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_ubl_is_accepted(codec):
    text = sample(UBL).decode("utf-8")
    text = re.sub(r'encoding="[^"]*"', 'encoding="UTF-16"', text, count=1)
    bom = b"\xff\xfe" if codec == "utf-16-le" else b""  # utf-16 writes its own; -be: none
    _assert_valid_ubl(bom + text.encode(codec))


def test_utf8_bom_ubl_is_accepted():
    _assert_valid_ubl(b"\xef\xbb\xbf" + sample(UBL))


def test_utf16_doctype_is_still_refused():
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    report = check(text.encode("utf-16"))
    assert {f.rule_id for f in report.errors} == {"FMT-003"}


def test_latin1_cii_reaches_the_schematron_intact():
    data = sample("cen/cii/CII_example4.xml").decode("utf-8")
    data = re.sub(r'encoding="[^"]*"', 'encoding="ISO-8859-1"', data, count=1)
    report = check(data.encode("latin-1"))
    assert not [f for f in report.errors if not f.rule_id.startswith("CHORUS-")]


# --- PDF/A-3 structure (point 10) ----------------------------------------------------------------
def test_zugferd_2p0_pdf_gets_pdfa_warnings_with_their_own_ids():
    report = check(sample("facturx/ferd-zugferd_2p0_EN16931_Einfach.pdf"), "f.pdf")
    pdfa = {f.rule_id for f in report.findings if f.source == "PDFA"}
    assert "PDFA-005" in pdfa  # zugferd-invoice.xml, not factur-x.xml
    assert all(not f.blocking for f in report.findings if f.source == "PDFA")


def test_clean_factur_x_has_no_pdfa_finding():
    report = check(sample("facturx/akretion-invoice_EN16931.pdf"), "f.pdf")
    assert not [f for f in report.findings if f.source == "PDFA"]


def test_broken_pdfa_structure_is_reported():
    with pikepdf.open(io.BytesIO(sample("facturx/akretion-invoice_EN16931.pdf"))) as pdf:
        del pdf.Root["/OutputIntents"]
        del pdf.Root["/AF"]
        spec = pdf.attachments["factur-x.xml"].obj
        del spec["/AFRelationship"]
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["{http://www.aiim.org/pdfa/ns/id/}part"] = "1"
            meta["{urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#}DocumentFileName"] = "x"
        out = io.BytesIO()
        pdf.save(out)
    report = check(out.getvalue(), "f.pdf")
    pdfa = {f.rule_id for f in report.findings if f.source == "PDFA"}
    assert {"PDFA-001", "PDFA-004", "PDFA-006", "PDFA-007", "PDFA-008"} <= pdfa


def _with_embedded_bt24(value: str) -> bytes:
    with pikepdf.open(io.BytesIO(sample("facturx/akretion-invoice_EN16931.pdf"))) as pdf:
        spec = pdf.attachments["factur-x.xml"]
        xml = with_bt24(spec.get_file().read_bytes(), value)
        spec.obj.EF.F.write(xml)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def test_factur_x_with_a_cius_bt24_is_checked_as_en16931_with_a_note():
    report = check(_with_embedded_bt24(XRECHNUNG), "f.pdf")
    assert report.flavour == "FACTURX"
    assert report.valid, [f.as_json() for f in report.errors]
    assert "EN-CIUS-001" in report.rule_ids()
    assert not [f for f in report.findings if f.source.startswith("FACTURX")]


def test_factur_x_with_an_unknown_bt24_warns_and_is_judged_by_en16931():
    report = check(
        _with_embedded_bt24("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort"), "f.pdf"
    )
    finding = next(f for f in report.findings if f.rule_id == "FX-PROFILE-001")
    assert not finding.blocking
    assert report.valid, [f.as_json() for f in report.errors]
