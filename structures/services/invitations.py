"""Invitations: a member added by a manager accepts or declines the attachment."""

import functools

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from structures.models import Membership
from structures.services.common import _lock_structure, _user_label, structure_log


def _stamp() -> int:
    """Part of a notification key: each invitation (a re-invitation too) is notified once."""
    return int(timezone.now().timestamp() * 1000)


def _notify_on_commit(*, user, key: str, title: str, body: str, url: str) -> None:
    """In-app notification + e-mail (accounts.notifications), sent once the transaction commits."""
    from accounts.notifications import notification_send

    transaction.on_commit(
        functools.partial(notification_send, user=user, key=key, title=title, body=body, url=url)
    )


def _invitation_of(*, membership_id: int, by) -> Membership:
    """The user's own pending invitation, locked; anybody else's is unknown (404-like)."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("structure", "invited_by")
        .filter(pk=membership_id, user=by)
        .first()
    )
    if membership is None:
        raise ChorusError("Invitation introuvable.", code="introuvable")
    if not membership.is_invitation:
        raise ChorusError(
            f"Cette invitation a déjà reçu une réponse (statut : "
            f"{membership.get_status_display().lower()}).",
            code="already_decided",
        )
    return membership


def membership_invitation_accept(*, membership_id: int, by) -> Membership:
    """The invited user accepts: the membership becomes active (validated)."""
    with transaction.atomic():
        membership = _invitation_of(membership_id=membership_id, by=by)
        structure = _lock_structure(membership.structure)
        membership = _invitation_of(membership_id=membership_id, by=by)  # checked under the lock
        inviter = membership.invited_by
        membership.approve(by=by, at=timezone.now())
        membership.save()
        structure_log(
            structure=structure,
            action="chorus.structure.invitation_accepted",
            actor=by,
            target_user=by,
            message=f"{_user_label(by)} a accepté l'invitation et rejoint la structure.",
        )
        if inviter is not None:
            _notify_on_commit(
                user=inviter,
                key=f"structure-invitation-{membership.pk}-accepted-{_stamp()}",
                title=f"Invitation acceptée : {structure.name}",
                body=f"{_user_label(by)} a accepté votre invitation à rejoindre "
                f"« {structure.name} ».",
                url=reverse("structures:detail", args=[structure.pk]),
            )
    return membership


def membership_invitation_decline(*, membership_id: int, by) -> Membership:
    """The invited user declines: nothing is attached; the manager may invite again later."""
    with transaction.atomic():
        membership = _invitation_of(membership_id=membership_id, by=by)
        structure = _lock_structure(membership.structure)
        membership = _invitation_of(membership_id=membership_id, by=by)
        inviter = membership.invited_by
        membership.refuse(by=by, at=timezone.now(), comment="Invitation refusée par l'utilisateur.")
        membership.save()
        structure_log(
            structure=structure,
            action="chorus.structure.invitation_declined",
            actor=by,
            target_user=by,
            message=f"{_user_label(by)} a refusé l'invitation à rejoindre la structure.",
        )
        if inviter is not None:
            _notify_on_commit(
                user=inviter,
                key=f"structure-invitation-{membership.pk}-declined-{_stamp()}",
                title=f"Invitation refusée : {structure.name}",
                body=f"{_user_label(by)} a refusé votre invitation à rejoindre "
                f"« {structure.name} ».",
                url=reverse("structures:detail", args=[structure.pk]),
            )
    return membership
