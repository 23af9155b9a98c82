"""`telecharger/groupe`: the invoices' files (PDF, XML, attachments), one ZIP."""

import base64
import io
import zipfile

import pikepdf
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    Body,
    error,
    ok,
)
from api.views.base import CproView, cpro_schema
from api.views.factures.common import _as_list, _id, unknown_invoice
from api.views.factures.search import _visible
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
)
from chorus.exceptions import ChorusError
from invoices.documents import invoice_render_documents
from invoices.models import Invoice, InvoiceDocument
from invoices.services import (
    invoice_event_create,
)
from invoices.uploads import MAX_TOTAL_SIZE
from invoices.vocabulary import InvoiceAction


# Download --------------------------------------------------------------------------------------
def _pivot_xml(pdf_bytes: bytes) -> bytes | None:
    """The CII XML embedded in a Factur-X PDF."""
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            for name, attachment in pdf.attachments.items():
                if name.lower().endswith(".xml"):
                    return attachment.get_file().read_bytes()
    except (pikepdf.PdfError, ValueError):
        return None
    return None


def _read(doc: InvoiceDocument) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


def _invoice_files(invoice: Invoice, *, fmt: str, with_attachments: bool) -> list[tuple]:
    if not invoice.documents.filter(kind=InvoiceDocument.Kind.FACTURX_PDF).exists():
        invoice_render_documents(invoice_id=invoice.pk)
    documents = list(invoice.documents.all())
    by_kind = {doc.kind: doc for doc in documents}
    number = (invoice.number or str(invoice.pk)).replace("/", "-")
    files = []
    facturx = by_kind.get(InvoiceDocument.Kind.FACTURX_PDF)
    if fmt == "PDF":
        main = by_kind.get(InvoiceDocument.Kind.ORIGINAL) or facturx
        if main is not None:
            files.append((f"{invoice.pk}/{main.filename}", _read(main)))
    elif facturx is not None:
        xml = _pivot_xml(_read(facturx))
        if xml is not None:
            files.append((f"{invoice.pk}/facture-{number}.xml", xml))
    if with_attachments:
        for doc in documents:
            if doc.kind == InvoiceDocument.Kind.PIECE_JOINTE:
                files.append((f"{invoice.pk}/pj/{doc.filename}", _read(doc)))
    return files


# Chorus Pro documents only the 120 MB bound of the result (chorus-pro.md §8): ours also bounds the
# number of distinct invoices (a repeated id counts once), so one call cannot ask for thousands.
MAX_GROUP_INVOICES = 500


class TelechargerGroupeView(CproView):
    """`telecharger/groupe`: a base64 zip of the invoices' PDF or XML (413 over 120 MB), each
    invoice once however often it is listed, at most MAX_GROUP_INVOICES distinct invoices."""

    @cpro_schema(
        request=REQUESTS["telecharger"],
        responses={
            200: envelope_schema("TelechargerGroupe", fichierResultat=serializers.CharField()),
            413: OpenApiResponse(description="Résultat de plus de 120 Mo"),
        },
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        fmt = str(body.get("format", "PDF")).upper()
        if fmt == "XML":
            fmt = "PIVOT"
        if fmt not in ("PDF", "PIVOT"):
            raise ChorusError("format : PDF ou PIVOT attendu.", field="format")
        with_attachments = str(body.get("avecPiecesJointesComplementaires", "NON")).upper() in (
            "OUI",
            "TRUE",
        )
        items = _as_list(body.get("listeFacture"))
        if not items:
            raise ChorusError(
                "listeFacture : au moins une facture est attendue.", field="listeFacture"
            )
        ids: dict[int, None] = {}  # each invoice once, in the order asked
        for item in items:
            ident = (
                Body(item).first("idFacture", "identifiantFactureCPP")
                if isinstance(item, dict)
                else item
            )
            if _id(ident) is None:
                raise unknown_invoice(ident)
            ids[_id(ident)] = None
            if len(ids) > MAX_GROUP_INVOICES:
                raise ChorusError(
                    f"listeFacture : {MAX_GROUP_INVOICES} factures différentes au maximum par "
                    "téléchargement ; demandez les autres dans un autre appel.",
                    field="listeFacture",
                )
        invoices = [_visible(request, invoice_id) for invoice_id in ids]
        buffer, total = io.BytesIO(), 0
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice in invoices:
                for name, content in _invoice_files(
                    invoice, fmt=fmt, with_attachments=with_attachments
                ):
                    total += len(content)
                    if total > MAX_TOTAL_SIZE:
                        return error(
                            413,
                            "Le résultat du téléchargement dépasse 120 Mo : demandez moins de "
                            "factures à la fois.",
                            http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                        )
                    archive.writestr(name, content)
        structure = request.technical_account.structure
        for invoice in invoices:
            side = "recipiendaire" if invoice.recipient_id == structure.pk else "fournisseur"
            invoice_event_create(
                invoice=invoice,
                action=InvoiceAction.DOWNLOADED,
                actor=request.user,
                data={"by": side, "format": fmt},
            )
        return ok({"fichierResultat": base64.b64encode(buffer.getvalue()).decode()})
