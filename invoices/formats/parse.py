"""Hardened XML parsing and Factur-X PDF extraction. Nothing here touches the network.

* XML: lxml with `resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False`, and any
  DOCTYPE is refused outright (XXE, billion laughs and external DTDs all need one).
* PDF: pikepdf (qpdf) lists the embedded files; the invoice is `factur-x.xml`, then the ZUGFeRD 2.0
  `zugferd-invoice.xml`, then `xrechnung.xml`; the ZUGFeRD 1.0 `ZUGFeRD-invoice.xml` only when
  nothing else is there (it is then refused by detection).
"""

import io
import re
from dataclasses import dataclass, field

from lxml import etree

from chorus.exceptions import ChorusError
from chorus.limits import INVOICE_FILE_MAX_BYTES

MAX_XML_BYTES = INVOICE_FILE_MAX_BYTES  # one limit per kind of file (chorus/limits.py)
MAX_PDF_BYTES = INVOICE_FILE_MAX_BYTES
# An embedded file is inflated at most this far: a small deflate bomb must not fill the memory.
MAX_EMBEDDED_BYTES = 5 * 1024 * 1024
PREFERRED_XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
XMP_NAMESPACES = (
    "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#",
)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


class FormatError(ChorusError):
    """The file cannot be read as an invoice: `rule_id` names the reason for the report."""

    def __init__(self, message: str, *, rule_id: str) -> None:
        super().__init__(message, field="file", code=rule_id)
        self.rule_id = rule_id


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def strip_bom(data: bytes) -> bytes:
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML bytes into a root element, or raise `FormatError`."""
    if len(data) > MAX_XML_BYTES:
        raise FormatError(
            f"Fichier XML : {len(data) // 1024} Ko, la limite est de "
            f"{MAX_XML_BYTES // 1024 // 1024} Mo.",
            rule_id="FMT-002",
        )
    data = strip_bom(data)
    if _DOCTYPE.search(data[:4096]) or _DOCTYPE.search(data):
        raise FormatError(
            "Fichier XML : une déclaration DOCTYPE ou ENTITY est interdite (risque XXE / "
            "expansion d'entités) ; une facture EN 16931 n'en comporte jamais.",
            rule_id="FMT-003",
        )
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        raise FormatError(f"Fichier XML mal formé : {str(exc)[:200]}", rule_id="FMT-004") from None
    if root is None:
        raise FormatError("Fichier XML vide.", rule_id="FMT-004")
    return root


@dataclass
class PdfContent:
    xml: bytes | None
    xml_name: str = ""
    attachments: list[dict[str, object]] = field(default_factory=list)  # the other embedded files
    xmp_level: str | None = None  # fx:ConformanceLevel as written in the XMP, if any
    other_xml_names: list[str] = field(default_factory=list)
    # PDF/A-3 facts read by pikepdf (validate.pdfa_findings): pdfa_part, pdfa_conformance,
    # fx_document_type, fx_document_file_name, af_relationship, in_catalog_af, output_intent.
    structure: dict[str, object] | None = None


PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def _pdf_structure(pdf, meta, invoice_name: str) -> dict[str, object]:
    """What the PDF/A-3 checks need, read defensively: a missing part is just absent."""
    import pikepdf

    out: dict[str, object] = {}
    if meta is not None:
        out["pdfa_part"] = str(meta.get(f"{{{PDFAID}}}part") or "")
        out["pdfa_conformance"] = str(meta.get(f"{{{PDFAID}}}conformance") or "")
        for ns in XMP_NAMESPACES:
            if meta.get(f"{{{ns}}}DocumentFileName") or meta.get(f"{{{ns}}}DocumentType"):
                out["fx_document_type"] = str(meta.get(f"{{{ns}}}DocumentType") or "")
                out["fx_document_file_name"] = str(meta.get(f"{{{ns}}}DocumentFileName") or "")
                break
    spec = pdf.attachments.get(invoice_name) if invoice_name else None
    if spec is not None:
        relationship = spec.obj.get("/AFRelationship")
        out["af_relationship"] = str(relationship)[1:] if relationship is not None else ""
        catalog_af = pdf.Root.get("/AF")
        if isinstance(catalog_af, pikepdf.Array):
            target = spec.obj.objgen
            out["in_catalog_af"] = any(
                getattr(item, "objgen", None) == target and target != (0, 0) for item in catalog_af
            )
    intents = pdf.Root.get("/OutputIntents")
    if isinstance(intents, pikepdf.Array):
        out["output_intent"] = any(
            isinstance(i, pikepdf.Dictionary)
            and i.get("/S") == pikepdf.Name("/GTS_PDFA1")
            and "/DestOutputProfile" in i
            for i in intents
        )
    return out


def _bounded_read(stream, limit: int = MAX_EMBEDDED_BYTES) -> bytes:
    """Decode an embedded file without ever holding more than `limit` + 1 bytes of it."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    if filters is None:
        data = stream.read_raw_bytes()
    elif filters == pikepdf.Name.FlateDecode and "/DecodeParms" not in stream:
        data = zlib.decompressobj().decompress(stream.read_raw_bytes(), limit + 1)
    else:
        raise FormatError(
            "Fichier PDF : pièce jointe encodée de façon non prise en charge.", rule_id="FMT-006"
        )
    if len(data) > limit:
        raise FormatError(
            f"Fichier PDF : fichier embarqué de plus de {limit // 1024 // 1024} Mo.",
            rule_id="FMT-002",
        )
    return data


def extract_from_pdf(data: bytes) -> PdfContent:
    """The embedded invoice XML of a Factur-X / ZUGFeRD PDF, or raise `FormatError`."""
    import pikepdf

    if len(data) > MAX_PDF_BYTES:
        raise FormatError(
            f"Fichier PDF : {len(data) // 1024} Ko, la limite est de "
            f"{MAX_PDF_BYTES // 1024 // 1024} Mo.",
            rule_id="FMT-002",
        )
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            files: dict[str, bytes] = {}
            for name, spec in pdf.attachments.items():
                files[str(name)] = _bounded_read(spec.get_file().obj)
            xmp_level = None
            meta = None
            try:
                meta = pdf.open_metadata()
                for ns in XMP_NAMESPACES:
                    value = meta.get(f"{{{ns}}}ConformanceLevel")
                    if value:
                        xmp_level = str(value)
                        break
            except Exception:
                xmp_level = None
            chosen = _choose_invoice(files)
            try:
                structure = _pdf_structure(pdf, meta, chosen)
            except Exception:
                structure = {}
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(
            f"Fichier PDF illisible ou corrompu ({type(exc).__name__}).", rule_id="FMT-005"
        ) from None
    if not chosen:
        raise FormatError(
            "Fichier PDF : aucune facture XML embarquée (factur-x.xml attendu) ; ce n'est pas "
            "un Factur-X.",
            rule_id="FMT-006",
        )
    attachments = [
        {"name": name, "size": len(content)} for name, content in files.items() if name != chosen
    ]
    return PdfContent(
        xml=files[chosen],
        xml_name=chosen,
        attachments=attachments,
        xmp_level=xmp_level,
        other_xml_names=[n for n in files if n != chosen and n.lower().endswith(".xml")],
        structure=structure,
    )


def _choose_invoice(files: dict[str, bytes]) -> str:
    lowered = {name.lower(): name for name in files}
    for candidate in PREFERRED_XML_NAMES:
        if candidate in lowered and lowered[candidate] != "ZUGFeRD-invoice.xml":
            return lowered[candidate]
    xml_names = [name for name in files if name.lower().endswith(".xml")]
    return xml_names[0] if xml_names else ""
