"""Every public sample is read, its routing data extracted and its expected findings reproduced
(tests/fixtures/samples/SOURCES.md); every invalid sample is refused or flagged, never a crash."""

import pytest

from invoices.formats.validate import validate_document
from tests.fixtures import SAMPLES

VALID = sorted(p for folder in ("ubl", "cii", "facturx") for p in (SAMPLES / folder).iterdir())
INVALID = sorted((SAMPLES / "invalid").iterdir())


def run(name: str):
    path = SAMPLES / name
    return validate_document(path.read_bytes(), path.name, check_routing=False)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_sample_is_read_with_its_routing_data(path):
    report, data = validate_document(path.read_bytes(), path.name, check_routing=False)
    assert data is not None
    assert report.flavour
    assert data.number
    assert data.issue_date
    assert data.totals.due_payable is not None
    assert report.invoice["number"] == data.number


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_sample_is_refused_or_flagged(path):
    report, _data = validate_document(path.read_bytes(), path.name, check_routing=False)
    assert not report.valid or report.warnings  # CHORUS-101 only flags (issue 16 point 6)
    assert all(f.message_fr and f.rule_id and f.source for f in report.findings)


@pytest.mark.parametrize(
    "name",
    [
        "cii/akretion-factur-x-basic.xml",
        "cii/akretion-factur-x-en16931.xml",
        "cii/akretion-factur-x-extended.xml",
        "cii/cen-CII_business_example_02.xml",
        "cii/cen-CII_example5.xml",
        "cii/corpus-EN16931_Gutschrift.cii.xml",
        "facturx/akretion-invoice_EN16931.pdf",
        "facturx/ferd-zugferd_2p0_EN16931_Einfach.pdf",
        "facturx/mustang-Facture_F20180027.pdf",
        "ubl/akretion-ubl-21-en16931.xml",
        "ubl/cen-Invoice-Max_content.xml",
        "ubl/cen-ubl-tc434-creditnote1.xml",
        "ubl/peppol-base-creditnote-correction.xml",
    ],
)
def test_samples_that_pass_xsd_and_schematron_have_no_blocking_finding(name):
    report, _ = run(name)
    assert report.valid, [f.as_json() for f in report.errors]


def test_chorus_style_factur_x_gives_siret_service_code_ej_and_cadre():
    report, data = run("facturx/mustang-Facture_F20180027.pdf")
    assert (report.flavour, report.profile) == ("FACTURX", "EN16931")
    assert data.buyer.siret == "98765432100029"
    assert data.buyer.siret_source.endswith("SpecifiedLegalOrganization/ram:ID")
    assert (data.service_code, data.ej_number, data.cadre) == ("SERVEXEC", "PO201925478", "A1")
    assert len(data.lines) == 3
    assert data.vat_breakdown


def test_ubl_buyer_siret_and_routing_fields():
    _report, data = run("ubl/akretion-ubl-21-en16931.xml")
    assert data.buyer.siret == "78787878400018"
    assert (data.service_code, data.ej_number) == ("120943", "PO1242")


def test_embedded_pdf_attachment_is_listed():
    _report, data = run("facturx/akretion-invoice_EN16931.pdf")
    assert [a["name"] for a in data.attachments] == ["Bon_de_livraison.pdf"]


def test_ubl_credit_note_is_detected():
    report, data = run("ubl/cen-ubl-tc434-creditnote1.xml")
    assert report.flavour == "UBL_CREDITNOTE"
    assert data.is_credit_note


