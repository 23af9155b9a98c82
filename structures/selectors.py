"""Read-side queries of structures and attachments (no business rule, no write)."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from structures.choices import MembershipStatus, StructureKind
from structures.models import EngagementJuridique, Membership, Service, Structure, StructureLog


def memberships_of_user(*, user) -> QuerySet[Membership]:
    """All of a user's attachments with their structure and, for each, its pending requests."""
    return (
        Membership.objects.filter(user=user)
        .select_related("structure")
        .annotate(
            pending_count=Count(
                "structure__memberships",
                filter=Q(
                    structure__memberships__status=MembershipStatus.EN_COURS_DE_VALIDATION,
                    structure__memberships__invited_by__isnull=True,
                ),
            )
        )
        .order_by("structure__name", "pk")
    )


def membership_validated(*, user, structure_id: int) -> Membership | None:
    """The user's validated attachment to the structure, or None (then the structure is hidden)."""
    return (
        Membership.objects.filter(
            user=user, structure_id=structure_id, status=MembershipStatus.VALIDEE
        )
        .select_related("structure")
        .first()
    )


def structure_members(*, structure: Structure) -> QuerySet[Membership]:
    return (
        structure.memberships.filter(status=MembershipStatus.VALIDEE)
        .select_related("user")
        .order_by("role", "user__last_name", "user__email")
    )


def structure_pending_requests(*, structure: Structure) -> QuerySet[Membership]:
    """Requests the principal manager decides (not the invitations, which the users answer)."""
    return (
        structure.memberships.filter(
            status=MembershipStatus.EN_COURS_DE_VALIDATION, invited_by__isnull=True
        )
        .select_related("user")
        .order_by("requested_at", "pk")
    )


def structure_pending_invitations(*, structure: Structure) -> QuerySet[Membership]:
    return (
        structure.memberships.filter(
            status=MembershipStatus.EN_COURS_DE_VALIDATION, invited_by__isnull=False
        )
        .select_related("user", "invited_by")
        .order_by("requested_at", "pk")
    )


def invitations_of_user(*, user) -> QuerySet[Membership]:
    """The user's pending invitations to join a structure."""
    return (
        Membership.objects.filter(
            user=user, status=MembershipStatus.EN_COURS_DE_VALIDATION, invited_by__isnull=False
        )
        .select_related("structure", "invited_by")
        .order_by("-requested_at", "-pk")
    )


def structure_history(*, structure: Structure, limit: int = 100) -> QuerySet[StructureLog]:
    return structure.logs.select_related("actor", "target_user")[:limit]


# API read-side (`/cpro/structures/v1`, transverses, engagementsJuridiques) ------------------------


def _attached_structure_ids(*, user) -> QuerySet:
    return Membership.objects.filter(user=user, status=MembershipStatus.VALIDEE).values(
        "structure_id"
    )


def service_is_active(service: Service, *, today: datetime.date | None = None) -> bool:
    """A service is active when flagged so and today falls within its validity dates."""
    today = today or timezone.localdate()
    return (
        service.is_active
        and (service.valid_from is None or service.valid_from <= today)
        and (service.valid_until is None or service.valid_until >= today)
    )


def structures_api_search(
    *,
    user,
    identifier: str = "",
    identifier_type: str = "",
    name: str = "",
    is_active: bool | None = None,
    kind: str = "",
    postal_code: str = "",
    city: str = "",
    country: str = "",
    restrict_private: bool = True,
) -> QuerySet[Structure]:
    """`rechercherStructure`: public structures, plus the private ones the user is attached to
    (all private ones when `restrict_private` is False, as the Swagger describes)."""
    qs = Structure.objects.all()
    if restrict_private:
        attached = _attached_structure_ids(user=user)
        qs = qs.filter(Q(kind=StructureKind.PUBLIQUE) | Q(pk__in=attached))
    if identifier:
        qs = qs.filter(identifier=identifier.replace(" ", ""))
    if identifier_type:
        qs = qs.filter(identifier_type=identifier_type)
    if name:
        qs = qs.filter(name__icontains=name)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if kind:
        qs = qs.filter(kind=kind)
    if postal_code:
        qs = qs.filter(postal_code=postal_code)
    if city:
        qs = qs.filter(city__iexact=city)
    if country:
        qs = qs.filter(country__iexact=country)
    return qs


def structure_visible_to(*, user, structure_id: int | None) -> Structure | None:
    """A public structure, or a private one the user is attached to (else None: hidden)."""
    if structure_id is None:
        return None
    return (
        Structure.objects.filter(pk=structure_id)
        .filter(Q(kind=StructureKind.PUBLIQUE) | Q(pk__in=_attached_structure_ids(user=user)))
        .first()
    )


def structures_attached_active(*, user, kind: str = "") -> QuerySet[Structure]:
    """The active structures the user has a validated attachment to."""
    qs = Structure.objects.filter(pk__in=_attached_structure_ids(user=user), is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def destinataires_search(
    *, identifier: str = "", place_or_name: str = "", kind: str = ""
) -> QuerySet[Structure]:
    """`rechercherDestinataires`: active structures by SIRET prefix, by name, city or postcode."""
    qs = Structure.objects.filter(is_active=True, kind=kind or StructureKind.PUBLIQUE)
    if identifier:
        qs = qs.filter(identifier__startswith=identifier.replace(" ", ""))
    if place_or_name:
        qs = qs.filter(
            Q(name__icontains=place_or_name)
            | Q(city__icontains=place_or_name)
            | Q(postal_code__startswith=place_or_name)
        )
    return qs


def engagements_visible_to(
    *, user, structure_id: int | None = None, number: str = ""
) -> QuerySet[EngagementJuridique]:
    """EJs of public structures the user may see: all EJs of a structure the user is attached
    to; otherwise only those issued to one of the user's SIRETs or to no named supplier."""
    attached = _attached_structure_ids(user=user)
    own_sirets = Structure.objects.filter(pk__in=attached, identifier_type="SIRET").values(
        "identifier"
    )
    qs = EngagementJuridique.objects.filter(structure__kind=StructureKind.PUBLIQUE).filter(
        Q(structure_id__in=attached) | Q(supplier_siret="") | Q(supplier_siret__in=own_sirets)
    )
    if structure_id is not None:
        # The "structure réceptrice" of an EJ is the company that receives the order: OCA sends
        # its own (supplier) idStructureCPP (chorus-pro.md §7.5). A public structure id still
        # selects the EJs it issued.
        receiver = Structure.objects.filter(pk=structure_id).first()
        if receiver is not None and receiver.kind == StructureKind.PRIVEE:
            qs = qs.filter(Q(supplier_siret=receiver.identifier) | Q(supplier_siret=""))
        else:
            qs = qs.filter(structure_id=structure_id)
    if number:
        qs = qs.filter(number=number)
    return qs.select_related("structure")


def public_directory_rows():
    """Active public structures with their services (for the directory export), name order."""
    return (
        Structure.objects.filter(kind=StructureKind.PUBLIQUE, is_active=True)
        .prefetch_related("services")
        .order_by("name", "pk")
    )
