"""Map a parsed CII / UBL invoice to plain data (standards.md §2.2 XPath map). No database.

`extract(document)` returns an `InvoiceData`: parties, routing data (buyer SIRET from several paths
and schemes, BT-10 code service, BT-13 EJ, BT-23 cadre), dates, lines, VAT breakdown, totals and the
names of embedded attachments. Missing values are "" / None: validation decides what is required.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from lxml import etree

from invoices.formats.detect import CII, FACTURX, UBL_CREDITNOTE_FLAVOUR, Document

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
SCHEME_SIRET, SCHEME_SIREN = "0009", "0002"
SUB_LINE_STATUSES = {"DETAIL", "INFORMATION"}
CREDIT_NOTE_CODES = {"381", "261", "262", "296", "308", "396", "420", "458", "532"}


@dataclass
class PartyData:
    name: str = ""
    siret: str = ""
    siret_source: str = ""  # the XPath the SIRET was read from
    siren: str = ""
    vat_number: str = ""
    country: str = ""
    identifiers: list[dict[str, str]] = field(default_factory=list)  # every id with its scheme


@dataclass
class LineData:
    line_id: str
    name: str
    quantity: Decimal | None
    unit_code: str
    net_price: Decimal | None
    price_base_quantity: Decimal | None
    net_amount: Decimal | None
    vat_category: str
    vat_rate: Decimal | None
    location: str = ""


@dataclass
class VatGroupData:
    category: str
    rate: Decimal | None
    taxable_amount: Decimal | None
    tax_amount: Decimal | None
    exemption_reason: str = ""
    exemption_code: str = ""


@dataclass
class TotalsData:
    line_total: Decimal | None = None  # BT-106
    allowance_total: Decimal | None = None  # BT-107
    charge_total: Decimal | None = None  # BT-108
    tax_basis_total: Decimal | None = None  # BT-109
    tax_total: Decimal | None = None  # BT-110
    grand_total: Decimal | None = None  # BT-112
    prepaid: Decimal | None = None  # BT-113
    due_payable: Decimal | None = None  # BT-115


@dataclass
class InvoiceData:
    flavour: str
    number: str = ""  # BT-1
    type_code: str = ""  # BT-3
    issue_date: datetime.date | None = None  # BT-2
    due_date: datetime.date | None = None  # BT-9
    currency: str = ""  # BT-5
    service_code: str = ""  # BT-10
    contract_reference: str = ""  # BT-12
    ej_number: str = ""  # BT-13
    cadre: str = ""  # BT-23
    guideline: str = ""  # BT-24
    preceding_invoice: str = ""  # BT-25
    payment_means: str = ""  # BT-81
    iban: str = ""  # BT-84
    note: str = ""  # BT-22 (first)
    seller: PartyData = field(default_factory=PartyData)
    buyer: PartyData = field(default_factory=PartyData)
    lines: list[LineData] = field(default_factory=list)
    vat_breakdown: list[VatGroupData] = field(default_factory=list)
    totals: TotalsData = field(default_factory=TotalsData)
    attachments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_credit_note(self) -> bool:
        return self.flavour == UBL_CREDITNOTE_FLAVOUR or self.type_code in CREDIT_NOTE_CODES

    def summary(self) -> dict[str, Any]:
        """JSON-safe routing summary for reports."""
        return {
            "number": self.number,
            "type_code": self.type_code,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "currency": self.currency,
            "seller_name": self.seller.name,
            "seller_siret": self.seller.siret,
            "buyer_name": self.buyer.name,
            "buyer_siret": self.buyer.siret,
            "buyer_siret_source": self.buyer.siret_source,
            "service_code": self.service_code,
            "ej_number": self.ej_number,
            "cadre": self.cadre,
            "lines": len(self.lines),
            "grand_total": _str(self.totals.grand_total),
            "due_payable": _str(self.totals.due_payable),
            "attachments": [a["name"] for a in self.attachments],
        }

    def as_json(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@cache
def _xpath(path: str) -> etree.XPath:
    """Compiled once per process: a 10,000-line invoice evaluates each line path 10,000 times."""
    return etree.XPath(path, namespaces=NS)


class _X:
    """XPath helpers bound to a context node."""

    def __init__(self, node: etree._Element) -> None:
        self.node = node

    def all(self, path: str, node: etree._Element | None = None) -> list[Any]:
        return _xpath(path)(node if node is not None else self.node)

    def text(self, path: str, node: etree._Element | None = None) -> str:
        found = self.all(path, node)
        if not found:
            return ""
        first = found[0]
        value = first if isinstance(first, str) else (first.text or "")
        return " ".join(str(value).split())

    def dec(self, path: str, node: etree._Element | None = None) -> Decimal | None:
        return to_decimal(self.text(path, node))


def to_decimal(value: str) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_date(value: str) -> datetime.date | None:
    value = (value or "").strip()
    compact = value.replace("-", "")
    if len(compact) != 8 or not compact.isdigit():
        return None
    try:
        return datetime.date(int(compact[:4]), int(compact[4:6]), int(compact[6:]))
    except ValueError:
        return None


def _digits(value: str) -> str:
    return "".join(value.split())


def pick_siret(candidates: list[tuple[str, str, str]]) -> tuple[str, str]:
    """(value, scheme, xpath) candidates → (SIRET, xpath): 14 digits under 0009, then under 0002
    (legacy Chorus files), then without a scheme."""
    for wanted in (SCHEME_SIRET, SCHEME_SIREN, ""):
        for value, scheme, path in candidates:
            value = _digits(value)
            if scheme == wanted and len(value) == 14 and value.isdigit():
                return value, path
    return "", ""


def _party_cii(x: _X, node: etree._Element | None, base: str) -> PartyData:
    party = PartyData()
    if node is None:
        return party
    party.name = x.text("ram:Name", node)
    party.country = x.text("ram:PostalTradeAddress/ram:CountryID", node)
    party.vat_number = x.text("ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']", node)
    candidates = []
    for rel in (
        "ram:GlobalID",
        "ram:ID",
        "ram:URIUniversalCommunication/ram:URIID",
        "ram:SpecifiedLegalOrganization/ram:ID",
    ):
        for element in x.all(rel, node):
            value, scheme = (element.text or "").strip(), element.get("schemeID", "")
            candidates.append((value, scheme, f"{base}/{rel}"))
            party.identifiers.append({"id": value, "scheme": scheme, "path": f"{base}/{rel}"})
    party.siret, party.siret_source = pick_siret(candidates)
    legal = x.text("ram:SpecifiedLegalOrganization/ram:ID", node)
    party.siren = party.siret[:9] if party.siret else (_digits(legal)[:9] if legal else "")
    return party


def _party_ubl(x: _X, node: etree._Element | None, base: str) -> PartyData:
    party = PartyData()
    if node is None:
        return party
    party.name = x.text("cac:PartyLegalEntity/cbc:RegistrationName", node) or x.text(
        "cac:PartyName/cbc:Name", node
    )
    party.country = x.text("cac:PostalAddress/cac:Country/cbc:IdentificationCode", node)
    party.vat_number = x.text("cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID", node)
    candidates = []
    for rel in (
        "cac:PartyIdentification/cbc:ID",
        "cbc:EndpointID",
        "cac:PartyLegalEntity/cbc:CompanyID",
    ):
        for element in x.all(rel, node):
            value, scheme = (element.text or "").strip(), element.get("schemeID", "")
            candidates.append((value, scheme, f"{base}/{rel}"))
            party.identifiers.append({"id": value, "scheme": scheme, "path": f"{base}/{rel}"})
    party.siret, party.siret_source = pick_siret(candidates)
    legal = x.text("cac:PartyLegalEntity/cbc:CompanyID", node)
    party.siren = party.siret[:9] if party.siret else (_digits(legal)[:9] if legal else "")
    return party


def _extract_cii(root: etree._Element, data: InvoiceData) -> None:
    x = _X(root)
    base = "/rsm:CrossIndustryInvoice"
    tx = "rsm:SupplyChainTradeTransaction"
    hta = f"{tx}/ram:ApplicableHeaderTradeAgreement"
    hts = f"{tx}/ram:ApplicableHeaderTradeSettlement"
    data.number = x.text("rsm:ExchangedDocument/ram:ID")
    data.type_code = x.text("rsm:ExchangedDocument/ram:TypeCode")
    data.issue_date = to_date(x.text("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString"))
    data.note = x.text("rsm:ExchangedDocument/ram:IncludedNote/ram:Content")
    context = "rsm:ExchangedDocumentContext"
    data.cadre = x.text(f"{context}/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID")
    data.guideline = x.text(f"{context}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID")
    data.service_code = x.text(f"{hta}/ram:BuyerReference")
    data.ej_number = x.text(f"{hta}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID")
    data.contract_reference = x.text(f"{hta}/ram:ContractReferencedDocument/ram:IssuerAssignedID")
    sellers = x.all(f"{hta}/ram:SellerTradeParty")
    buyers = x.all(f"{hta}/ram:BuyerTradeParty")
    data.seller = _party_cii(
        x, sellers[0] if sellers else None, f"{base}/{hta}/ram:SellerTradeParty"
    )
    data.buyer = _party_cii(x, buyers[0] if buyers else None, f"{base}/{hta}/ram:BuyerTradeParty")
    data.currency = x.text(f"{hts}/ram:InvoiceCurrencyCode")
    data.due_date = to_date(
        x.text(f"{hts}/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    )
    data.preceding_invoice = x.text(f"{hts}/ram:InvoiceReferencedDocument/ram:IssuerAssignedID")
    means = f"{hts}/ram:SpecifiedTradeSettlementPaymentMeans"
    data.payment_means = x.text(f"{means}/ram:TypeCode")
    data.iban = x.text(f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID")
    for tax in x.all(f"{hts}/ram:ApplicableTradeTax"):
        data.vat_breakdown.append(
            VatGroupData(
                category=x.text("ram:CategoryCode", tax),
                rate=x.dec("ram:RateApplicablePercent", tax),
                taxable_amount=x.dec("ram:BasisAmount", tax),
                tax_amount=x.dec("ram:CalculatedAmount", tax),
                exemption_reason=x.text("ram:ExemptionReason", tax),
                exemption_code=x.text("ram:ExemptionReasonCode", tax),
            )
        )
    summ = f"{hts}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"
    currency = data.currency
    tax_total = x.dec(f"{summ}/ram:TaxTotalAmount[@currencyID='{currency}']") if currency else None
    data.totals = TotalsData(
        line_total=x.dec(f"{summ}/ram:LineTotalAmount"),
        allowance_total=x.dec(f"{summ}/ram:AllowanceTotalAmount"),
        charge_total=x.dec(f"{summ}/ram:ChargeTotalAmount"),
        tax_basis_total=x.dec(f"{summ}/ram:TaxBasisTotalAmount"),
        tax_total=tax_total if tax_total is not None else x.dec(f"{summ}/ram:TaxTotalAmount"),
        grand_total=x.dec(f"{summ}/ram:GrandTotalAmount"),
        prepaid=x.dec(f"{summ}/ram:TotalPrepaidAmount"),
        due_payable=x.dec(f"{summ}/ram:DuePayableAmount"),
    )
    for index, item in enumerate(x.all(f"{tx}/ram:IncludedSupplyChainTradeLineItem"), start=1):
        status = x.text("ram:AssociatedDocumentLineDocument/ram:LineStatusReasonCode", item)
        if status.upper() in SUB_LINE_STATUSES:
            continue  # EXTENDED sub-lines: already counted in their GROUP line
        price = "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice"
        line_tax = "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
        quantity = x.all("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", item)
        data.lines.append(
            LineData(
                line_id=x.text("ram:AssociatedDocumentLineDocument/ram:LineID", item),
                name=x.text("ram:SpecifiedTradeProduct/ram:Name", item),
                quantity=to_decimal(quantity[0].text or "") if quantity else None,
                unit_code=quantity[0].get("unitCode", "") if quantity else "",
                net_price=x.dec(f"{price}/ram:ChargeAmount", item),
                price_base_quantity=x.dec(f"{price}/ram:BasisQuantity", item),
                net_amount=x.dec(
                    "ram:SpecifiedLineTradeSettlement/"
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
                    item,
                ),
                vat_category=x.text(f"{line_tax}/ram:CategoryCode", item),
                vat_rate=x.dec(f"{line_tax}/ram:RateApplicablePercent", item),
                location=f"{base}/{tx}/ram:IncludedSupplyChainTradeLineItem[{index}]",
            )
        )
    for ref in x.all(f"{hta}/ram:AdditionalReferencedDocument[ram:AttachmentBinaryObject]"):
        binary = x.all("ram:AttachmentBinaryObject", ref)[0]
        data.attachments.append(
            {
                "name": binary.get("filename", "") or x.text("ram:IssuerAssignedID", ref),
                "mime": binary.get("mimeCode", ""),
                "size": len((binary.text or "").strip()) * 3 // 4,
                "embedded_in": "xml",
            }
        )


def _extract_ubl(root: etree._Element, data: InvoiceData) -> None:
    x = _X(root)
    root_name = etree.QName(root).localname
    base = f"/{root_name}"
    credit = root_name == "CreditNote"
    data.number = x.text("cbc:ID")
    data.type_code = x.text("cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode")
    data.issue_date = to_date(x.text("cbc:IssueDate"))
    data.due_date = to_date(x.text("cbc:DueDate")) or to_date(
        x.text("cac:PaymentMeans/cbc:PaymentDueDate")
    )
    data.note = x.text("cbc:Note")
    data.currency = x.text("cbc:DocumentCurrencyCode")
    data.service_code = x.text("cbc:BuyerReference")
    data.ej_number = x.text("cac:OrderReference/cbc:ID")
    data.contract_reference = x.text("cac:ContractDocumentReference/cbc:ID")
    data.cadre = x.text("cbc:ProfileID")
    data.guideline = x.text("cbc:CustomizationID")
    data.preceding_invoice = x.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID")
    data.payment_means = x.text("cac:PaymentMeans/cbc:PaymentMeansCode")
    data.iban = x.text("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID")
    sellers = x.all("cac:AccountingSupplierParty/cac:Party")
    buyers = x.all("cac:AccountingCustomerParty/cac:Party")
    data.seller = _party_ubl(
        x, sellers[0] if sellers else None, f"{base}/cac:AccountingSupplierParty/cac:Party"
    )
    data.buyer = _party_ubl(
        x, buyers[0] if buyers else None, f"{base}/cac:AccountingCustomerParty/cac:Party"
    )
    tax_totals = x.all("cac:TaxTotal[cac:TaxSubtotal]") or x.all("cac:TaxTotal")
    for sub in x.all("cac:TaxSubtotal", tax_totals[0]) if tax_totals else []:
        data.vat_breakdown.append(
            VatGroupData(
                category=x.text("cac:TaxCategory/cbc:ID", sub),
                rate=x.dec("cac:TaxCategory/cbc:Percent", sub),
                taxable_amount=x.dec("cbc:TaxableAmount", sub),
                tax_amount=x.dec("cbc:TaxAmount", sub),
                exemption_reason=x.text("cac:TaxCategory/cbc:TaxExemptionReason", sub),
                exemption_code=x.text("cac:TaxCategory/cbc:TaxExemptionReasonCode", sub),
            )
        )
    currency = data.currency
    tax_total = x.dec(f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{currency}']") if currency else None
    total = "cac:LegalMonetaryTotal"
    data.totals = TotalsData(
        line_total=x.dec(f"{total}/cbc:LineExtensionAmount"),
        allowance_total=x.dec(f"{total}/cbc:AllowanceTotalAmount"),
        charge_total=x.dec(f"{total}/cbc:ChargeTotalAmount"),
        tax_basis_total=x.dec(f"{total}/cbc:TaxExclusiveAmount"),
        tax_total=tax_total if tax_total is not None else x.dec("cac:TaxTotal/cbc:TaxAmount"),
        grand_total=x.dec(f"{total}/cbc:TaxInclusiveAmount"),
        prepaid=x.dec(f"{total}/cbc:PrepaidAmount"),
        due_payable=x.dec(f"{total}/cbc:PayableAmount"),
    )
    line_tag = "cac:CreditNoteLine" if credit else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
    for index, item in enumerate(x.all(line_tag), start=1):
        quantity = x.all(quantity_tag, item)
        data.lines.append(
            LineData(
                line_id=x.text("cbc:ID", item),
                name=x.text("cac:Item/cbc:Name", item),
                quantity=to_decimal(quantity[0].text or "") if quantity else None,
                unit_code=quantity[0].get("unitCode", "") if quantity else "",
                net_price=x.dec("cac:Price/cbc:PriceAmount", item),
                price_base_quantity=x.dec("cac:Price/cbc:BaseQuantity", item),
                net_amount=x.dec("cbc:LineExtensionAmount", item),
                vat_category=x.text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", item),
                vat_rate=x.dec("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", item),
                location=f"{base}/{line_tag}[{index}]",
            )
        )
    for ref in x.all(
        "cac:AdditionalDocumentReference[cac:Attachment/cbc:EmbeddedDocumentBinaryObject]"
    ):
        binary = x.all("cac:Attachment/cbc:EmbeddedDocumentBinaryObject", ref)[0]
        data.attachments.append(
            {
                "name": binary.get("filename", "") or x.text("cbc:ID", ref),
                "mime": binary.get("mimeCode", ""),
                "size": len((binary.text or "").strip()) * 3 // 4,
                "embedded_in": "xml",
            }
        )


def extract(document: Document) -> InvoiceData:
    data = InvoiceData(flavour=document.flavour)
    if document.flavour in (CII, FACTURX):
        _extract_cii(document.root, data)
    else:
        _extract_ubl(document.root, data)
    if document.pdf is not None:
        for attachment in document.pdf.attachments:
            data.attachments.append({**attachment, "embedded_in": "pdf"})
    return data
