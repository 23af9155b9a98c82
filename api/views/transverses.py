"""`/cpro/transverses/v1/...`: health check and code lists.

Code lists answer with the field names of the reference (chorus-pro.md §7.3); an empty list is the
"no result" code 20000. The account's structures and the directory are in `api.views.annuaire`.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.envelope import no_result, ok, page_info
from api.views.base import CproView, cpro_schema
from api.views.structures import bad_field
from invoices.choices import (
    Cadre,
    DepositMode,
    InvoiceStatus,
    PaymentMode,
    RejectionReason,
    VatExemptionReason,
)
from invoices.models import Invoice
from invoices.services.recipient import RECIPIENT_ACTIONS
from structures.choices import IdentifierType

ENVELOPE = inline_serializer(
    "Retour",
    fields={"codeRetour": serializers.IntegerField(), "libelle": serializers.CharField()},
)


HEALTH_CHECK_BODY = "L'API CPRO est actuellement disponible et fonctionnel."
HEALTH_CHECK = inline_serializer(
    "HealthCheck",
    fields={
        "body": serializers.CharField(),
        "statusCodeValue": serializers.IntegerField(),
        "statusCode": serializers.CharField(),
    },
)


class HealthCheckView(APIView):
    """Not the `codeRetour` envelope: a Spring `ResponseEntity` as PISTE serialises it (§8.5)."""

    http_method_names = ["get", "options"]

    @cpro_schema(responses={200: HEALTH_CHECK}, summary="Santé de l'API")
    def get(self, request: Request) -> Response:
        return Response({"body": HEALTH_CHECK_BODY, "statusCodeValue": 200, "statusCode": "OK"})


DEVISES = [
    ("EUR", "Euro"),
    ("USD", "Dollar des États-Unis"),
    ("GBP", "Livre sterling"),
    ("CHF", "Franc suisse"),
    ("XPF", "Franc CFP"),
]


class RecupererDevisesView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeDevises")}
    )
    def post(self, request: Request) -> Response:
        langue = str(self.body(request).get("codeLangue", "FR")).upper()
        liste = [{"codeDevise": code, "libelleDevise": label} for code, label in DEVISES]
        return _liste("listeDevises", liste, codeLangue=langue)


# Code lists ---------------------------------------------------------------------------------------


def _liste(key: str, items: list[dict[str, Any]], **extra: Any) -> Response:
    """A referential: the list plus the top-level paging keys the PHP classes generated from
    the official spec require (`nbResultatsParPage`, `pageCourante`, `pages`, `total`, §8.5)."""
    data = {**extra, key: items, **page_info(page=1, size=max(len(items), 1), total=len(items))}
    return ok(data) if items else no_result(data)


def _simple_list(key: str, field: str, values: Iterable[str]) -> Response:
    return _liste(key, [{field: value} for value in values])


# Rate codes of `recuperer/tauxtva` (`TVA5`, `TVA20` and `TVA1` = franchise en base are seen in the
# reference, §6.2; the other codes follow the same pattern and are a design choice).
TAUX_TVA = [
    ("TVA20", "TVA 20 % (taux normal)", Decimal("20")),
    ("TVA10", "TVA 10 % (taux intermédiaire)", Decimal("10")),
    ("TVA5", "TVA 5,5 % (taux réduit)", Decimal("5.5")),
    ("TVA2", "TVA 2,1 % (taux particulier)", Decimal("2.1")),
    ("TVA1", "Art 293B(FranchiseEnBase)", Decimal("0")),
    ("TVA0", "TVA 0 % (exonération)", Decimal("0")),
]

# `recuperer/typespj`: attachment types (the real list is unsourced; these are a design choice).
TYPES_PJ = [
    (1, "FACTURE", "Facture", "FACTURE"),
    (2, "BON_COMMANDE", "Bon de commande", "FACTURE"),
    (3, "BON_LIVRAISON", "Bon de livraison", "FACTURE"),
    (4, "PV_RECEPTION", "Procès-verbal de réception", "FACTURE"),
    (5, "CONTRAT", "Contrat ou marché", "FACTURE"),
    (6, "AUTRE", "Autre pièce justificative", "FACTURE"),
]

PAYS = [
    ("FR", "France"),
    ("DE", "Allemagne"),
    ("BE", "Belgique"),
    ("ES", "Espagne"),
    ("IT", "Italie"),
    ("LU", "Luxembourg"),
    ("NL", "Pays-Bas"),
    ("PT", "Portugal"),
    ("CH", "Suisse"),
    ("GB", "Royaume-Uni"),
    ("US", "États-Unis"),
]

FORMATS_FLUX = ["IN_DP_E1_STRUCT", "IN_DP_E2_MIXTE", "IN_DP_E2_FACTURX"]
TYPES_DEMANDE_PAIEMENT = ["FACTURE"]  # FACTURE_TRAVAUX and mémoires are not emulated
# Statuses a recipient may set (PAS whitelist, chorus-pro.md §4.2): the registry of actions.
RECIPIENT_TRANSITIONS = frozenset(RECIPIENT_ACTIONS)
# `MISE_A_DISPOSITION` → itself is in the official example: a processable status may be re-set.
STATUTS_ORDRE = [s for s in InvoiceStatus.values if s != InvoiceStatus.ERREUR_TECHNIQUE]


def statuts_possibles(statut: str) -> list[str]:
    """Targets a recipient may choose from `statut`, read from the invoice state machine."""
    field = Invoice._meta.get_field("status")
    targets = {
        t.target
        for t in field.get_all_transitions(Invoice)
        if t.name in RECIPIENT_TRANSITIONS and t.source == statut
    }
    if not targets:
        return []
    return [s for s in STATUTS_ORDRE if s in targets or s == statut]


class RecupererTauxTvaView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeTauxTva")}
    )
    def post(self, request: Request) -> Response:
        liste = [
            {"codeTauxTva": code, "libelleTauxTva": label, "valeurTauxTva": float(value)}
            for code, label, value in TAUX_TVA
        ]
        return _liste("listeTauxTva", liste)


class RecupererPaysView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listePays")}
    )
    def post(self, request: Request) -> Response:
        return _liste("listePays", [{"codePays": c, "libellePays": lbl} for c, lbl in PAYS])


class RecupererMotifsExonerationTvaView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeMotifsExonerationTva")},
    )
    def post(self, request: Request) -> Response:
        liste = [
            {"codeMotifExonerationTva": code, "libelleMotifExonerationTva": label}
            for code, label in VatExemptionReason.choices
        ]
        return _liste("listeMotifsExonerationTva", liste)


class RecupererModeDepotView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeModeDepot")}
    )
    def post(self, request: Request) -> Response:
        return _simple_list("listeModeDepot", "modeDepot", DepositMode.values)


class RecupererModesPaiementView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeModePaiement")},
    )
    def post(self, request: Request) -> Response:
        return _simple_list("listeModePaiement", "modePaiement", PaymentMode.values)


class RecupererCadreFacturationView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeCadreFacturation")},
    )
    def post(self, request: Request) -> Response:
        type_dp = str(self.body(request).get("typeDemandePaiement", "FACTURE")).upper()
        cadres = Cadre.values if type_dp == "FACTURE" else []
        return _simple_list("listeCadreFacturation", "codeCadreFacturation", cadres)


class RecupererTypeDemandePaiementView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeTypeDemandePaiement")},
    )
    def post(self, request: Request) -> Response:
        return _simple_list(
            "listeTypeDemandePaiement", "typeDemandePaiement", TYPES_DEMANDE_PAIEMENT
        )


class RecupererTypeIdentifiantStructureView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeTypeIdentifiant")},
    )
    def post(self, request: Request) -> Response:
        return _simple_list(
            "listeTypeIdentifiant", "typeIdentifiantStructure", IdentifierType.values
        )


class RecupererTypesPieceJointeView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeTypePieceJointe")},
    )
    def post(self, request: Request) -> Response:
        type_objet = str(self.body(request).get("typeObjet", "")).upper()
        liste = [
            {
                "idTypePieceJointe": pk,
                "codeTypePieceJointe": code,
                "libelleTypePieceJointe": label,
                "typeObjet": objet,
            }
            for pk, code, label, objet in TYPES_PJ
            if not type_objet or objet == type_objet
        ]
        return _liste("listeTypePieceJointe", liste)


class RecupererFormatFluxView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeFormatFlux")}
    )
    def post(self, request: Request) -> Response:
        return _simple_list("listeFormatFlux", "formatFlux", FORMATS_FLUX)


class RecupererEtatsTypeDemandePaiementView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeEtatDemandePaiement")},
    )
    def post(self, request: Request) -> Response:
        type_dp = str(self.body(request).get("typeDemandePaiement", "FACTURE")).upper()
        etats = STATUTS_ORDRE if type_dp == "FACTURE" else []
        return _simple_list("listeEtatDemandePaiement", "etatDemandePaiement", etats)


class RecupererEtatsTraitementView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeStatutsPossiblesPourTraitement")},
    )
    def post(self, request: Request) -> Response:
        statut = str(self.body(request).get("statutCourant", "")).strip().upper()
        if not statut:
            return bad_field("statutCourant", "obligatoire (statut courant de la facture).")
        if statut not in STATUTS_ORDRE:
            return bad_field("statutCourant", f"statut inconnu « {statut} ».")
        liste = [{"statutPossiblePourTraitement": s} for s in statuts_possibles(statut)]
        return _liste("listeStatutsPossiblesPourTraitement", liste)


class RecupererMotifsRefusFactureAValiderView(CproView):
    """A9/A12 validators' refusal motifs: the emulator's coded list (the real one is unsourced)."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeMotifRefusFactureAValider")},
    )
    def post(self, request: Request) -> Response:
        cadre = str(self.body(request).get("codeCadreFacturationAValider", "")).upper()
        valideur = cadre in (Cadre.A9_FACTURE_SOUSTRAITANT, Cadre.A12_FACTURE_COTRAITANT)
        liste = [
            {"idMotif": index, "codeMotif": code, "libelleMotif": label}
            for index, (code, label) in enumerate(RejectionReason.choices, start=1)
        ]
        return _liste("listeMotifRefusFactureAValider", liste if valideur else [])
