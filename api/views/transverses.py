"""`/cpro/transverses/v1/...`: health check, code lists, the account's structures, the directory.

Code lists answer with the field names of the reference (chorus-pro.md §7.3); an empty list is the
"no result" code 20000.
"""

import base64
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.envelope import error, no_result, ok, page_info
from api.views.base import CproView, cpro_schema
from api.views.structures import UNKNOWN_STRUCTURE, bad_field, paginate
from chorus.csv_export import csv_writer
from invoices.choices import (
    Cadre,
    DepositMode,
    InvoiceStatus,
    PaymentMode,
    RejectionReason,
    VatExemptionReason,
)
from invoices.models import Invoice
from invoices.received_forms import ACTIONS
from structures import selectors
from structures.bank_services import bank_accounts_active
from structures.choices import IdentifierType, StructureKind
from structures.models import CompanyRecord
from structures.validators import validate_siret

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
# Statuses a recipient may set (PAS whitelist, chorus-pro.md §4.2): the portal's actions.
RECIPIENT_TRANSITIONS = frozenset(ACTIONS)
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


# Structures of the technical account and the public directory -------------------------------------


def _structures_actives(request: Request, kind: str = "") -> Response:
    rows = selectors.structures_attached_active(user=request.user, kind=kind).order_by("name")
    liste = [
        {"idStructureCPP": s.pk, "identifiant": s.identifier, "designationStructure": s.name}
        for s in rows
    ]
    return _liste("listeStructures", liste)


class StructuresActivesFournisseurView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeStructures")}
    )
    def post(self, request: Request) -> Response:
        return _structures_actives(request)


class StructuresActivesDestinataireView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT, responses={200: OpenApiResponse(description="listeStructures")}
    )
    def post(self, request: Request) -> Response:
        return _structures_actives(request, StructureKind.PUBLIQUE)


class RechercherDestinataireView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeDestinataires")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        kind = str(body.get("typeStructure", "")).upper()
        if kind and kind not in StructureKind.values:
            return bad_field("typeStructure", "valeurs admises PRIVEE ou PUBLIQUE.")
        if kind == StructureKind.PRIVEE:  # only public structures are in this directory
            return no_result(
                {"listeDestinataires": [], "parametresRetour": page_info(page=1, size=10, total=0)}
            )
        qs = selectors.destinataires_search(
            identifier=str(body.get("identifiant", "")).strip(),
            place_or_name=str(body.get("nomVilleCodePostal", "")).strip(),
            kind=kind,
        ).order_by("name", "pk")
        rows, info = paginate(qs, body.get("parametresRecherche", {}))
        liste = [
            {
                "idStructureCPP": s.pk,
                "siret": s.identifier,
                "nomDestinataire": s.name,
                "adresseCodePostal": s.postal_code,
                "adresseVille": s.city,
            }
            for s in rows
        ]
        data = {"listeDestinataires": liste, "parametresRetour": info}
        return ok(data) if info["total"] else no_result(data)


class ConsulterInformationSiretView(CproView):
    """INSEE data of an establishment, read from the local register (`CompanyRecord`)."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="données INSEE de l'établissement")},
    )
    def post(self, request: Request) -> Response:
        siret = str(self.body(request).get("siretStructure", "")).replace(" ", "")
        if not siret:
            return bad_field("siretStructure", "obligatoire (14 chiffres).")
        try:
            validate_siret(siret)
        except ValidationError as exc:
            return bad_field("siretStructure", exc.messages[0])
        record = CompanyRecord.objects.filter(siret=siret).first()
        if record is None:
            return no_result()
        adresse = " ".join(p for p in (record.address, record.postal_code, record.city) if p)
        return ok(
            {
                "siret": record.siret,
                "siren": record.siren,
                "raisonSociale": record.name,
                "adresse": adresse,
                "estActif": record.is_active,
                "siege": None,
                "categorieEntreprise": record.category or None,
                "categorieJuridique": None,
                "civilite": None,
                "dateCreationEntreprise": None,
                "dateCreationEtablissement": None,
                "dateReactivationEtablissement": None,
                "localisationSiege": None,
                "nonDiffusibleInsee": False,
                "numeroInterneClassement": record.naf_code or None,
                "siretPredecesseurSuccesseur": None,
            }
        )


ANNUAIRE_CSV = "annuaire_destinataires.csv"
ANNUAIRE_HEADER = [
    "idStructureCPP",
    "identifiantStructure",
    "typeIdentifiantStructure",
    "designationStructure",
    "adresseCodePostal",
    "adresseVille",
    "codeServiceDoitEtreRenseigne",
    "numeroEJDoitEtreRenseigne",
    "gestionNumeroEJOuCodeService",
    "statutMiseEnPaiementNestPasRemonte",
    "idService",
    "codeService",
    "libelleService",
    "estActif",
    "numeroEngagement",
]


def _flag(value: bool) -> str:
    return "true" if value else "false"


def annuaire_csv() -> bytes:
    """The public directory: one line per active public structure and service (or one line with
    empty service columns), `;`-separated UTF-8, the header named after the API's fields."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(ANNUAIRE_HEADER)
    for structure in selectors.public_directory_rows():
        head = [
            structure.pk,
            structure.identifier,
            structure.identifier_type,
            structure.name,
            structure.postal_code,
            structure.city,
            _flag(structure.service_code_required),
            _flag(structure.ej_required),
            _flag(structure.ej_or_service_required),
            _flag(structure.payment_status_not_reported),
        ]
        services = sorted(structure.services.all(), key=lambda s: s.code)
        if not services:
            writer.writerow([*head, "", "", "", "", ""])
        for service in services:
            writer.writerow(
                [
                    *head,
                    service.pk,
                    service.code,
                    service.label,
                    _flag(selectors.service_is_active(service)),
                    _flag(service.ej_required or structure.ej_required),
                ]
            )
    return buffer.getvalue().encode("utf-8")


class TelechargerAnnuaireDestinataireView(CproView):
    """`fichierResultat`: base64 of a ZIP holding `annuaire_destinataires.csv` (the real format
    is unsourced; a zipped CSV is this emulator's documented choice)."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="fichierResultat (base64 d'un ZIP)")},
    )
    def post(self, request: Request) -> Response:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(ANNUAIRE_CSV, annuaire_csv())
        return ok({"fichierResultat": base64.b64encode(archive.getvalue()).decode("ascii")})


class RecupererCoordonneesBancairesValidesView(CproView):
    """`recuperer/coordbanc/valides`: the active bank details of a structure the account acts for;
    `idCoordonneeBancaire` is `fournisseur.codeCoordonneesBancairesFournisseur` in `soumettre`."""

    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiResponse(description="listeCoordonneeBancaire")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        raw = body.filled("idStructure")
        structure_id = (
            request.technical_account.structure_id if raw is None else body.int("idStructure")
        )
        attached = selectors.structures_attached_active(user=request.user).filter(pk=structure_id)
        if structure_id is None or not attached.exists():
            return error(
                UNKNOWN_STRUCTURE,
                f"idStructure : la structure {raw} est inconnue ou n'est pas accessible avec ce "
                "compte technique.",
            )
        liste = [
            {
                "idCoordonneeBancaire": account.pk,
                "nomCoordonneeBancaire": account.label,
                "iban": account.iban,
                "bic": account.bic,
                "parDefaut": account.is_default,
            }
            for account in bank_accounts_active(structure_id=structure_id)
        ]
        return _liste("listeCoordonneeBancaire", liste)
