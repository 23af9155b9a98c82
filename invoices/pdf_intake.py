"""Pre-fill of the "Dépôt PDF" form from the deposited PDF (issue 3).

A Factur-X PDF carries its CII XML: the values come from it (buyer SIRET, BT-1 number, BT-10
buyer reference = code service, BT-13 order = EJ, dates, totals). Otherwise the text of the first
pages is extracted with pypdf and searched for the French keywords of an invoice ("SIRET client",
"n° d'engagement", "Total HT"…). Nothing here is trusted: the user confirms every value, and the
services check them again on deposit.

Work is bounded: only the first `MAX_PAGES` pages and `MAX_TEXT` characters are read; the XML is
parsed with a hardened lxml parser (no entities, no network, no huge trees). Any parser failure
gives an empty pre-fill, never an error.
"""

import datetime
import io
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree
from stdnum.fr import siret as fr_siret

logger = logging.getLogger(__name__)

MAX_PAGES = 2
MAX_TEXT = 20_000
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{0,19}$")


@dataclass
class Prefill:
    """Values found in the PDF (empty string / None when not found) and where they came from."""

    source: str = ""  # "facturx", "texte" or "" (nothing readable)
    number: str = ""
    type: str = ""
    recipient_siret: str = ""
    service_code: str = ""
    ej_number: str = ""
    issue_date: datetime.date | None = None
    due_date: datetime.date | None = None
    total_net: Decimal | None = None
    total_vat: Decimal | None = None
    total_gross: Decimal | None = None
    found: list[str] = field(default_factory=list)

    def header(self) -> dict:
        """The draft header fields that were found (for `invoice_create_draft`)."""
        names = ("number", "type", "recipient_siret", "service_code", "ej_number")
        data = {name: getattr(self, name) for name in names if getattr(self, name)}
        for name in ("issue_date", "due_date"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    def totals(self) -> dict:
        return {
            name: getattr(self, name)
            for name in ("total_net", "total_vat", "total_gross")
            if getattr(self, name) is not None
        }


# --- helpers ---------------------------------------------------------------------------------


def parse_amount(text: str) -> Decimal | None:
    """French or plain amounts: "1 234,56 €", "1.234,56", "1234.56", "-5,00"."""
    value = re.sub(r"[\s\u00a0\u202f€]|EUR", "", text or "")
    if not value:
        return None
    if "," in value and "." in value:
        value = value.replace(".", "").replace(",", ".")
    elif "," in value:
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= 10**13:
        return None
    return amount.quantize(Decimal("0.01"))


def _valid_siret(candidate: str) -> str:
    digits = re.sub(r"[\s\u00a0\u202f.]", "", candidate)
    return digits if len(digits) == 14 and fr_siret.is_valid(digits) else ""


def _date(text: str) -> datetime.date | None:
    text = (text or "").strip()
    for pattern in ("%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    return None


def _clean_number(value: str) -> str:
    value = (value or "").strip()
    return value if NUMBER_RE.match(value) else ""


# --- Factur-X --------------------------------------------------------------------------------


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _embedded_xml(content: bytes) -> bytes | None:
    try:
        from facturx import get_xml_from_pdf

        _name, xml = get_xml_from_pdf(content, check_xsd=False)
    except Exception:
        logger.info("pdf_intake: pas de XML Factur-X lisible")
        return None
    return xml or None


def prefill_from_cii(xml: bytes, *, supplier_siret: str = "") -> Prefill | None:
    try:
        root = etree.fromstring(xml, _xml_parser())
    except etree.XMLSyntaxError:
        return None

    def text(path: str) -> str:
        return str(root.xpath(f"string({path})", namespaces=NS)).strip()

    prefill = Prefill(source="facturx")
    prefill.number = _clean_number(text("/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"))
    type_code = text("//rsm:ExchangedDocument/ram:TypeCode")
    prefill.type = "AVOIR" if type_code in ("381", "261", "262") else ""
    prefill.issue_date = _date(text("//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"))
    prefill.due_date = _date(
        text("//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    )
    buyer_ids = root.xpath(
        "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID"
        " | //ram:BuyerTradeParty/ram:GlobalID | //ram:BuyerTradeParty/ram:ID",
        namespaces=NS,
    )
    for node in buyer_ids:
        siret = _valid_siret(node.text or "")
        if siret and siret != supplier_siret:
            prefill.recipient_siret = siret
            break
    prefill.service_code = text("//ram:ApplicableHeaderTradeAgreement/ram:BuyerReference")[:100]
    prefill.ej_number = text(
        "//ram:ApplicableHeaderTradeAgreement/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"
    )[:50]
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    prefill.total_net = parse_amount(text(f"{summation}/ram:TaxBasisTotalAmount"))
    prefill.total_vat = parse_amount(text(f"{summation}/ram:TaxTotalAmount"))
    prefill.total_gross = parse_amount(text(f"{summation}/ram:GrandTotalAmount"))
    prefill.found = [name for name, value in vars(prefill).items() if value and name != "source"]
    return prefill


# --- text ------------------------------------------------------------------------------------

AMOUNT = r"(-?\d{1,3}(?:[ \u00a0\u202f.]\d{3})*(?:,\d{1,2})?|-?\d+(?:[.,]\d{1,2})?)\s*(?:€|EUR)?"
DATE = r"(\d{2}[/.\-]\d{2}[/.\-]\d{4}|\d{4}-\d{2}-\d{2})"
SIRET_CHARS = r"(\d{3}[ \u00a0.]?\d{3}[ \u00a0.]?\d{3}[ \u00a0.]?\d{5})"
SEP = r"\s*[:.]?\s*"

TEXT_PATTERNS = {
    "number": [
        rf"n[°o]\.?\s*(?:de\s+)?facture{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        rf"facture\s+n[°o]\.?{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        rf"num[ée]ro\s+de\s+facture{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        r"\bfacture\s+([A-Za-z0-9/_.\-]*\d[A-Za-z0-9/_.\-]*)",
        rf"invoice\s*(?:#|n[°o]\.?|number){SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
    ],
    "ej_number": [
        rf"n[°o]\.?\s*d['’]\s*engagement(?:\s+juridique)?{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        rf"engagement\s+juridique{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        rf"(?:n[°o]\.?\s*(?:de\s+|du\s+)?)?bon\s+de\s+commande{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
        rf"\bEJ{SEP}([A-Za-z0-9][A-Za-z0-9/_.\-]*)",
    ],
    "service_code": [
        rf"code\s+service{SEP}([A-Za-z0-9][A-Za-z0-9_.\-]*)",
        rf"service\s+ex[ée]cutant{SEP}([A-Za-z0-9][A-Za-z0-9_.\-]*)",
    ],
    "issue_date": [
        rf"date\s+(?:de\s+(?:la\s+)?facture|d['’]\s*[ée]mission|de\s+facturation){SEP}{DATE}",
        rf"factur[ée]e?\s+le{SEP}{DATE}",
    ],
    "due_date": [rf"(?:date\s+d['’]\s*)?[ée]ch[ée]ance{SEP}{DATE}"],
    "total_net": [rf"(?:total|montant)\s+(?:net\s+)?H\.?T\.?{SEP}{AMOUNT}"],
    "total_vat": [
        rf"(?:total|montant)\s+(?:de\s+la\s+)?T\.?V\.?A\.?{SEP}{AMOUNT}",
        rf"total\s+taxes{SEP}{AMOUNT}",
    ],
    "total_gross": [
        rf"(?:total|montant)\s+T\.?T\.?C\.?{SEP}{AMOUNT}",
        rf"net\s+[àa]\s+payer{SEP}{AMOUNT}",
    ],
}
RECIPIENT_SIRET_RE = re.compile(
    rf"SIRET\s+(?:du\s+)?(?:client|destinataire|acheteur){SEP}{SIRET_CHARS}", re.IGNORECASE
)
ANY_SIRET_RE = re.compile(rf"(?<!\d){SIRET_CHARS}(?!\d)")


def extract_text(content: bytes, *, max_pages: int = MAX_PAGES) -> str:
    """Text of the first pages (pypdf), capped; empty on any failure."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            return ""
        parts = []
        for page in reader.pages[:max_pages]:
            parts.append(page.extract_text() or "")
            if sum(map(len, parts)) > MAX_TEXT:
                break
    except Exception:
        logger.info("pdf_intake: texte illisible")
        return ""
    return "\n".join(parts)[:MAX_TEXT]


def prefill_from_text(text: str, *, supplier_siret: str = "") -> Prefill:
    prefill = Prefill(source="texte" if text.strip() else "")
    for name, patterns in TEXT_PATTERNS.items():
        for pattern in patterns:
            match = re.search(pattern, text, re.IGNORECASE)
            if not match:
                continue
            raw = match.group(1)
            if name == "number":  # a number carries at least one digit ("n° de facture associée")
                value = _clean_number(raw) if re.search(r"\d", raw) else ""
            elif name in ("issue_date", "due_date"):
                value = _date(raw)
            elif name.startswith("total"):
                value = parse_amount(raw)
            else:
                value = raw.strip()[: 100 if name == "service_code" else 50]
            if value:
                setattr(prefill, name, value)
                break
    candidates = [m.group(1) for m in RECIPIENT_SIRET_RE.finditer(text)]
    candidates += [m.group(1) for m in ANY_SIRET_RE.finditer(text)]
    for candidate in candidates:
        siret = _valid_siret(candidate)
        if siret and siret != supplier_siret:
            prefill.recipient_siret = siret
            break
    prefill.found = [name for name, value in vars(prefill).items() if value and name != "source"]
    return prefill


def prefill_from_pdf(content: bytes, *, supplier_siret: str = "") -> Prefill:
    """Factur-X XML when present and readable, else the text of the first pages."""
    xml = _embedded_xml(content)
    if xml:
        prefill = prefill_from_cii(xml, supplier_siret=supplier_siret)
        if prefill is not None and prefill.found:
            return prefill
    return prefill_from_text(extract_text(content), supplier_siret=supplier_siret)
