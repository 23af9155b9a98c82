"""`/cpro/transverses/v1/...`: the technical account's structures, the public directory (search,
SIRET information, CSV download) and the recipients' valid bank accounts.
"""

import base64
import io
import zipfile

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import error, no_result, ok, page_info
from api.views.base import CproView, cpro_schema
from api.views.structures import UNKNOWN_STRUCTURE, bad_field, paginate
from api.views.transverses import _liste
from chorus.csv_export import csv_writer
from structures import selectors
from structures.bank_accounts.services import bank_accounts_active
from structures.choices import StructureKind
from structures.models import CompanyRecord
from structures.validators import validate_siret

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
