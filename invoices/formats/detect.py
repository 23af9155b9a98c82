"""Flavour and profile detection (standards.md §1.3, §5 steps 1–4).

`read_document(data, filename)` sniffs PDF vs XML, extracts the embedded XML of a Factur-X PDF,
parses it with the hardened parser and returns a `Document`; unreadable or unsupported input raises
`FormatError` with a French reason (ZUGFeRD 1.0 included).
"""

import re
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
    # The Factur-X profile whose FNFE rules apply: declared by a Factur-X / ZUGFeRD 2 BT-24, or the
    # bare EN 16931 id inside a Factur-X PDF; "" for plain CII, CIUS and unknown specifications.
    facturx_profile: str = ""

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


EN16931_ID = "urn:cen.eu:en16931:2017"
_FX_MARKERS = ("factur-x.eu", "zugferd.de")


def facturx_profile_from_guideline(guideline: str, *, in_pdf: bool) -> str:
    """The Factur-X profile a BT-24 declares ("" when it declares none).

    Factur-X / ZUGFeRD 2 ids (urn:factur-x.eu:1p0:minimum, …#compliant#urn:factur-x.eu:1p0:basic,
    urn:zugferd.de:2p0:…) and the French EXTENDED-CTC-FR declare a profile; the bare EN 16931 id
    is the Factur-X EN16931 profile only inside a Factur-X PDF (a plain CII with it is EN 16931).
    CIUS ids (XRechnung, Peppol BIS…) declare no Factur-X profile.
    """
    value = (guideline or "").strip().lower()
    if "extended-ctc-fr" in value:
        return EXTENDED_CTC_FR
    if any(marker in value for marker in _FX_MARKERS):
        return profile_from_guideline(value) or (EN16931 if value.endswith(":en16931") else "")
    if value == EN16931_ID and in_pdf:
        return EN16931
    return ""


def is_cius(guideline: str) -> bool:
    """A specification built on EN 16931 (CIUS or extension) other than the norm itself."""
    value = (guideline or "").strip().lower()
    return value.startswith(EN16931_ID + "#")


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
    try:
        tag = etree.QName(root)
    except ValueError:
        # A name libxml2 lets through but XML namespaces forbid (« : », found by the fuzzer).
        raise FormatError(
            f"Fichier XML mal formé : nom d'élément racine « {str(root.tag)[:50]} » invalide.",
            rule_id="FMT-004",
        ) from None
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


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF16_HEADS = {b"<\x00?\x00": "utf-16-le", b"\x00<\x00?": "utf-16-be"}
_ENCODING_DECL = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2", re.ASCII)


def to_utf8(data: bytes) -> bytes:
    """UTF-16 XML (with or without BOM) re-encoded as UTF-8, its encoding declaration dropped.

    Every later step (DOCTYPE guard, lxml, saxonche) then reads UTF-8; other input is unchanged.
    """
    codec = ""
    codec = "utf-16" if data[:2] in _UTF16_BOMS else _UTF16_HEADS.get(data[:4], "")
    if not codec:
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise FormatError("Fichier XML : encodage UTF-16 invalide.", rule_id="FMT-004") from None
    text = _ENCODING_DECL.sub(r"\1", text.lstrip("\ufeff"), count=1)
    return text.encode("utf-8")


def _looks_like_xml(data: bytes) -> bool:
    return strip_bom(data[:1024]).lstrip().startswith(b"<")


def read_document(data: bytes, filename: str = "") -> Document:
    """Sniff, extract, parse and classify one uploaded file.

    Detection is by parsing: what starts like XML (after a BOM and blanks, UTF-8 or UTF-16) is
    parsed as XML, even with `%PDF-` in a comment; otherwise `%PDF-` in the first KiB means PDF.
    """
    if not data:
        raise FormatError("Fichier vide.", rule_id="FMT-001")
    data = to_utf8(data)
    pdf: PdfContent | None = None
    if _looks_like_xml(data):
        xml = data
    elif data[:1024].find(b"%PDF-") != -1:
        pdf = extract_from_pdf(data)
        xml = to_utf8(pdf.xml or b"")
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
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper().replace("_", "-")
    if encoding not in ("UTF-8", "UTF8", "US-ASCII", "ASCII"):
        # Latin-1 & co.: the schematron runs on text, so hand it UTF-8 (lxml decoded it already).
        xml = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)
    flavour = classify(root)
    if pdf is not None:
        if flavour != CII:
            raise FormatError(
                "Factur-X : le XML embarqué doit être une facture CII (CrossIndustryInvoice).",
                rule_id="FMT-008",
            )
        flavour = FACTURX
    guideline = _guideline(root, CII if flavour == FACTURX else flavour)
    facturx_profile = ""
    if flavour in (CII, FACTURX):
        facturx_profile = facturx_profile_from_guideline(guideline, in_pdf=pdf is not None)
    return Document(
        flavour=flavour,
        profile=profile_from_guideline(guideline),
        guideline=guideline,
        root=root,
        xml=strip_bom(xml),
        filename=filename,
        pdf=pdf,
        facturx_profile=facturx_profile,
    )
