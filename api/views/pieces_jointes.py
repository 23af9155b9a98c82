"""Attachments (`pièces jointes`) through `transverses/v1`: search them for a structure or for
the calling account, download one, detach one (chorus-pro.md §7.3; GO `transverses_pieces_jointes`,
PHP `Transverses::detacherPieceJointe`).

A pièce jointe is a file received by API (`deposer/pdf`, `ajouter/fichier`: `pieceJointeId`).
Tenant rule as for invoices: a file of another structure, or a structure the account does not act
for, is unknown (20001). Type of a file (design choice, the real list is unsourced): a PDF is a
`FACTURE` (type 1 of `recuperer/typespj`), anything else `AUTRE` (type 6).
"""

import base64
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import Body, error, no_result, ok
from api.models import ApiFile
from api.views.base import CproView, cpro_schema
from api.views.factures import TelechargerGroupeView
from api.views.structures import UNKNOWN_STRUCTURE, paginate
from api.views.transverses import TYPES_PJ
from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from structures import selectors

UNKNOWN_PJ = 20001
TYPE_FACTURE, TYPE_AUTRE = TYPES_PJ[0], TYPES_PJ[-1]


def _type(api_file: ApiFile) -> tuple:
    return TYPE_FACTURE if api_file.content_type == "application/pdf" else TYPE_AUTRE


def _extension(api_file: ApiFile) -> str:
    name = api_file.filename
    return name.rpartition(".")[2].upper() if "." in name else ""


def _item(api_file: ApiFile, *, with_structure: bool) -> dict[str, Any]:
    type_id, type_code, type_label, _objet = _type(api_file)
    item = {
        "pieceJointeId": api_file.pk,
        "pieceJointeObjetId": api_file.invoice_id or api_file.pk,
        "pieceJointeDesignation": api_file.filename,
        "pieceJointeExtension": _extension(api_file),
        "pieceJointeTypeId": type_id,
        "pieceJointeTypeCode": type_code,
        "pieceJointeTypeLibelle": type_label,
        "pieceJointeUtilisateurId": api_file.account.user_id,
    }
    if with_structure:
        item |= {
            "pieceJointeStructureId": api_file.structure_id,
            "pieceJointeStructureCode": api_file.structure.identifier,
            "pieceJointeStructureRaisonSociale": api_file.structure.name,
        }
    return item


def _search(qs, body: Body, *, with_structure: bool) -> Response:
    designation = str(body.filled("pieceJointeDesignation") or "").strip()
    if designation:
        qs = qs.filter(filename__icontains=designation)
    rows = list(qs.select_related("account", "structure").order_by("-created_at", "-id"))
    type_id = body.int("pieceJointeTypeId") if body.filled("pieceJointeTypeId") else None
    if type_id is not None:
        rows = [f for f in rows if _type(f)[0] == type_id]
    page, info = paginate(rows, body.get("parametresRecherche", {}))
    data = {
        "listePiecesJointes": [_item(f, with_structure=with_structure) for f in page],
        "parametresRetour": info,
    }
    return ok(data) if info["total"] else no_result(data)


class RechercherPjStructureView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listePiecesJointes, parametresRetour")},
        summary="Rechercher les pièces jointes d'une structure",
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        raw = body.filled("idStructureCPP")
        structure_id = body.int("idStructureCPP") if raw is not None else None
        if structure_id is None:
            return error(400, "Champ « idStructureCPP » : identifiant de structure obligatoire.")
        if (
            not selectors.structures_attached_active(user=request.user)
            .filter(pk=structure_id)
            .exists()
        ):
            return error(
                UNKNOWN_STRUCTURE,
                f"idStructureCPP : la structure {raw} est inconnue ou n'est pas accessible avec "
                "ce compte technique.",
            )
        return _search(ApiFile.objects.filter(structure_id=structure_id), body, with_structure=True)


class RechercherPjMonCompteView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listePiecesJointes, parametresRetour")},
        summary="Rechercher les pièces jointes du compte",
    )
    def post(self, request: Request) -> Response:
        qs = ApiFile.objects.filter(account=request.technical_account)
        return _search(qs, self.body(request), with_structure=False)


def _own_file(request: Request, raw: Any, *, field: str) -> ApiFile:
    try:
        file_id = int(raw)
    except (TypeError, ValueError):
        file_id = None
    api_file = (
        ApiFile.objects.filter(pk=file_id, structure=request.technical_account.structure).first()
        if file_id
        else None
    )
    if api_file is None:
        raise ChorusError(
            f"{field} : la pièce jointe « {raw} » est inconnue pour ce compte technique.",
            field=field,
            code=str(UNKNOWN_PJ),
        )
    return api_file


class _BodyRequest:
    """The caller's request with another JSON body (to reuse `telecharger/groupe`)."""

    def __init__(self, request: Request, data: Any) -> None:
        self._request, self.data = request, data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


class TelechargerPieceJointeView(CproView):
    """`objetPieceJointe` DEMANDE_PAIEMENT: the invoices as `telecharger/groupe` gives them;
    a file received by API by its `pieceJointeId` (any other object is not emulated)."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="pieceJointe (base64)")},
        summary="Télécharger une pièce jointe",
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        objet = str(body.filled("objetPieceJointe") or "").strip().upper()
        file_id = body.first("pieceJointeId", "idPieceJointe", "idPieceJointeObjet")
        if objet == "DEMANDE_PAIEMENT":
            sub = body.get("demandePaiement", {})
            answer = TelechargerGroupeView().post(_BodyRequest(request, sub))
            if answer.status_code != 200 or "fichierResultat" not in answer.data:
                return answer
            return ok({"pieceJointe": answer.data["fichierResultat"]})
        if file_id not in (None, "") and objet in ("", "PIECE_JOINTE", "TRANSVERSE"):
            api_file = _own_file(request, file_id, field="pieceJointeId")
            with api_file.file.open("rb") as handle:
                content = handle.read()
            return ok(
                {
                    "pieceJointe": base64.b64encode(content).decode("ascii"),
                    "pieceJointeDesignation": api_file.filename,
                    "pieceJointeTypeMime": api_file.content_type,
                }
            )
        if not objet:
            return error(
                400,
                "Champ « objetPieceJointe » : obligatoire (DEMANDE_PAIEMENT, ou pieceJointeId "
                "d'un fichier déposé par API).",
            )
        return error(
            400,
            f"Champ « objetPieceJointe » : « {objet} » n'est pas géré par l'émulateur "
            "(DEMANDE_PAIEMENT, ou pieceJointeId d'un fichier déposé par API).",
        )


class DetacherPieceJointeView(CproView):
    """`detacherPieceJointe`: forget a file received by API that no deposited invoice uses (PHP
    calls it after a failed `soumettre`). A file of a deposited invoice stays (20002)."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="enveloppe seule")},
        summary="Détacher une pièce jointe",
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        raw = body.first("idPieceJointeObjet", "pieceJointeId", "idPieceJointe")
        api_file = _own_file(request, raw, field="idPieceJointeObjet")
        invoice = api_file.invoice
        if invoice is not None and invoice.status != InvoiceStatus.BROUILLON:
            return error(
                20002,
                f"idPieceJointeObjet : la pièce jointe {api_file.pk} appartient à la facture "
                f"{invoice.number or invoice.pk} déjà déposée ; elle ne peut plus être détachée.",
            )
        stored = api_file.file
        api_file.delete()
        stored.delete(save=False)
        return ok()
