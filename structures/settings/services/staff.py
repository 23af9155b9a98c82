"""The access of a public structure's staff (habilitations, services processed)."""

from collections.abc import Iterable

from django.db import transaction

from chorus.exceptions import ChorusError
from structures.choices import (
    AccessLevel,
    MembershipStatus,
)
from structures.models import (
    Membership,
    Structure,
)
from structures.services.common import _user_label, structure_log
from structures.settings.services.guards import _locked_public

# --- staff -----------------------------------------------------------------------------------


def membership_set_access(
    *,
    structure: Structure,
    by,
    membership_id: int,
    access_level: str,
    service_ids: Iterable[int],
) -> Membership:
    """Set a validated member's access level and the services they handle (none = all)."""
    if access_level not in AccessLevel.values:
        raise ChorusError(
            "Habilitation : choisissez « Modification » ou « Consultation uniquement ».",
            field="access_level",
            code="access_invalid",
        )
    ids = {int(pk) for pk in service_ids}
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        membership = (
            Membership.objects.select_for_update()
            .filter(structure=structure, pk=membership_id)
            .select_related("user")
            .first()
        )
        if membership is None or membership.status != MembershipStatus.VALIDEE:
            raise ChorusError(
                "Agent : seul un membre validé de la structure peut recevoir une habilitation.",
                field="membership",
                code="not_member",
            )
        if membership.is_principal and access_level != AccessLevel.MODIFICATION:
            raise ChorusError(
                "Habilitation : le gestionnaire principal garde l'habilitation « Modification » ; "
                "transférez d'abord son rôle.",
                field="access_level",
                code="principal_consultation",
            )
        services = list(structure.services.filter(pk__in=ids))
        if len(services) != len(ids):
            raise ChorusError(
                "Services traités : un des services choisis n'appartient pas à cette structure.",
                field="service_ids",
                code="unknown_service",
            )
        current = set(membership.services.values_list("pk", flat=True))
        if membership.access_level == access_level and current == ids:
            return membership
        membership.access_level = access_level
        membership.save(update_fields=["access_level"])
        membership.services.set(services)
        codes = ", ".join(sorted(s.code for s in services)) or "tous les services"
        structure_log(
            structure=structure,
            action="chorus.structure.member_access_updated",
            actor=by,
            target_user=membership.user,
            message=(
                f"Habilitation de {_user_label(membership.user)} : "
                f"{AccessLevel(access_level).label} ; services traités : {codes}."
            ),
            data={"access_level": access_level, "service_ids": sorted(ids)},
        )
    return membership
