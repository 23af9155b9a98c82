"""`/cpro/structures/v1/...`: search and consult structures and services (SWG Structures.json).

`idStructureCPP` is `Structure.pk` and `idService` is `Service.pk`. A technical account sees every
public structure and the private structures it is attached to (a private structure of another
tenant answers as unknown). `dateExpirationMotPasseCompteTech` is only given for the calling
account's own structure.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import Body, error, no_result, ok, page_info, page_params
from api.views.base import CproView, cpro_schema
from structures import selectors
from structures.choices import IdentifierType, StructureKind
from structures.models import Service, Structure

MAX_PAGE_SIZE = 10_000  # OCA asks for 10000 services per page (chorus-pro.md §7.2)
UNKNOWN_STRUCTURE = 20001
UNKNOWN_STRUCTURE_TEXT = (
    "{field} : la structure {value} est inconnue ou n'est pas accessible avec ce compte technique "
    "(structure publique ou structure à laquelle il est rattaché)."
)
STATUTS = {"ACTIF": True, "ACTIVE": True, "INACTIF": False, "INACTIVE": False}
SORT_COLUMNS = {
    "identifiantstructure": "identifier",
    "designationstructure": "name",
    "typeidentifiantstructure": "identifier_type",
    "statut": "is_active",
}
SERVICE_SORT_COLUMNS = {
    "codeservice": "code",
    "libelleservice": "label",
    "datedbtservice": "valid_from",
    "datefinservice": "valid_until",
    "estactif": "is_active",
}


def paginate(items: Sequence, params: Any) -> tuple[list, dict[str, int]]:
    """Slice a query set or list with a Chorus pagination object; answer `parametresRetour`."""
    page, size = page_params(Body({"pagination": params}), max_size=MAX_PAGE_SIZE)
    total = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    start = (page - 1) * size
    return list(items[start : start + size]), page_info(page=page, size=size, total=total)


def sort(qs, params: Body, columns: dict[str, str], default: str):
    column = columns.get(str(params.get("triColonne", "")).lower(), default)
    descending = str(params.get("triSens", params.get("triSense", ""))).strip().lower()
    prefix = "-" if descending.startswith("desc") else ""
    return qs.order_by(f"{prefix}{column}", "pk")


def bad_field(field: str, rule: str) -> Response:
    return error(400, f"Champ « {field} » : {rule}")


def chorus_datetime(value: datetime.date | datetime.datetime | None) -> str | None:
    """Chorus dates `YYYY-MM-DD HH:MM` (a real answer shows `2016-10-25 17:42`)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M") if value else None


def structure_item(structure: Structure) -> dict[str, Any]:
    return {
        "idStructureCPP": structure.pk,
        "identifiantStructure": structure.identifier,
        "designationStructure": structure.name,
        "typeIdentifiantStructure": structure.identifier_type,
        "statut": "ACTIVE" if structure.is_active else "INACTIVE",
    }


def structure_parametres(structure: Structure) -> dict[str, bool]:
    """`parametres` of `consulterStructure` (chorus-pro.md §6.3)."""
    return {
        "codeServiceDoitEtreRenseigne": structure.service_code_required,
        "numeroEJDoitEtreRenseigne": structure.ej_required,
        "gestionNumeroEJOuCodeService": structure.ej_or_service_required,
        "statutMiseEnPaiementNestPasRemonte": structure.payment_status_not_reported,
        "connexionEDI": False,
        "recevoirDonneesViaEDI": False,
        "estMoaUniquement": False,
        "getaMoa": False,
        "aMoa": False,  # CNF reads this spelling
        "estValideurDelegue": False,
        "nonDiffusibleInsee": False,
    }