@pytest.mark.parametrize(
    ("name", "rules", "source"),
    [
        (
            "invalid/corpus-not_validating_EeISI_300_CENfullmodel.ubl.xml",
            {"BR-CO-10", "BR-CO-15"},
            "EN16931",
        ),
        (
            "facturx/ferd-zugferd_2p0_EXTENDED_Warenrechnung.pdf",
            {"FX-SCH-A-001084"},
            "FACTURX-EXTENDED",
        ),
        ("facturx/fnfe-Avoir_FR_type381_BASIC.pdf", {"FX-SCH-A-000026"}, "FACTURX-BASIC"),
        ("invalid/fnfe-fail-Avoir_FR_type380_BASIC.pdf", {"FX-SCH-A-000026"}, "FACTURX-BASIC"),
        ("invalid/mustang-FAIL_zugferd_2p1_MINIMUM_Rechnung_380.xml", {"XSD"}, "XSD"),
        ("invalid/mustang-invalidV2Profile.cii.xml", {"CII-DT-031"}, "EN16931"),
        ("cii/akretion-factur-x-basicwl.xml", {"BR-16", "BR-CO-10"}, "EN16931"),
        ("facturx/mustang-validAvoir_FR_type380_BASICWL.pdf", {"BR-16"}, "EN16931"),
        ("invalid/mustang-invalidXMP.pdf", {"FX-XMP-002"}, "FACTURX-EN16931"),
        ("invalid/mustang-corruptedV2PDF.pdf", {"FMT-006"}, "FORMAT"),
        ("invalid/corpus-fail-factur-x-invalid-xml-encoding-attribute.pdf", {"FMT-004"}, "FORMAT"),
    ],
)
def test_expected_findings_are_reproduced(name, rules, source):
    report, _ = run(name)
    found = {f.rule_id for f in report.errors if f.source == source}
    assert rules <= found, [f.as_json() for f in report.findings]


@pytest.mark.parametrize(
    ("name", "errors", "cen_errors"),
    [
        # (file, errors only the Factur-X profile rules report, errors the CEN rules report)
        ("cii/cen-CII_example5.xml", 0, 0),  # plain CII: no Factur-X profile rules
        ("cii/mustang-facturFrMinimum.xml", 2, 9),
        ("facturx/fnfe-Facture_DOM_BASICWL.pdf", 0, 11),
        ("facturx/fnfe-Facture_FR_BASICWL.pdf", 0, 13),
        ("facturx/fnfe-Facture_FR_MINIMUM.pdf", 2, 9),
        ("invalid/fnfe-fail-Facture_FR_EN16931.pdf", 4, 19),
    ],
)
def test_factur_x_profile_errors_are_not_repeated_under_cen_ids(name, errors, cen_errors):
    """SOURCES.md's CEN counts; an FNFE finding at a CEN finding's place is that CEN finding."""
    report, _ = run(name)
    assert len([f for f in report.errors if f.source.startswith("FACTURX-")]) == errors
    assert len([f for f in report.errors if f.source == "EN16931"]) == cen_errors


def test_arithmetic_error_names_the_line_and_business_term():
    report, _ = run("invalid/mustang-invalidArithmetics.cii.xml")
    finding = next(f for f in report.findings if f.rule_id == "CHORUS-101")
    assert finding.severity == "warning"  # our own check, no Chorus Pro source: never blocks
    assert report.valid
    assert finding.business_term == "BT-131"
    assert "IncludedSupplyChainTradeLineItem[1]" in finding.location
    assert "320.00" in finding.message_fr


def test_en_rule_messages_are_french_with_business_term_and_readable_location():
    report, _ = run("invalid/corpus-not_validating_EeISI_300_CENfullmodel.ubl.xml")
    finding = next(f for f in report.findings if f.rule_id == "BR-CO-10")
    assert finding.message_fr.startswith("La somme des montants nets")
    assert finding.business_term == "BT-106"
    assert finding.location == "/ubl:Invoice[1]/cac:LegalMonetaryTotal[1]"


def test_a_line_total_that_is_not_the_sum_of_the_lines_is_one_finding_under_the_cen_id():
    """Σ lines ≠ BT-106 is BR-CO-10 (CEN, every flavour): no second blocking finding of ours."""
    report, _ = run("invalid/corpus-not_validating_EeISI_300_CENfullmodel.ubl.xml")
    assert [f.rule_id for f in report.findings].count("BR-CO-10") == 1
    assert not [f for f in report.findings if f.source == "CHORUS" and f.blocking]
