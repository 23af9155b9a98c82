"""Invoice documents as bytes: pure rendering, no storage (style.md R5).

Everything is rendered from what the invoice froze at deposit (snapshots, totals, lines), never from
live `Structure` rows. No network: the URL fetcher only accepts `data:` URLs, fonts come from the
system (DejaVu / Liberation). The Factur-X is written by WeasyPrint in one pass: PDF/A-3b, the CII
XML embedded as `factur-x.xml` (text/xml, AFRelationship /Data, listed in the catalogue's /AF) and
the Factur-X XMP extension schema added to WeasyPrint's own XMP packet by a finisher. This is what
the factur-x library writes, without its second parse-and-rewrite of the whole PDF (issue 9, P5).
"""

import base64
import datetime
import warnings
from functools import cache
from typing import Any

import pydyf
import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone
from lxml import etree
from weasyprint.urls import URLFetcher

from chorus.fr import format_amount, format_number, format_price, format_rate
from invoices.choices import VatExemptionReason
from invoices.cii import build_cii
from invoices.formats.schematron import factur_x_schema
from invoices.models import Invoice, InvoiceDocument

EMULATION_NOTICE = "Émulation — sans valeur légale"


def _party(snapshot: dict[str, str], fallback_siret: str = "") -> dict[str, str]:
    return {
        "name": snapshot.get("name", ""),
        "siret": snapshot.get("siret") or fallback_siret,
        "address": snapshot.get("address", ""),
        "city_line": " ".join(filter(None, [snapshot.get("postal_code"), snapshot.get("city")])),
        "country": snapshot.get("country", ""),
        "vat_number": snapshot.get("vat_number", ""),
    }


def _exemption_label(reason: str) -> str:
    return VatExemptionReason(reason).label if reason in VatExemptionReason.values else ""


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    """Template context of the invoice, built only from the invoice's frozen data and lines."""
    currency = invoice.currency
    lines = [
        {
            "position": line.position,
            "designation": line.designation,
            "quantity": format_number(line.quantity),
            "unit": line.unit,
            "unit_price": format_price(line.unit_price, currency),
            "vat_rate": format_rate(line.vat_rate),
            "exemption": _exemption_label(line.exemption_reason),
            "net": format_amount(line.line_net, currency),
        }
        for line in invoice.lines.all()
    ]
    vat_groups = [
        {
            "rate": format_rate(group["rate"]),
            "exemption": _exemption_label(group.get("exemption_reason", "")),
            "taxable": format_amount(group["taxable_amount"], currency),
            "tax": format_amount(group["tax_amount"], currency),
        }
        for group in invoice.vat_breakdown
    ]
    credited = invoice.credited_invoice if invoice.credited_invoice_id else None
    return {
        "invoice": invoice,
        "title": invoice.get_type_display(),
        "notice": EMULATION_NOTICE,
        "supplier": _party(invoice.supplier_snapshot or {}),
        "recipient": _party(invoice.recipient_snapshot or {}, invoice.recipient_siret),
        "credited_number": credited.number if credited else "",
        "lines": lines,
        "vat_groups": vat_groups,
        "total_net": format_amount(invoice.total_net, currency),
        "total_vat": format_amount(invoice.total_vat, currency),
        "total_gross": format_amount(invoice.total_gross, currency),
    }


def render_invoice_html(invoice: Invoice) -> str:
    return render_to_string("invoices/pdf/invoice.html", invoice_context(invoice))


FACTURX_FILENAME = "factur-x.xml"
FACTURX_NS = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
# The XMP a Factur-X reader looks for (Factur-X 1.0 § 6.2.2): the PDF/A extension schema that
# declares the fx: properties, then their values. Both go inside WeasyPrint's rdf:RDF.
_FX_PROPERTIES = (
    ("DocumentFileName", "The name of the embedded XML document"),
    ("DocumentType", "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER"),
    ("Version", "The actual version of the standard applying to the embedded XML document"),
    ("ConformanceLevel", "The conformance level of the embedded XML document"),
)
FACTURX_XMP = (
    '<rdf:Description rdf:about="" '
    'xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" '
    'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" '
    'xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>"
    f"<pdfaSchema:namespaceURI>{FACTURX_NS}</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>fx</pdfaSchema:prefix>"
    "<pdfaSchema:property><rdf:Seq>"
    + "".join(
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description>"
        "</rdf:li>"
        for name, description in _FX_PROPERTIES
    )
    + "</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>"
    "</rdf:Description>"
    f'<rdf:Description rdf:about="" xmlns:fx="{FACTURX_NS}">'
    "<fx:DocumentType>INVOICE</fx:DocumentType>"
    f"<fx:DocumentFileName>{FACTURX_FILENAME}</fx:DocumentFileName>"
    "<fx:Version>1.0</fx:Version>"
    "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>"
    "</rdf:Description>"
).encode()


