"""`deposer/pdf` and `transverses/v1/ajouter/fichier`: files stored for a later `soumettre`."""

import hashlib
from decimal import Decimal

from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEPOT,
    error,
    ok,
)
from api.idempotency import idempotent
from api.models import ApiFile
from api.views.base import CproView, cpro_schema
from api.views.factures.common import FILE_TOO_BIG_CODE, _decode_base64, _decoded_size
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
)
from chorus.exceptions import ChorusError
from invoices.services.attachments import (
    invoice_create_from_pdf,
)
from invoices.uploads import KIND_ATTACHMENT, MAX_FILE_SIZE, check_uploaded_file


# Files and deposits ----------------------------------------------------------------------------
def _too_big(code: int | None = None) -> Response:
    message = "Le fichier dépasse la taille maximale de 10 Mo."
    if code is None:
        return error(413, message, http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return error(code, message)


def _store_api_file(
    request: Request, *, name: str, content: bytes, content_type: str, invoice=None
):
    return ApiFile.objects.create(
        account=request.technical_account,
        structure=request.technical_account.structure,
        invoice=invoice,
        file=ContentFile(content, name=name),
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _amount_or_none(value) -> float | None:
    return None if value is None else float(value)


class _FileView(CproView):
    """A deposit endpoint: a body over the server's request limit is a file over 10 MB."""

    too_big_code: int | None = None

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            return _too_big(self.too_big_code)
        return super().handle_exception(exc)


class DeposerPdfView(_FileView):
    """`deposer/pdf`: the PDF is read like a portal deposit; answers `pieceJointeId` + OCR."""

    @cpro_schema(
        request=REQUESTS["deposer_pdf"],
        responses={
            200: envelope_schema("DeposerPdf", pieceJointeId=serializers.IntegerField()),
            413: OpenApiResponse(description="PDF de plus de 10 Mo"),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        if _decoded_size(body.get("fichierFacture")) > MAX_FILE_SIZE + 3:
            return _too_big()
        content = _decode_base64(body.get("fichierFacture"), field="fichierFacture")
        if len(content) > MAX_FILE_SIZE:
            return _too_big()
        name = str(body.get("nomFichier", "")).strip() or "facture.pdf"
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        structure = request.technical_account.structure
        with transaction.atomic():
            invoice, prefill = invoice_create_from_pdf(
                supplier=structure, by=request.user, upload=upload
            )
            api_file = _store_api_file(
                request, name=name, content=content, content_type="application/pdf", invoice=invoice
            )
        answer = {
            "pieceJointeId": api_file.pk,
            "numeroFacture": prefill.number or None,
            "dateFacture": prefill.issue_date.isoformat() if prefill.issue_date else None,
            "codeDestinataire": prefill.recipient_siret or None,
            "codeServiceExecutant": prefill.service_code or None,
            "codeFournisseur": structure.identifier,
            "codeDeviseFacture": "EUR",
            # Closed vocabularies, never null (chorus-pro.md §8.5): a type code 380 (or no
            # code read) is a FACTURE, 381/261/262 an AVOIR.
            "typeFacture": "AVOIR" if prefill.type == "AVOIR" else "FACTURE",
            "typeTva": _type_tva(prefill.total_net, prefill.total_vat),
            "numeroBonCommande": prefill.ej_number or None,
            "montantHtTotal": _amount_or_none(prefill.total_net),
            "montantTVA": _amount_or_none(prefill.total_vat),
            "montantTtcAvantRemiseGlobalTTC": _amount_or_none(prefill.total_gross),
            "montantAPayer": _amount_or_none(prefill.total_gross),
        }
        # A date the OCR did not find is left out rather than null: the PHP classes of the spec
        # and GO's Date cannot decode a null date (null strings and amounts they accept).
        if answer["dateFacture"] is None:
            del answer["dateFacture"]
        return ok(answer, libelle=LIBELLE_DEPOT)


# `typeTva` of the official vocabulary (SWG `WsRetourDeposerPdfFacture`).
TYPES_TVA = ("TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA")


def _type_tva(total_net: Decimal | None, total_vat: Decimal | None) -> str:
    """VAT on debits by default; EXONERATION when the PDF shows a positive net and no VAT."""
    if total_vat is not None and total_vat == 0 and total_net:
        return "EXONERATION"
    return "TVA_SUR_DEBIT"


class AjouterFichierView(_FileView):
    """`transverses/v1/ajouter/fichier`: a supporting file; codeRetour 20003 over 10 MB."""

    too_big_code = FILE_TOO_BIG_CODE

    @cpro_schema(
        request=REQUESTS["ajouter_fichier"],
        responses={
            200: envelope_schema("AjouterFichier", pieceJointeId=serializers.IntegerField())
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        if _decoded_size(body.get("pieceJointeFichier")) > MAX_FILE_SIZE + 3:
            return _too_big(FILE_TOO_BIG_CODE)
        content = _decode_base64(body.get("pieceJointeFichier"), field="pieceJointeFichier")
        if len(content) > MAX_FILE_SIZE:
            return _too_big(FILE_TOO_BIG_CODE)
        name = str(body.get("pieceJointeNom", "")).strip()
        extension = str(body.get("pieceJointeExtension", "")).strip().lstrip(".").lower()
        if name and extension and not name.lower().endswith(f".{extension}"):
            name = f"{name}.{extension}"
        if not name:
            raise ChorusError("pieceJointeNom : obligatoire.", field="pieceJointeNom")
        checked = check_uploaded_file(SimpleUploadedFile(name, content), kind=KIND_ATTACHMENT)
        api_file = _store_api_file(
            request, name=checked.name, content=checked.content, content_type=checked.content_type
        )
        return ok({"pieceJointeId": api_file.pk}, libelle=LIBELLE_DEPOT)
