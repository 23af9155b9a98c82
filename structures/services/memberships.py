"""Attachments (rattachements): request, approve, refuse, detach, transfer the principal role,
add a member directly.
"""

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from structures.choices import (
    MembershipRole,
    MembershipStatus,
    StructureKind,
)
from structures.models import Membership, Structure
from structures.services.common import (
    PUBLIC_STRUCTURE_EXPLANATION,
    User,
    _email_on_commit,
    _lock_structure,
    _principal_of,
    _user_label,
    require_principal,
    structure_log,
)
from structures.services.invitations import _notify_on_commit, _stamp

# --- attachments -----------------------------------------------------------------------------


def membership_request(*, user, structure: Structure, comment: str = "") -> Membership:
    """A user asks to be attached to a supplier structure; its principal manager decides."""
    if structure.kind == StructureKind.PUBLIQUE:
        raise ChorusError(
            PUBLIC_STRUCTURE_EXPLANATION.format(name=structure.name),
            field="identifier",
            code="structure_public",
        )
    if not structure.is_active:
        raise ChorusError(
            f"La structure « {structure.name} » est inactive : aucun rattachement n'est possible.",
            field="identifier",
            code="structure_inactive",
        )
    comment = (comment or "").strip()[:500]
    with transaction.atomic():
        structure = _lock_structure(structure)
        membership = Membership.objects.filter(user=user, structure=structure).first()
        if membership is not None and membership.status == MembershipStatus.VALIDEE:
            raise ChorusError(
                f"Vous êtes déjà rattaché(e) à la structure « {structure.name} » "
                f"({membership.get_role_display().lower()}).",
                code="already_member",
            )
        if membership is not None and membership.is_invitation:
            raise ChorusError(
                f"La structure « {structure.name} » vous a invité(e) : acceptez l'invitation "
                "depuis « Mon espace » › Invitations.",
                code="already_invited",
            )
        if membership is not None and membership.status == MembershipStatus.EN_COURS_DE_VALIDATION:
            raise ChorusError(
                f"Vous avez déjà une demande de rattachement à « {structure.name} » en cours de "
                f"validation (déposée le {timezone.localtime(membership.requested_at):%d/%m/%Y}). "
                "Le gestionnaire principal doit la traiter.",
                code="already_pending",
            )
        if membership is not None:
            membership.resubmit(comment=comment)
            membership.save()
            action, verb = "chorus.structure.membership_resubmitted", "renouvelée"
        else:
            membership = Membership.objects.create(user=user, structure=structure, comment=comment)
            action, verb = "chorus.structure.membership_requested", "déposée"
        structure_log(
            structure=structure,
            action=action,
            actor=user,
            target_user=user,
            message=f"Demande de rattachement {verb} par {_user_label(user)}.",
            data={"comment": comment} if comment else {},
        )
        principal = _principal_of(structure)
        if principal is not None:
            _email_on_commit(
                template="request_received",
                user=principal,
                context={
                    "structure": structure,
                    "requester": user,
                    "comment": comment,
                },
            )
    return membership


def _pending_for_decision(*, structure: Structure, membership_ids: Iterable[int]):
    ids = {int(pk) for pk in membership_ids}
    if not ids:
        raise ChorusError(
            "Sélection : cochez au moins une demande de rattachement.",
            field="membership_ids",
            code="empty_selection",
        )
    memberships = list(
        Membership.objects.select_for_update()
        .filter(structure=structure, pk__in=ids)
        .select_related("user")
        .order_by("pk")
    )
    if len(memberships) != len(ids):
        raise ChorusError(
            "Sélection : une des demandes choisies n'appartient pas à cette structure.",
            field="membership_ids",
            code="unknown_membership",
        )
    for membership in memberships:
        if membership.is_invitation:
            raise ChorusError(
                f"{_user_label(membership.user)} a été invité(e) : c'est à cette personne "
                "d'accepter ou de refuser l'invitation.",
                field="membership_ids",
                code="invitation",
            )
        if membership.status != MembershipStatus.EN_COURS_DE_VALIDATION:
            raise ChorusError(
                f"La demande de {_user_label(membership.user)} a déjà été traitée "
                f"(statut : {membership.get_status_display().lower()}).",
                field="membership_ids",
                code="already_decided",
            )
    return memberships


