"""`/cpro/engagementsJuridiques/v1/rechercher`, in the shape OCA sends (chorus-pro.md §7.5).

Only the EJs of public (recipient) structures are searched. A technical account attached to the
recipient sees all of its EJs; any other account sees only the EJs issued to one of its own
SIRETs or to no named supplier, so another supplier's commitments stay private. The answer fields
other than `listeEngagementJuridique` are unsourced (design choice, named after the request's).
"""

import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import blank, no_result, ok
from api.views.base import CproView, cpro_schema
from api.views.structures import bad_field, paginate
from structures import selectors
from structures.models import EngagementJuridique

ETATS = ("COMMANDE", "CLOTURE")


def etat_courant(ej: EngagementJuridique, *, today: datetime.date) -> str:
    """`COMMANDE` while the EJ is valid (no end date or not yet reached), else `CLOTURE`."""
    return "CLOTURE" if ej.valid_until and ej.valid_until < today else "COMMANDE"


def ej_item(ej: EngagementJuridique, *, today: datetime.date) -> dict:
    return {
        "idEngagementJuridique": ej.pk,
        "numeroEngagementJuridique": ej.number,
        "structureReceptriceEngagementJuridique": str(ej.structure_id),
        "identifiantStructureReceptrice": ej.structure.identifier,
        "designationStructureReceptrice": ej.structure.name,
        "identifiantFournisseur": ej.supplier_siret or None,
        "montantEngagementJuridique": float(ej.amount) if ej.amount is not None else None,
        "dateDebutValidite": ej.valid_from.isoformat() if ej.valid_from else None,
        "dateFinValidite": ej.valid_until.isoformat() if ej.valid_until else None,
        "etatCourantEngagementJuridique": etat_courant(ej, today=today),
    }


class RechercherEngagementsView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Rechercher des engagements juridiques",
        responses={200: OpenApiResponse(description="listeEngagementJuridique")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        raw_structure = body.get("structureReceptriceEngagementJuridique")
        structure_id = None
        if not blank(raw_structure):  # 0, "" and null are "no filter" (§8.5)
            structure_id = body.int("structureReceptriceEngagementJuridique")
            if structure_id is None:
                return bad_field(
                    "structureReceptriceEngagementJuridique",
                    "identifiant de structure (idStructureCPP) entier attendu.",
                )
        etat = str(body.get("etatCourantEngagementJuridique", "")).strip().upper()
        if etat and etat not in ETATS:
            return bad_field("etatCourantEngagementJuridique", "valeurs admises COMMANDE, CLOTURE.")
        today = timezone.localdate()
        qs = selectors.engagements_visible_to(
            user=request.user,
            structure_id=structure_id,
            number=str(body.get("numeroEngagementJuridique", "")).strip(),
        ).order_by("number", "pk")
        items = [ej_item(ej, today=today) for ej in qs]
        if etat:
            items = [i for i in items if i["etatCourantEngagementJuridique"] == etat]
        rows, info = paginate(items, body.get("parametresRecherche", {}))
        data = {"listeEngagementJuridique": rows, "parametresRetour": info}
        return ok(data) if info["total"] else no_result(data)
