"""UN/CEFACT CII D16B writer, Factur-X EN 16931 profile (standards.md §1–§2). Pure: no database.

Built only from what the invoice froze at deposit: its own fields, `supplier_snapshot`,
`recipient_snapshot`, `vat_breakdown` and its lines. Amounts are written as stored (2 decimals);
the Chorus routing data goes where Chorus Pro reads it: BT-10 BuyerReference = code service,
BT-13 BuyerOrderReferencedDocument = n° d'engagement juridique, BT-46 buyer id = SIRET (0009).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from lxml import etree

from invoices.choices import InvoiceType, PaymentMode, VatExemptionReason

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "qdt": QDT, "ram": RAM, "udt": UDT}
PROFILE_EN16931 = "urn:cen.eu:en16931:2017"

SCHEME_SIRET = "0009"
SCHEME_SIREN = "0002"

TYPE_CODES = {InvoiceType.FACTURE: "380", InvoiceType.AVOIR: "381", InvoiceType.ACOMPTE: "386"}
# BT-81 (UNTDID 4461).
PAYMENT_MEANS = {
    PaymentMode.VIREMENT: "30",
    PaymentMode.CHEQUE: "20",
    PaymentMode.PRELEVEMENT: "59",
    PaymentMode.ESPECE: "10",
    PaymentMode.AUTRE: "1",
    PaymentMode.REPORT: "1",
}
# BT-118 category (UNTDID 5305) and BT-121 VATEX code of a 0 % line, by exemption reason.
EXEMPTION_CATEGORIES = {
    VatExemptionReason.FRANCHISE_293B: ("E", "VATEX-FR-FRANCHISE"),
    VatExemptionReason.EXONERATION_261: ("E", ""),
    VatExemptionReason.AUTOLIQUIDATION: ("AE", "VATEX-EU-AE"),
    VatExemptionReason.LIVRAISON_INTRACOM: ("K", "VATEX-EU-IC"),
    VatExemptionReason.EXPORTATION: ("G", "VATEX-EU-G"),
    VatExemptionReason.HORS_CHAMP: ("O", "VATEX-EU-O"),
}
# BT-130 (UN/ECE Rec. 20) for the units typed on the portal; anything else is "one" (C62).
UNIT_CODES = {"U": "C62", "H": "HUR", "J": "DAY", "KG": "KGM", "M": "MTR", "L": "LTR", "M2": "MTK"}


def payment_means_code(payment_mode: str, iban: str) -> str:
    """BT-81. A credit transfer (30) must name the account (BR-61 / CII-SR-470): without an IBAN in
    the supplier snapshot it is written as "1" (instrument not defined)."""
    code = PAYMENT_MEANS.get(payment_mode) or ("30" if iban else "1")
    return "1" if code == "30" and not iban else code


def vat_category(rate: Decimal, exemption_reason: str) -> tuple[str, str]:
    """(BT-118 category code, BT-121 exemption code) of a rate and an exemption reason."""
    if Decimal(rate) > 0:
        return "S", ""
    return EXEMPTION_CATEGORIES.get(exemption_reason, ("E", ""))


def invoice_categories(lines: Iterable[Any]) -> set[str]:
    """BT-151 categories of the lines (S, E, AE, K, G, O)."""
    return {vat_category(line.vat_rate, line.exemption_reason)[0] for line in lines}


def party_vat_number(snapshot: dict[str, str], categories: set[str]) -> str:
    """BT-31 / BT-48 as written: none on an out-of-scope (O) invoice (EN 16931 BR-O-02)."""
    return "" if "O" in categories else snapshot.get("vat_number") or ""


def seller_tax_registration(snapshot: dict[str, str], categories: set[str]) -> str:
    """BT-32 (seller tax registration identifier): the SIREN of a French seller that has no VAT
    number (franchise en base, for one) on an invoice with standard-rated, exempt or reverse-charge
    lines. EN 16931 accepts BT-32 in place of BT-31 for these (BR-S-02, BR-E-02, BR-AE-02); in
    France the tax administration identifies a business by its SIREN. Not for K and G lines,
    which need a VAT number (the portal asks for one), nor out of scope (O)."""
    siret = snapshot.get("siret") or ""
    if snapshot.get("vat_number") or len(siret) != 14 or "O" in categories:
        return ""
    if (snapshot.get("country") or "FR") != "FR" or not categories & {"S", "E", "AE"}:
        return ""
    return siret[:9]


def _sub(parent: etree._Element, tag: str, text: Any = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NSMAP[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = str(text)
    return element


def _date(parent: etree._Element, tag: str, value: datetime.date) -> None:
    _sub(_sub(parent, tag), "udt:DateTimeString", value.strftime("%Y%m%d"), format="102")


def _amount(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"


def _quantity(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def _party(
    parent: etree._Element,
    tag: str,
    snapshot: dict[str, str],
    siret: str,
    vat_number: str,
    tax_registration: str = "",
) -> None:
    party = _sub(parent, tag)
    if siret:
        _sub(party, "ram:GlobalID", siret, schemeID=SCHEME_SIRET)
    _sub(party, "ram:Name", snapshot.get("name") or f"SIRET {siret}")
    if siret:
        _sub(_sub(party, "ram:SpecifiedLegalOrganization"), "ram:ID", siret[:9], schemeID="0002")
    address = _sub(party, "ram:PostalTradeAddress")
    if snapshot.get("postal_code"):
        _sub(address, "ram:PostcodeCode", snapshot["postal_code"])
    if snapshot.get("address"):
        _sub(address, "ram:LineOne", snapshot["address"])
    if snapshot.get("city"):
        _sub(address, "ram:CityName", snapshot["city"])
    _sub(address, "ram:CountryID", snapshot.get("country") or "FR")
    if vat_number:
        _sub(_sub(party, "ram:SpecifiedTaxRegistration"), "ram:ID", vat_number, schemeID="VA")
    if tax_registration:  # BT-32
        registration = _sub(party, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", tax_registration, schemeID="FC")


def _line(parent: etree._Element, line: Any) -> None:
    item = _sub(parent, "ram:IncludedSupplyChainTradeLineItem")
    _sub(_sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.position)
    _sub(_sub(item, "ram:SpecifiedTradeProduct"), "ram:Name", line.designation)
    agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
    price = _sub(agreement, "ram:NetPriceProductTradePrice")
    _sub(price, "ram:ChargeAmount", _quantity(line.unit_price))
    delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
    unit = UNIT_CODES.get((line.unit or "").upper(), "C62")
    _sub(delivery, "ram:BilledQuantity", _quantity(line.quantity), unitCode=unit)
    settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
    tax = _sub(settlement, "ram:ApplicableTradeTax")
    _sub(tax, "ram:TypeCode", "VAT")
    category, _code = vat_category(line.vat_rate, line.exemption_reason)
    _sub(tax, "ram:CategoryCode", category)
    if category != "O":
        _sub(tax, "ram:RateApplicablePercent", _amount(line.vat_rate))
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(line.line_net))


def _vat_group(parent: etree._Element, group: dict[str, str]) -> None:
    rate, reason = Decimal(group["rate"]), group.get("exemption_reason", "")
    category, code = vat_category(rate, reason)
    tax = _sub(parent, "ram:ApplicableTradeTax")
    _sub(tax, "ram:CalculatedAmount", _amount(group["tax_amount"]))
    _sub(tax, "ram:TypeCode", "VAT")
    if category != "S":
        label = VatExemptionReason(reason).label if reason in VatExemptionReason.values else ""
        _sub(tax, "ram:ExemptionReason", label or "Exonération de TVA")
    _sub(tax, "ram:BasisAmount", _amount(group["taxable_amount"]))
    _sub(tax, "ram:CategoryCode", category)
    if code:
        _sub(tax, "ram:ExemptionReasonCode", code)
    if category != "O":
        _sub(tax, "ram:RateApplicablePercent", _amount(rate))


def build_cii(invoice: Any, lines: Iterable[Any] | None = None) -> bytes:
    """The invoice as Factur-X EN 16931 CII XML (UTF-8 bytes with an XML declaration)."""
    lines = list(invoice.lines.all() if lines is None else lines)
    supplier = invoice.supplier_snapshot or {}
    recipient = invoice.recipient_snapshot or {}
    categories = invoice_categories(lines)
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap=NSMAP)

    context = _sub(root, "rsm:ExchangedDocumentContext")
    business = _sub(context, "ram:BusinessProcessSpecifiedDocumentContextParameter")
    _sub(business, "ram:ID", invoice.cadre.split("_", 1)[0])  # BT-23: A1, A2, A9, A12
    _sub(_sub(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", PROFILE_EN16931)

    document = _sub(root, "rsm:ExchangedDocument")
    _sub(document, "ram:ID", invoice.number)
    _sub(document, "ram:TypeCode", TYPE_CODES.get(invoice.type, "380"))
    _date(document, "ram:IssueDateTime", invoice.issue_date)
    if invoice.comment:
        _sub(_sub(document, "ram:IncludedNote"), "ram:Content", invoice.comment)

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    for line in lines:
        _line(transaction, line)

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.service_code:
        _sub(agreement, "ram:BuyerReference", invoice.service_code)
    seller_vat = party_vat_number(supplier, categories)
    _party(
        agreement,
        "ram:SellerTradeParty",
        supplier,
        supplier.get("siret", ""),
        seller_vat,
        seller_tax_registration(supplier, categories),
    )
    buyer_siret = recipient.get("siret") or invoice.recipient_siret
    buyer_vat = party_vat_number(recipient, categories)
    _party(agreement, "ram:BuyerTradeParty", recipient, buyer_siret, buyer_vat)
    if invoice.ej_number:
        order = _sub(agreement, "ram:BuyerOrderReferencedDocument")
        _sub(order, "ram:IssuerAssignedID", invoice.ej_number)

    delivery = _sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    if "K" in categories:
        # BT-80 (BR-IC-12): an intra-community supply is delivered to the buyer's address.
        ship_to = _sub(_sub(delivery, "ram:ShipToTradeParty"), "ram:PostalTradeAddress")
        _sub(ship_to, "ram:CountryID", recipient.get("country") or "FR")
    if invoice.issue_date:
        # BT-72: the portal asks no delivery date; the invoice date stands for it (as French
        # invoices do by default) so the mandatory group is not empty (PEPPOL-EN16931-R008).
        event = _sub(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", invoice.issue_date)

    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    iban = supplier.get("iban", "")
    if invoice.payment_mode or iban:
        means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        code = payment_means_code(invoice.payment_mode, iban)
        _sub(means, "ram:TypeCode", code)  # BT-81
        if iban and code in ("30", "58"):
            account = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
            _sub(account, "ram:IBANID", iban)  # BT-84
            if supplier.get("bic"):
                bank = _sub(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
                _sub(bank, "ram:BICID", supplier["bic"])  # BT-86
    for group in invoice.vat_breakdown:
        _vat_group(settlement, group)
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    if invoice.due_date:
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    else:
        _sub(terms, "ram:Description", "Paiement à réception de la facture.")
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(invoice.total_net))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(invoice.total_net))
    _sub(summation, "ram:TaxTotalAmount", _amount(invoice.total_vat), currencyID=invoice.currency)
    _sub(summation, "ram:GrandTotalAmount", _amount(invoice.total_gross))
    _sub(summation, "ram:DuePayableAmount", _amount(invoice.total_gross))
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    if credited is not None and credited.number:
        reference = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(reference, "ram:IssuerAssignedID", credited.number)
        if credited.issue_date:
            formatted = _sub(reference, "ram:FormattedIssueDateTime")
            _sub(
                formatted,
                "qdt:DateTimeString",
                credited.issue_date.strftime("%Y%m%d"),
                format="102",
            )

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