def membership_approve(
    *, structure: Structure, by, membership_ids: Iterable[int]
) -> list[Membership]:
    """The principal manager accepts one or several pending requests."""
    with transaction.atomic():
        structure = _lock_structure(structure)
        require_principal(structure=structure, by=by)
        memberships = _pending_for_decision(structure=structure, membership_ids=membership_ids)
        now = timezone.now()
        for membership in memberships:
            membership.approve(by=by, at=now)
            membership.save()
            structure_log(
                structure=structure,
                action="chorus.structure.membership_approved",
                actor=by,
                target_user=membership.user,
                message=f"Rattachement de {_user_label(membership.user)} validé.",
            )
            _email_on_commit(
                template="request_approved",
                user=membership.user,
                context={
                    "structure": structure,
                    "by": by,
                },
            )
    return memberships


def membership_refuse(
    *, structure: Structure, by, membership_ids: Iterable[int], comment: str = ""
) -> list[Membership]:
    """The principal manager refuses one or several pending requests, with an optional reason."""
    comment = (comment or "").strip()[:500]
    with transaction.atomic():
        structure = _lock_structure(structure)
        require_principal(structure=structure, by=by)
        memberships = _pending_for_decision(structure=structure, membership_ids=membership_ids)
        now = timezone.now()
        for membership in memberships:
            membership.refuse(by=by, at=now, comment=comment)
            membership.save()
            structure_log(
                structure=structure,
                action="chorus.structure.membership_refused",
                actor=by,
                target_user=membership.user,
                message=f"Rattachement de {_user_label(membership.user)} refusé.",
                data={"comment": comment} if comment else {},
            )
            _email_on_commit(
                template="request_refused",
                user=membership.user,
                context={"structure": structure, "by": by, "comment": comment},
            )
    return memberships


def membership_detach(*, membership: Membership, by) -> Membership:
    """Detach a validated member: by the principal manager, or the member leaving by himself."""
    with transaction.atomic():
        structure = _lock_structure(membership.structure)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        leaving = membership.user_id == by.pk
        if membership.is_principal:
            raise ChorusError(
                "Le gestionnaire principal ne peut pas être détaché : transférez d'abord le rôle "
                "de gestionnaire principal à un autre membre de la structure.",
                code="principal_detach",
            )
        if not leaving:
            require_principal(structure=structure, by=by)
        if membership.status != MembershipStatus.VALIDEE:
            raise ChorusError(
                f"Seul un rattachement validé peut être désactivé (statut actuel : "
                f"{membership.get_status_display().lower()}).",
                code="not_validated",
            )
        membership.deactivate(by=by, at=timezone.now())
        membership.save()
        user = membership.user
        structure_log(
            structure=structure,
            action="chorus.structure.membership_detached",
            actor=by,
            target_user=user,
            message=(
                f"{_user_label(user)} a quitté la structure."
                if leaving
                else f"{_user_label(user)} a été détaché(e) de la structure."
            ),
        )
        if not leaving:
            _email_on_commit(
                template="member_detached", user=user, context={"structure": structure, "by": by}
            )
    return membership


