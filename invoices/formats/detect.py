"""Flavour and profile detection (standards.md §1.3, §5 steps 1–4).

`read_document(data, filename)` sniffs PDF vs XML, extracts the embedded XML of a Factur-X PDF,
parses it with the hardened parser and returns a `Document`; unreadable or unsupported input raises
`FormatError` with a French reason (ZUGFeRD 1.0 included).
"""

from dataclasses import dataclass, field

from lxml import etree

from invoices.formats.parse import FormatError, PdfContent, extract_from_pdf, parse_xml, strip_bom

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDITNOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ZUGFERD1 = "urn:ferd:CrossIndustryDocument:invoice:1p0"

FACTURX = "FACTURX"
CII = "CII"
UBL_INVOICE_FLAVOUR = "UBL_INVOICE"
UBL_CREDITNOTE_FLAVOUR = "UBL_CREDITNOTE"
FLAVOUR_LABELS = {
    FACTURX: "Factur-X (PDF/A-3 + CII)",
    CII: "UN/CEFACT CII D16B",
    UBL_INVOICE_FLAVOUR: "UBL 2.1 Invoice",
    UBL_CREDITNOTE_FLAVOUR: "UBL 2.1 CreditNote",
}
# Chorus Pro `syntaxeFlux` of each flavour (chorus-pro.md §5.1).
SYNTAXE_FLUX = {
    FACTURX: "IN_DP_E2_CII_FACTURX",
    CII: "IN_DP_E1_CII_16B",
    UBL_INVOICE_FLAVOUR: "IN_DP_E1_UBL_INVOICE",
    UBL_CREDITNOTE_FLAVOUR: "IN_DP_E1_UBL_INVOICE",
}

MINIMUM, BASICWL, BASIC, EN16931, EXTENDED = "MINIMUM", "BASICWL", "BASIC", "EN16931", "EXTENDED"
EXTENDED_CTC_FR = "EXTENDED-CTC-FR"
PROFILES = (MINIMUM, BASICWL, BASIC, EN16931, EXTENDED, EXTENDED_CTC_FR)
# XMP fx:ConformanceLevel values → profile.
XMP_LEVELS = {
    "MINIMUM": MINIMUM,
    "BASIC WL": BASICWL,
    "BASIC": BASIC,
    "EN 16931": EN16931,
    "EXTENDED": EXTENDED,
    "XRECHNUNG": EN16931,
}


@dataclass
class Document:
    flavour: str
    profile: str  # one of PROFILES, or "" when BT-24 names an unknown specification
    guideline: str  # BT-24 as written
    root: etree._Element
    xml: bytes
    filename: str = ""
    pdf: PdfContent | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_ubl(self) -> bool:
        return self.flavour in (UBL_INVOICE_FLAVOUR, UBL_CREDITNOTE_FLAVOUR)

    @property
    def syntaxe_flux(self) -> str:
        return SYNTAXE_FLUX[self.flavour]


def profile_from_guideline(guideline: str) -> str:
    """BT-24 → profile. Unknown specification identifiers (ZUGFeRD 1 URNs…) give ""."""
    value = (guideline or "").strip().lower()
    if not value:
        return ""
    if value.startswith("urn:ferd:"):
        return ""
    if "extended-ctc-fr" in value:
        return EXTENDED_CTC_FR
    if value.endswith(":minimum"):
        return MINIMUM
    if value.endswith(":basicwl"):
        return BASICWL
    if value.endswith(":basic"):
        return BASIC
    if value.endswith(":extended"):
        return EXTENDED
    if value.startswith("urn:cen.eu:en16931:2017"):
        return EN16931  # EN 16931 itself, Peppol BIS 3, XRechnung… (CIUS of the norm)
    return ""


def _guideline(root: etree._Element, flavour: str) -> str:
    if flavour == CII:
        found = root.find(
            f"{{{RSM}}}ExchangedDocumentContext/{{{RAM}}}GuidelineSpecifiedDocumentContextParameter"
            f"/{{{RAM}}}ID"
        )
    else:
        found = root.find(f"{{{CBC}}}CustomizationID")
    return (found.text or "").strip() if found is not None else ""


def classify(root: etree._Element) -> str:
    """Root element → flavour; ZUGFeRD 1.0 and anything else raise `FormatError`."""
    tag = etree.QName(root)
    if tag.namespace == RSM and tag.localname == "CrossIndustryInvoice":
        return CII
    if tag.namespace == UBL_INVOICE and tag.localname == "Invoice":
        return UBL_INVOICE_FLAVOUR
    if tag.namespace == UBL_CREDITNOTE and tag.localname == "CreditNote":
        return UBL_CREDITNOTE_FLAVOUR
    if tag.localname == "CrossIndustryDocument" or (tag.namespace or "").startswith("urn:ferd:"):
        raise FormatError(
            "ZUGFeRD 1.0 (CrossIndustryDocument) n'est plus accepté : déposez une facture "
            "Factur-X / ZUGFeRD 2.x (CII D16B, CrossIndustryInvoice) ou UBL 2.1.",
            rule_id="FMT-007",
        )
    raise FormatError(
        f"Syntaxe non reconnue (élément racine « {tag.localname} ») : seuls UBL 2.1 "
        "(Invoice, CreditNote), CII D16B (CrossIndustryInvoice) et Factur-X sont acceptés.",
        rule_id="FMT-008",
    )


def read_document(data: bytes, filename: str = "") -> Document:
    """Sniff, extract, parse and classify one uploaded file."""
    if not data:
        raise FormatError("Fichier vide.", rule_id="FMT-001")
    head = strip_bom(data[:1024]).lstrip()
    pdf: PdfContent | None = None
    if data[:1024].find(b"%PDF-") != -1:
        pdf = extract_from_pdf(data)
        xml = pdf.xml or b""
    elif head.startswith(b"<"):
        xml = data
    else:
        raise FormatError(
            "Fichier non reconnu : ni XML (UBL, CII) ni PDF Factur-X.", rule_id="FMT-001"
        )
    try:
        root = parse_xml(xml)
    except FormatError as exc:
        if pdf is not None:
            raise FormatError(
                f"XML embarqué « {pdf.xml_name} » illisible : {exc.message}", rule_id=exc.rule_id
            ) from None
        raise
    flavour = classify(root)
    if pdf is not None:
        if flavour != CII:
            raise FormatError(
                "Factur-X : le XML embarqué doit être une facture CII (CrossIndustryInvoice).",
                rule_id="FMT-008",
            )
        flavour = FACTURX
    guideline = _guideline(root, CII if flavour == FACTURX else flavour)
    return Document(
        flavour=flavour,
        profile=profile_from_guideline(guideline),
        guideline=guideline,
        root=root,
        xml=strip_bom(xml),
        filename=filename,
        pdf=pdf,
    )
