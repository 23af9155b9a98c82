"""The supplier's actions: `recycler`, `completer`, `traiter/rejet`."""

from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEFAUT,
    Body,
    ok,
)
from api.models import ApiFile
from api.views.base import CproView, cpro_schema
from api.views.factures.common import _as_list, _get, _id, _issued, _required_id, unknown_invoice
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
    status_code,
)
from chorus.exceptions import ChorusError
from invoices.models import Invoice
from invoices.services import (
    invoice_process_rejection,
    invoice_recycle,
)
from invoices.services.attachments import (
    invoice_complete_with_attachments,
)


# Supplier actions ------------------------------------------------------------------------------
def _deposit_answer(invoice: Invoice) -> dict:
    return {
        "identifiantFactureCPP": invoice.pk,
        "numeroFacture": invoice.number,
        "statutFacture": status_code(invoice.status),
        "dateDepot": timezone.localtime(invoice.deposited_at).date().isoformat()
        if invoice.deposited_at
        else None,
    }


class RecyclerView(CproView):
    """`recycler`: A_RECYCLER → DEPOSEE with new routing data (SIRET, service, EJ) only."""

    @cpro_schema(request=REQUESTS["recycler"], responses={200: envelope_schema("RecyclerFacture")})
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _get(_issued(request), _required_id(body, "identifiantFactureCPP", "idFacture"))
        recipient = body.sub("destinataire")
        references = body.sub("reference") if body.get("reference") else body.sub("references")
        raw = {str(k).lower() for k in recipient.raw()}
        invoice = invoice_recycle(
            invoice_id=invoice.pk,
            by=request.user,
            recipient_siret=str(recipient.get("codeDestinataire", invoice.recipient_siret)),
            service_code=str(recipient.get("codeServiceExecutant", ""))
            if "codeserviceexecutant" in raw
            else invoice.service_code,
            ej_number=str(references.get("numeroBonCommande", invoice.ej_number)),
            comment=str(body.get("commentaire", "")),
        )
        return ok(_deposit_answer(invoice), libelle=LIBELLE_DEFAUT)


def _api_files(request: Request, ids: Iterable[Any], *, field: str) -> list[ApiFile]:
    files = []
    for raw in ids:
        file_id = _id(raw)
        if file_id is None:
            raise ChorusError(f"{field} : identifiant entier attendu (« {raw} »).", field=field)
        api_file = ApiFile.objects.filter(
            pk=file_id, structure=request.technical_account.structure
        ).first()
        if api_file is None:
            raise ChorusError(
                f"{field} : la pièce jointe {file_id} est inconnue (déposez-la avec "
                "factures/v1/deposer/pdf ou transverses/v1/ajouter/fichier).",
                field=field,
            )
        files.append(api_file)
    return files


def _upload(api_file: ApiFile) -> SimpleUploadedFile:
    with api_file.file.open("rb") as handle:
        content = handle.read()
    return SimpleUploadedFile(api_file.filename, content, content_type=api_file.content_type)


def _complementary_ids(body: Body) -> list:
    ids = []
    for item in _as_list(body.get("pieceJointeComplementaire")):
        item = Body(item) if isinstance(item, dict) else None
        value = (
            item.first("pieceJointeComplementaireId", "pieceJointeId", "idPieceJointe")
            if item
            else None
        )
        if value is not None:
            ids.append(value)
    return ids


class CompleterView(CproView):
    """`completer`: SUSPENDUE → COMPLETEE with a comment and/or supporting documents."""

    @cpro_schema(
        request=REQUESTS["completer"], responses={200: envelope_schema("CompleterFacture")}
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _get(_issued(request), _required_id(body, "identifiantFactureCPP", "idFacture"))
        files = _api_files(request, _complementary_ids(body), field="pieceJointeComplementaire")
        invoice = invoice_complete_with_attachments(
            invoice_id=invoice.pk,
            by=request.user,
            comment=str(body.get("commentaire", "")),
            uploads=[_upload(f) for f in files],
        )
        return ok(
            {
                "identifiantFactureCPP": invoice.pk,
                "numeroFacture": invoice.number,
                "dateTraitement": timezone.localdate().isoformat(),
            },
            libelle=LIBELLE_DEFAUT,
        )


class TraiterRejetView(CproView):
    """`traiterRejet`: the supplier processes rejected invoices (they leave its Synthèse)."""

    @cpro_schema(
        request=REQUESTS["traiter_rejet"],
        responses={200: envelope_schema("TraiterFacturesRejetees")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        items = _as_list(body.get("listeDemandePaiement"))
        if not items:
            raise ChorusError(
                "listeDemandePaiement : au moins une demande de paiement est attendue.",
                field="listeDemandePaiement",
            )
        with transaction.atomic():
            for item in items:
                ident = Body(item).first("idDemandePaiement", "idFacture", "identifiantFactureCPP")
                invoice_id = _id(ident)
                if invoice_id is None:
                    raise unknown_invoice(ident)
                invoice = _get(_issued(request), invoice_id)
                invoice_process_rejection(invoice_id=invoice.pk, by=request.user)
        return ok(libelle=LIBELLE_DEFAUT)