def principal_transfer(*, structure: Structure, by, to_user) -> Membership:
    """Hand the principal manager role to another validated member; `by` becomes a user."""
    with transaction.atomic():
        structure = _lock_structure(structure)
        require_principal(structure=structure, by=by)
        if to_user.pk == by.pk:
            raise ChorusError(
                "Nouveau gestionnaire principal : vous êtes déjà le gestionnaire principal.",
                field="to_user",
                code="same_user",
            )
        target = (
            Membership.objects.select_for_update()
            .filter(structure=structure, user=to_user, status=MembershipStatus.VALIDEE)
            .first()
        )
        if target is None or not to_user.is_active:
            raise ChorusError(
                "Nouveau gestionnaire principal : la personne choisie doit être un membre validé "
                "et actif de la structure.",
                field="to_user",
                code="not_member",
            )
        current = Membership.objects.select_for_update().get(
            structure=structure,
            user=by,
            role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
            status=MembershipStatus.VALIDEE,
        )
        # Demote first: at most one validated principal may exist at any time.
        current.role = MembershipRole.UTILISATEUR
        current.save(update_fields=["role"])
        target.role = MembershipRole.GESTIONNAIRE_PRINCIPAL
        target.save(update_fields=["role"])
        structure_log(
            structure=structure,
            action="chorus.structure.principal_transferred",
            actor=by,
            target_user=to_user,
            message=(
                f"Rôle de gestionnaire principal transféré de {_user_label(by)} "
                f"à {_user_label(to_user)}."
            ),
        )
        _email_on_commit(
            template="principal_transferred",
            user=to_user,
            context={
                "structure": structure,
                "by": by,
            },
        )
    return target


def membership_add_by_manager(*, structure: Structure, by, email: str) -> Membership:
    """The principal manager invites an existing, active user account: the user accepts or
    declines (`membership_invitation_accept` / `_decline`); nobody is attached without consent.
    A user who had asked to join this structure gave consent already: the request is approved."""
    email = (email or "").strip()
    if not email:
        raise ChorusError("E-mail : ce champ est obligatoire.", field="email", code="required")
    with transaction.atomic():
        structure = _lock_structure(structure)
        require_principal(structure=structure, by=by)
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None:
            raise ChorusError(
                f"E-mail : aucun compte utilisateur actif n'utilise l'adresse « {email} ». "
                "La personne doit d'abord créer son compte et l'activer, puis vous pourrez "
                "l'inviter (ou elle pourra demander son rattachement).",
                field="email",
                code="unknown_user",
            )
        membership = (
            Membership.objects.select_for_update().filter(user=user, structure=structure).first()
        )
        if membership is not None and membership.status == MembershipStatus.VALIDEE:
            raise ChorusError(
                f"E-mail : {_user_label(user)} est déjà membre de la structure.",
                field="email",
                code="already_member",
            )
        if membership is not None and membership.is_invitation:
            raise ChorusError(
                f"E-mail : {_user_label(user)} a déjà une invitation en attente de sa réponse "
                f"(envoyée le {timezone.localtime(membership.requested_at):%d/%m/%Y}).",
                field="email",
                code="already_invited",
            )
        if membership is not None and membership.status == MembershipStatus.EN_COURS_DE_VALIDATION:
            # The user asked to join: approving the request is what the manager means.
            membership.approve(by=by, at=timezone.now())
            membership.save()
            structure_log(
                structure=structure,
                action="chorus.structure.membership_approved",
                actor=by,
                target_user=user,
                message=f"Rattachement de {_user_label(user)} validé (sa demande était en cours).",
            )
            _email_on_commit(
                template="request_approved", user=user, context={"structure": structure, "by": by}
            )
            return membership
        if membership is None:
            membership = Membership.objects.create(user=user, structure=structure, invited_by=by)
        else:
            membership.resubmit(invited_by=by)
            membership.save()
        structure_log(
            structure=structure,
            action="chorus.structure.member_invited",
            actor=by,
            target_user=user,
            message=(
                f"{_user_label(user)} invité(e) par le gestionnaire principal "
                "(en attente de sa réponse)."
            ),
        )
        _notify_on_commit(
            user=user,
            key=f"structure-invitation-{membership.pk}-{_stamp()}",
            title=f"Invitation à rejoindre {structure.name}",
            body=(
                f"{_user_label(by)}, gestionnaire principal de la structure « {structure.name} » "
                f"({structure.identifier}), vous invite à la rejoindre. Vous n'y êtes rattaché(e) "
                "que si vous acceptez l'invitation ; vous pouvez aussi la refuser."
            ),
            url=reverse("structures:invitations"),
        )
    return membership
