"""OASIS UBL 2.1 writer (Invoice and CreditNote), EN 16931 core. Pure: no database.

Same inputs as the CII writer (`cii_writer.build_cii`): the invoice's frozen fields, snapshots, VAT
breakdown and lines. Chorus routing data: BT-10 `cbc:BuyerReference` = code service, BT-13
`cac:OrderReference/cbc:ID` = EJ, buyer SIRET in `cbc:EndpointID` and `cac:PartyIdentification`
(schemeID 0009), SIREN in `cac:PartyLegalEntity/cbc:CompanyID` (0002). Element order follows the
UBL 2.1 XSD sequences.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from lxml import etree

from invoices.choices import InvoiceType, VatExemptionReason
from invoices.formats.cii_writer import (
    PROFILE_EN16931,
    SCHEME_SIREN,
    SCHEME_SIRET,
    TYPE_CODES,
    UNIT_CODES,
    _amount,
    _quantity,
    invoice_categories,
    party_vat_number,
    payment_means_code,
    seller_tax_registration,
    vat_category,
)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDITNOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS = {"cac": CAC, "cbc": CBC}


def _sub(parent: etree._Element, tag: str, text: Any = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = str(text)
    return element


def _party(
    parent: etree._Element,
    tag: str,
    snapshot: dict[str, str],
    siret: str,
    vat_number: str,
    tax_registration: str = "",
) -> None:
    party = _sub(_sub(parent, tag), "cac:Party")
    if siret:
        _sub(party, "cbc:EndpointID", siret, schemeID=SCHEME_SIRET)
        _sub(_sub(party, "cac:PartyIdentification"), "cbc:ID", siret, schemeID=SCHEME_SIRET)
    address = _sub(party, "cac:PostalAddress")
    if snapshot.get("address"):
        _sub(address, "cbc:StreetName", snapshot["address"])
    if snapshot.get("city"):
        _sub(address, "cbc:CityName", snapshot["city"])
    if snapshot.get("postal_code"):
        _sub(address, "cbc:PostalZone", snapshot["postal_code"])
    _sub(_sub(address, "cac:Country"), "cbc:IdentificationCode", snapshot.get("country") or "FR")
    if vat_number:
        scheme = _sub(party, "cac:PartyTaxScheme")
        _sub(scheme, "cbc:CompanyID", vat_number)
        _sub(_sub(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    if tax_registration:  # BT-32: a tax scheme other than VAT
        scheme = _sub(party, "cac:PartyTaxScheme")
        _sub(scheme, "cbc:CompanyID", tax_registration)
        _sub(_sub(scheme, "cac:TaxScheme"), "cbc:ID", "TAX")
    legal = _sub(party, "cac:PartyLegalEntity")
    _sub(legal, "cbc:RegistrationName", snapshot.get("name") or f"SIRET {siret}")
    if siret:
        _sub(legal, "cbc:CompanyID", siret[:9], schemeID=SCHEME_SIREN)


def _tax_category(parent: etree._Element, tag: str, rate: Decimal, reason: str) -> None:
    category, code = vat_category(rate, reason)
    element = _sub(parent, tag)
    _sub(element, "cbc:ID", category)
    if category != "O":
        _sub(element, "cbc:Percent", _amount(rate))
    if tag == "cac:TaxCategory" and category != "S":
        if code:
            _sub(element, "cbc:TaxExemptionReasonCode", code)
        label = VatExemptionReason(reason).label if reason in VatExemptionReason.values else ""
        _sub(element, "cbc:TaxExemptionReason", label or "Exonération de TVA")
    _sub(_sub(element, "cac:TaxScheme"), "cbc:ID", "VAT")


def build_ubl(invoice: Any, lines: Iterable[Any] | None = None) -> bytes:
    """The invoice as UBL 2.1 (CreditNote for an AVOIR), UTF-8 bytes with an XML declaration."""
    lines = list(invoice.lines.all() if lines is None else lines)
    credit = invoice.type == InvoiceType.AVOIR
    supplier = invoice.supplier_snapshot or {}
    recipient = invoice.recipient_snapshot or {}
    categories = invoice_categories(lines)
    root_ns = CREDITNOTE_NS if credit else INVOICE_NS
    root = etree.Element(
        f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
        nsmap={None: root_ns, "cac": CAC, "cbc": CBC},
    )
    _sub(root, "cbc:CustomizationID", PROFILE_EN16931)
    _sub(root, "cbc:ProfileID", invoice.cadre.split("_", 1)[0])  # BT-23
    _sub(root, "cbc:ID", invoice.number)
    _sub(root, "cbc:IssueDate", invoice.issue_date.isoformat())
    if invoice.due_date and not credit:
        _sub(root, "cbc:DueDate", invoice.due_date.isoformat())
    type_code = TYPE_CODES.get(invoice.type, "380")
    _sub(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", type_code)
    if invoice.comment:
        _sub(root, "cbc:Note", invoice.comment)
    _sub(root, "cbc:DocumentCurrencyCode", invoice.currency)
    if invoice.service_code:
        _sub(root, "cbc:BuyerReference", invoice.service_code)
    if invoice.ej_number:
        _sub(_sub(root, "cac:OrderReference"), "cbc:ID", invoice.ej_number)
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    if credited is not None and credited.number:
        reference = _sub(_sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        _sub(reference, "cbc:ID", credited.number)
        if credited.issue_date:
            _sub(reference, "cbc:IssueDate", credited.issue_date.isoformat())
    seller_vat = party_vat_number(supplier, categories)
    _party(
        root,
        "cac:AccountingSupplierParty",
        supplier,
        supplier.get("siret", ""),
        seller_vat,
        seller_tax_registration(supplier, categories),
    )
    buyer_siret = recipient.get("siret") or invoice.recipient_siret
    buyer_vat = party_vat_number(recipient, categories)
    _party(root, "cac:AccountingCustomerParty", recipient, buyer_siret, buyer_vat)
    if invoice.issue_date:
        # BT-72 = the invoice date, as in the CII (the portal asks no delivery date); BT-80 of an
        # intra-community supply (BR-IC-11, BR-IC-12) = the buyer's country.
        delivery = _sub(root, "cac:Delivery")
        _sub(delivery, "cbc:ActualDeliveryDate", invoice.issue_date.isoformat())
        if "K" in categories:
            address = _sub(_sub(delivery, "cac:DeliveryLocation"), "cac:Address")
            country = recipient.get("country") or "FR"
            _sub(_sub(address, "cac:Country"), "cbc:IdentificationCode", country)
    iban = supplier.get("iban", "")
    if invoice.payment_mode or iban or (credit and invoice.due_date):
        means = _sub(root, "cac:PaymentMeans")
        code = payment_means_code(invoice.payment_mode, iban)
        _sub(means, "cbc:PaymentMeansCode", code)  # BT-81
        if credit and invoice.due_date:
            _sub(means, "cbc:PaymentDueDate", invoice.due_date.isoformat())
        if iban and code in ("30", "58"):
            account = _sub(means, "cac:PayeeFinancialAccount")
            _sub(account, "cbc:ID", iban)  # BT-84
            if supplier.get("bic"):
                branch = _sub(account, "cac:FinancialInstitutionBranch")
                _sub(branch, "cbc:ID", supplier["bic"])  # BT-86
    if not invoice.due_date:
        _sub(_sub(root, "cac:PaymentTerms"), "cbc:Note", "Paiement à réception de la facture.")
    tax_total = _sub(root, "cac:TaxTotal")
    _sub(tax_total, "cbc:TaxAmount", _amount(invoice.total_vat), currencyID=invoice.currency)
    for group in invoice.vat_breakdown:
        subtotal = _sub(tax_total, "cac:TaxSubtotal")
        cur = {"currencyID": invoice.currency}
        _sub(subtotal, "cbc:TaxableAmount", _amount(group["taxable_amount"]), **cur)
        _sub(subtotal, "cbc:TaxAmount", _amount(group["tax_amount"]), **cur)
        rate = Decimal(group["rate"])
        _tax_category(subtotal, "cac:TaxCategory", rate, group.get("exemption_reason", ""))
    total = _sub(root, "cac:LegalMonetaryTotal")
    cur = {"currencyID": invoice.currency}
    _sub(total, "cbc:LineExtensionAmount", _amount(invoice.total_net), **cur)
    _sub(total, "cbc:TaxExclusiveAmount", _amount(invoice.total_net), **cur)
    _sub(total, "cbc:TaxInclusiveAmount", _amount(invoice.total_gross), **cur)
    _sub(total, "cbc:PayableAmount", _amount(invoice.total_gross), **cur)
    for line in lines:
        element = _sub(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        _sub(element, "cbc:ID", line.position)
        unit = UNIT_CODES.get((line.unit or "").upper(), "C62")
        quantity_tag = "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity"
        _sub(element, quantity_tag, _quantity(line.quantity), unitCode=unit)
        _sub(element, "cbc:LineExtensionAmount", _amount(line.line_net), **cur)
        item = _sub(element, "cac:Item")
        _sub(item, "cbc:Name", line.designation)
        _tax_category(item, "cac:ClassifiedTaxCategory", line.vat_rate, line.exemption_reason)
        _sub(_sub(element, "cac:Price"), "cbc:PriceAmount", _quantity(line.unit_price), **cur)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
