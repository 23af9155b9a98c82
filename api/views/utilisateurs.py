"""`/cpro/utilisateurs/v1/monCompte/recuperer/rattachements`: the technical account's own
attachments (never another user's), with `statutRattachementStructure` and the attached services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import no_result, ok
from api.views.base import CproView, cpro_schema
from api.views.structures import chorus_datetime, paginate
from structures import selectors
from structures.choices import MembershipRole
from structures.models import Membership

ROLES = {
    MembershipRole.GESTIONNAIRE_PRINCIPAL: "GESTIONNAIRE_PRINCIPAL",
    MembershipRole.UTILISATEUR: "UTILISATEUR",
}


def _services(membership: Membership) -> list[dict]:
    # No assigned service means "every service of the structure" (Membership.services).
    services = list(membership.services.all()) or list(membership.structure.services.all())
    result = []
    for service in sorted(services, key=lambda s: s.code):
        active = selectors.service_is_active(service)
        result.append(
            {
                "idService": service.pk,
                "codeService": service.code,
                "libelleService": service.label,
                "estActif": active,
                "statutService": "ACTIF" if active else "INACTIF",
                "statutRattachementService": membership.status,
                "dateDbtService": chorus_datetime(service.valid_from),
                "dateFinService": chorus_datetime(service.valid_until),
                "idRattachementService": membership.pk,
            }
        )
    return result


class RecupererRattachementsView(CproView):
    @cpro_schema(
        request=OpenApiTypes.OBJECT,
        summary="Rattachements du compte technique",
        responses={200: OpenApiResponse(description="listeStructureRattachement")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        qs = (
            selectors.memberships_of_user(user=request.user)
            .prefetch_related("services", "structure__services")
            .order_by("structure__name", "pk")
        )
        rows, info = paginate(qs, body.get("parametresRecherche", {}))
        user_status = "ACTIF" if request.technical_account.is_active else "INACTIF"
        liste = [
            {
                "idStructure": m.structure.pk,
                "identifiantStructure": m.structure.identifier,
                "typeIdentifiantStructure": m.structure.identifier_type,
                "designationStructure": m.structure.name,
                "roleUtilisateur": ROLES.get(m.role, m.role),
                "statutRattachementStructure": m.status,
                "statutUtilisateur": user_status,
                "idRattachementStructure": m.pk,
                "listeServicesRattache": _services(m),
            }
            for m in rows
        ]
        data = {"listeStructureRattachement": liste, "parametresRetour": info}
        return ok(data) if info["total"] else no_result(data)