@cache
def _fetcher() -> URLFetcher:
    """One fetcher per process: building one loads the system CA bundle (≈ 15 ms), although
    only `data:` URLs are ever fetched."""
    return URLFetcher(allowed_protocols=["data"])


def _write_pdf(html: str, **options: Any) -> bytes:
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB ICC profile (PDF/A OutputIntent) and never closes it; the
        # file is released during `write_pdf`, so the warning is silenced here and nowhere else.
        warnings.filterwarnings(
            "ignore",
            message=r"unclosed file <_io\.BufferedReader name='.*sRGB2014\.icc'>",
            category=ResourceWarning,
        )
        return weasyprint.HTML(string=html, url_fetcher=_fetcher()).write_pdf(**options)


def _factur_x_finisher(document: Any, pdf: Any) -> None:
    """WeasyPrint finisher: the fx: XMP joins WeasyPrint's packet; readers open on the XML."""
    reference = pdf.catalog["Metadata"]
    stream = pdf.objects[int(reference.split()[0])]
    packet = b"".join(part if isinstance(part, bytes) else part.encode() for part in stream.stream)
    if packet.count(b"</rdf:RDF>") != 1:
        raise ValueError("Paquet XMP de WeasyPrint inattendu : Factur-X non produit.")
    stream.stream = [packet.replace(b"</rdf:RDF>", FACTURX_XMP + b"</rdf:RDF>")]
    # WeasyPrint 70 lists each attachment twice in /AF (once from the name tree, once from the file
    # specs); one entry per file, as PDF/A-3 and factur-x expect.
    pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
    pdf.catalog["PageMode"] = "/UseAttachments"


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """Factur-X (PDF/A-3b, EN 16931 profile) of a deposited invoice, in one WeasyPrint pass."""
    xml = build_cii(invoice)
    factur_x_schema().assertValid(etree.fromstring(xml))
    attachment = weasyprint.Attachment(
        url="data:text/xml;base64," + base64.b64encode(xml).decode(),
        url_fetcher=_fetcher(),
        name=FACTURX_FILENAME,
        description="Factur-X XML file",
        relationship="Data",
    )
    return _write_pdf(
        render_invoice_html(invoice),
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        finisher=_factur_x_finisher,
    )


def certificate_context(invoice: Invoice, *, facturx_sha256: str | None = None) -> dict[str, Any]:
    """The certificate quotes the deposited original (PDF deposit) or else the Factur-X."""
    original = invoice.documents.filter(kind=InvoiceDocument.Kind.ORIGINAL).first()
    if facturx_sha256 is None:
        stored = invoice.documents.filter(kind=InvoiceDocument.Kind.FACTURX_PDF).first()
        facturx_sha256 = stored.sha256 if stored else ""
    deposited_at: datetime.datetime | None = invoice.deposited_at
    return {
        **invoice_context(invoice),
        "deposited_at": timezone.localtime(deposited_at) if deposited_at else None,
        "facturx_sha256": facturx_sha256,
        "original_sha256": original.sha256 if original else "",
        "original_name": original.filename if original else "",
        "issued_at": timezone.localtime(),
    }


def render_deposit_certificate_html(invoice: Invoice, *, facturx_sha256: str | None = None) -> str:
    context = certificate_context(invoice, facturx_sha256=facturx_sha256)
    return render_to_string("invoices/pdf/deposit_certificate.html", context)


def render_deposit_certificate(invoice: Invoice, *, facturx_sha256: str | None = None) -> bytes:
    """«Attestation de dépôt» (PDF/A-3b). Without `facturx_sha256`, reads the stored Factur-X."""
    html = render_deposit_certificate_html(invoice, facturx_sha256=facturx_sha256)
    return _write_pdf(html, pdf_variant="pdf/a-3b")
