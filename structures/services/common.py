"""Helpers of the structure services: audit trail, e-mails after commit, locks, principal checks."""

import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from chorus.exceptions import ChorusError
from structures.choices import (
    MembershipRole,
    MembershipStatus,
)
from structures.models import Membership, Structure, StructureLog

User = get_user_model()

PUBLIC_STRUCTURE_EXPLANATION = (
    "« {name} » est une structure publique : c'est un destinataire de factures (votre client), "
    "pas votre entreprise. Pour déposer des factures à destination de cette entité, rattachez-vous "
    "à la structure de VOTRE entreprise (avec son propre SIRET), puis choisissez « {name} » comme "
    "destinataire lors du dépôt de la facture. Les agents d'une entité publique sont ajoutés "
    "directement par son gestionnaire principal."
)


# --- helpers -----------------------------------------------------------------------------------


def structure_log(
    *,
    structure: Structure,
    action: str,
    actor=None,
    target_user=None,
    message: str,
    data: dict | None = None,
) -> StructureLog:
    """Write one entry of the structure's audit trail (action codes `chorus.structure.*`)."""
    return StructureLog.objects.create(
        structure=structure,
        action=action,
        actor=actor,
        target_user=target_user,
        message=message[:500],
        data=data or {},
    )


def _send_email_now(*, template: str, to: str, context: dict) -> None:
    if "structure" in context:  # e-mails need absolute links
        path = reverse("structures:detail", args=[context["structure"].pk])
        context = {**context, "url": settings.CHORUS_SITE_URL.rstrip("/") + path}
    subject = render_to_string(f"structures/email/{template}_subject.txt", context)
    body = render_to_string(f"structures/email/{template}.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    send_mail(subject, body, None, [to])


def _email_on_commit(*, template: str, user, context: dict) -> None:
    """Queue a plain-text e-mail to the user's notification address, sent after commit."""
    context = {**context, "recipient": user}
    transaction.on_commit(
        functools.partial(
            _send_email_now, template=template, to=user.notification_email, context=context
        )
    )


def _lock_structure(structure: Structure) -> Structure:
    """Serialize the managers' actions on one structure."""
    return Structure.objects.select_for_update().get(pk=structure.pk)


def require_principal(
    *,
    structure: Structure,
    by,
    action: str = "gérer ses rattachements",
    code: str = "not_principal",
) -> None:
    """Only the validated gestionnaire principal of `structure` may act on it: the one home of the
    rule for memberships, settings, bank details and API connections. `action` ends the French
    message (« seul le gestionnaire principal … peut <action> »)."""
    is_principal = Membership.objects.filter(
        structure=structure,
        user=by,
        role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
        status=MembershipStatus.VALIDEE,
    ).exists()
    if not is_principal:
        raise ChorusError(
            "Action refusée : seul le gestionnaire principal de la structure "
            f"« {structure.name} » peut {action}.",
            code=code,
        )


def _principal_of(structure: Structure):
    membership = (
        Membership.objects.filter(
            structure=structure,
            role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
            status=MembershipStatus.VALIDEE,
        )
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def _user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} <{user.email}>" if full else user.email