class RechercherStructuresView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Rechercher des structures",
        responses={200: OpenApiResponse(description="listeStructures, parametresRetour")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        criteria = body.sub("structure")
        statut = str(criteria.get("statutStructure", "")).upper()
        if statut and statut not in STATUTS:
            return bad_field("statutStructure", "valeurs admises ACTIF ou INACTIF.")
        kind = str(criteria.get("typeStructure", "")).upper()
        if kind and kind not in StructureKind.values:
            return bad_field("typeStructure", "valeurs admises PRIVEE ou PUBLIQUE.")
        id_type = str(criteria.get("typeIdentifiantStructure", "")).upper()
        if id_type and id_type not in IdentifierType.values:
            return bad_field(
                "typeIdentifiantStructure", "valeurs admises " + ", ".join(IdentifierType.values)
            )
        restrict = body.get("restreindreStructuresPrivees", True)
        qs = selectors.structures_api_search(
            user=request.user,
            identifier=str(criteria.get("identifiantStructure", "")).strip(),
            identifier_type=id_type,
            name=str(
                criteria.first(
                    "raisonSocialeStructure", "libelleStructure", "nomStructure", default=""
                )
            ).strip(),
            is_active=STATUTS.get(statut),
            kind=kind,
            postal_code=str(criteria.get("adresseCodePostal", "")).strip(),
            city=str(criteria.get("adresseVille", "")).strip(),
            country=str(criteria.get("adresseCodePays", "")).strip(),
            restrict_private=restrict is not False and str(restrict).lower() != "false",
        )
        params = body.sub("parametres")
        rows, info = paginate(sort(qs, params, SORT_COLUMNS, "name"), params.raw())
        data = {"listeStructures": [structure_item(s) for s in rows], "parametresRetour": info}
        return ok(data) if info["total"] else no_result(data)


class ConsulterStructureView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Consulter une structure",
        responses={200: OpenApiResponse(description="informationGenerales, parametres")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        raw = body.first("idStructureCPP", "idStructure")
        structure_id = body.int("idStructureCPP") or body.int("idStructure")
        if raw is None:
            return bad_field("idStructureCPP", "obligatoire (identifiant entier de la structure).")
        if structure_id is None:
            return bad_field("idStructureCPP", "doit être un entier.")
        structure = selectors.structure_visible_to(user=request.user, structure_id=structure_id)
        if structure is None:
            return error(
                UNKNOWN_STRUCTURE,
                UNKNOWN_STRUCTURE_TEXT.format(field="idStructureCPP", value=structure_id),
            )
        account = request.technical_account
        expiry = None
        if account.structure_id == structure.pk:
            expiry = account.password_expires_at.isoformat()
        informations = {
            "idStructureCPP": structure.pk,
            "identifiantStructure": structure.identifier,
            "typeIdentifiantStructure": structure.identifier_type,
            "raisonSocialeStructure": structure.name,
            "libelleStructure": structure.name,
            "nomStructure": None,
            "prenomStructure": None,
            "emailStructure": None,
            "numeroRcsStructure": None,
            "numeroTVA": structure.vat_number or None,
            "structurePriveePublique": structure.kind,
            "estValideurDeleguee": False,
            "idStructureOrigine": None,
            "listeStructureDupliquees": [],
            "dateExpirationMotPasseCompteTech": expiry,
        }
        adresse = {
            "adresse": structure.address,
            "complementAdresse1": "",
            "complementAdresse2": "",
            "codePostal": structure.postal_code,
            "ville": structure.city,
            "pays": structure.country,
            "telephone": "",
            "indicatifTelephone": "",
            "fax": "",
            "indicatifFax": "",
        }
        return ok(
            {
                "informationGenerales": informations,
                "adressePostaleDuSiege": adresse,
                "parametres": structure_parametres(structure),
            }
        )


def _structure_or_error(request: Request, body: Body) -> tuple[Structure | None, Response | None]:
    if body.get("idStructure") is None and body.get("idStructureCPP") is None:
        return None, bad_field("idStructure", "obligatoire (identifiant entier de la structure).")
    structure_id = body.int("idStructure") or body.int("idStructureCPP")
    if structure_id is None:
        return None, bad_field("idStructure", "doit être un entier.")
    structure = selectors.structure_visible_to(user=request.user, structure_id=structure_id)
    if structure is None:
        text = UNKNOWN_STRUCTURE_TEXT.format(field="idStructure", value=structure_id)
        return None, error(UNKNOWN_STRUCTURE, text)
    return structure, None


def service_item(service: Service) -> dict[str, Any]:
    active = selectors.service_is_active(service)
    return {
        "idService": service.pk,
        "codeService": service.code,
        "libelleService": service.label,
        "estActif": active,
        "statutService": "ACTIF" if active else "INACTIF",
        "dateDbtService": chorus_datetime(service.valid_from),
        "dateFinService": chorus_datetime(service.valid_until),
    }


class RechercherServicesView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Rechercher les services d'une structure",
        responses={200: OpenApiResponse(description="listeServices, parametresRetour")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        structure, failure = _structure_or_error(request, body)
        if failure is not None:
            return failure
        params = body.sub("parametresRechercherServicesStructure")
        qs = sort(structure.services.all(), params, SERVICE_SORT_COLUMNS, "code")
        rows, info = paginate(qs, params.raw())
        data = {"listeServices": [service_item(s) for s in rows], "parametresRetour": info}
        return ok(data) if info["total"] else no_result(data)


class ConsulterServiceView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Consulter un service d'une structure",
        responses={200: OpenApiResponse(description="informationsGenerales, parametres")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        structure, failure = _structure_or_error(request, body)
        if failure is not None:
            return failure
        if body.get("idService") is None:
            return bad_field("idService", "obligatoire (identifiant entier du service).")
        service_id = body.int("idService")
        if service_id is None:
            return bad_field("idService", "doit être un entier.")
        service = structure.services.filter(pk=service_id).first()
        if service is None:
            return error(
                UNKNOWN_STRUCTURE,
                f"Champ « idService » : le service {service_id} n'existe pas dans la structure "
                f"{structure.pk}.",
            )
        return ok(
            {
                "informationsGenerales": {
                    "codeService": service.code,
                    "nomService": service.label,
                    "descriptionService": service.label,
                },
                "adressePostale": {
                    "adresse": structure.address,
                    "complementAdresse1": "",
                    "complementAdresse2": "",
                    "codePostal": structure.postal_code,
                    "ville": structure.city,
                    "pays": structure.country,
                    "telephone": "",
                    "indicatifTelephone": "",
                    "fax": "",
                    "indicatifFax": "",
                },
                "parametres": {
                    "numeroEngagement": service.ej_required or structure.ej_required,
                    "miseEnPaiement": not structure.payment_status_not_reported,
                    "dateCreation": chorus_datetime(structure.created_at),
                    "dateDebutValidite": chorus_datetime(service.valid_from),
                    "dateFinValidite": chorus_datetime(service.valid_until),
                    "dateModification": None,
                },
            }
        )
