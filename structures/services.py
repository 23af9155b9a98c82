"""Business rules of structures and attachments (rattachements).

Every function is keyword-only, checks its rules and raises `ChorusError` with a French message that
names the field and the rule. E-mails leave only once the transaction commits.
"""

import functools
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices.validators import text_check
from structures.choices import (
    CompanyCategory,
    IdentifierType,
    MembershipRole,
    MembershipStatus,
    StructureKind,
)
from structures.models import CompanyRecord, Membership, Structure, StructureLog
from structures.validators import validate_siret, validate_vat_number

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


def _require_principal(*, structure: Structure, by) -> None:
    is_principal = Membership.objects.filter(
        structure=structure,
        user=by,
        role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
        status=MembershipStatus.VALIDEE,
    ).exists()
    if not is_principal:
        raise ChorusError(
            "Action refusée : seul le gestionnaire principal de la structure "
            f"« {structure.name} » peut gérer ses rattachements.",
            code="not_principal",
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


# --- structures ------------------------------------------------------------------------------


def company_record_lookup(*, siret: str) -> CompanyRecord:
    """Return the register entry of a SIRET, or raise ChorusError(field="identifier")."""
    try:
        compact = validate_siret(siret)
    except ValidationError as exc:
        raise ChorusError(exc.messages[0], field="identifier", code="siret_invalid") from None
    record = CompanyRecord.objects.filter(siret=compact).first()
    if record is None:
        raise ChorusError(
            f"SIRET inconnu du répertoire des entreprises : le SIRET « {compact} » ne figure pas "
            "dans la base SIRENE. Vérifiez le numéro sur votre avis de situation INSEE.",
            field="identifier",
            code="siret_unknown",
        )
    return record


def _clean_identifier(identifier_type: str, identifier: str) -> str:
    identifier = (identifier or "").strip()
    if identifier_type not in IdentifierType.values:
        raise ChorusError(
            f"Type d'identifiant : « {identifier_type} » n'est pas un type reconnu.",
            field="identifier_type",
            code="identifier_type_invalid",
        )
    if not identifier:
        raise ChorusError(
            "Identifiant : ce champ est obligatoire.", field="identifier", code="required"
        )
    if identifier_type == IdentifierType.SIRET:
        try:
            return validate_siret(identifier)
        except ValidationError as exc:
            raise ChorusError(exc.messages[0], field="identifier", code="siret_invalid") from None
    if identifier_type == IdentifierType.UE_HORS_FRANCE:
        try:
            compact = validate_vat_number(identifier)
        except ValidationError as exc:
            raise ChorusError(
                f"Identifiant : {exc.messages[0]}", field="identifier", code="vat_invalid"
            ) from None
        if compact.startswith("FR"):
            raise ChorusError(
                "Identifiant : un numéro de TVA français ne relève pas du type "
                "« UE hors France » ; choisissez le type SIRET.",
                field="identifier",
                code="vat_french",
            )
        return compact
    return " ".join(identifier.split()).upper()


def structure_find(*, identifier_type: str, identifier: str) -> Structure | None:
    """The structure with this identifier (SIRET checked first), or None."""
    compact = _clean_identifier(identifier_type, identifier)
    return Structure.objects.filter(identifier_type=identifier_type, identifier=compact).first()


def structure_duplicate_error(structure: Structure) -> ChorusError:
    """The structure exists: a private one → ask to be attached (the page links the request);
    a public one → it is a recipient, not the user's company (no attachment to the State)."""
    if structure.is_public:
        return ChorusError(
            f"Identifiant : la structure « {structure.name} » ({structure.identifier}) existe "
            "déjà. " + PUBLIC_STRUCTURE_EXPLANATION.format(name=structure.name),
            field="identifier",
            code="structure_public",
        )
    url = reverse("structures:request") + (
        f"?identifier_type={structure.identifier_type}&identifier={structure.identifier}"
    )
    return ChorusError(
        f"Identifiant : la structure « {structure.name} » ({structure.identifier}) existe déjà. "
        "Elle a un gestionnaire principal : demandez plutôt votre rattachement à cette structure "
        f"({url}).",
        field="identifier",
        code="structure_exists",
    )


def structure_create_private(
    *,
    user,
    identifier_type: str,
    identifier: str,
    name: str = "",
    address: str = "",
    postal_code: str = "",
    city: str = "",
    vat_number: str = "",
    company_category: str = "",
) -> Structure:
    """Create a supplier structure; its creator becomes its principal manager."""
    compact = _clean_identifier(identifier_type, identifier)
    existing = Structure.objects.filter(identifier_type=identifier_type, identifier=compact).first()
    if existing is not None:
        raise structure_duplicate_error(existing)

    values = {
        "name": (name or "").strip(),
        "address": (address or "").strip(),
        "postal_code": (postal_code or "").strip(),
        "city": (city or "").strip(),
        "company_category": company_category or "",
    }
    country = "FR"
    if identifier_type == IdentifierType.SIRET:
        record = company_record_lookup(siret=compact)
        if not record.is_active:
            raise ChorusError(
                f"Identifiant : l'établissement « {record.name} » (SIRET {compact}) est fermé "
                "dans le répertoire des entreprises ; seul un établissement actif peut avoir "
                "une structure.",
                field="identifier",
                code="siret_inactive",
            )
        # The register is the reference: it fills what the user left empty.
        for field, value in (
            ("name", record.name),
            ("address", record.address),
            ("postal_code", record.postal_code),
            ("city", record.city),
            ("company_category", record.category),
        ):
            values[field] = values[field] or value
    elif identifier_type == IdentifierType.UE_HORS_FRANCE:
        country = compact[:2].replace("EL", "GR")
    elif identifier_type == IdentifierType.HORS_UE:
        country = ""

    if not values["name"]:
        raise ChorusError(
            "Raison sociale : ce champ est obligatoire.", field="name", code="required"
        )
    # These texts are copied onto every invoice of the structure (PDF, CII/UBL): no controls.
    for field, label in (
        ("name", "Raison sociale"),
        ("address", "Adresse"),
        ("postal_code", "Code postal"),
        ("city", "Commune"),
    ):
        text_check(value=values[field], field_label=label, field=field)
    if values["company_category"] and values["company_category"] not in CompanyCategory.values:
        raise ChorusError(
            f"Catégorie d'entreprise : « {values['company_category']} » n'est pas une catégorie "
            "reconnue (GE, ETI, PME ou MICRO).",
            field="company_category",
            code="category_invalid",
        )
    vat_number = (vat_number or "").strip()
    if vat_number:
        try:
            vat_number = validate_vat_number(vat_number)
        except ValidationError as exc:
            raise ChorusError(
                f"N° de TVA intracommunautaire : {exc.messages[0]}",
                field="vat_number",
                code="vat_invalid",
            ) from None

    with transaction.atomic():
        try:
            with transaction.atomic():
                structure = Structure.objects.create(
                    kind=StructureKind.PRIVEE,
                    identifier_type=identifier_type,
                    identifier=compact,
                    vat_number=vat_number,
                    country=country or "",
                    **values,
                )
        except IntegrityError:
            existing = Structure.objects.get(identifier_type=identifier_type, identifier=compact)
            raise structure_duplicate_error(existing) from None
        membership = Membership(
            user=user, structure=structure, role=MembershipRole.GESTIONNAIRE_PRINCIPAL
        )
        membership.approve(by=user, at=timezone.now())
        membership.save()
        structure_log(
            structure=structure,
            action="chorus.structure.created",
            actor=user,
            target_user=user,
            message=f"Structure créée par {_user_label(user)}, gestionnaire principal.",
            data={"identifier_type": identifier_type, "identifier": compact},
        )
    return structure


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
        _require_principal(structure=structure, by=by)
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
        _require_principal(structure=structure, by=by)
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
            _require_principal(structure=structure, by=by)
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
        _require_principal(structure=structure, by=by)
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
        _require_principal(structure=structure, by=by)
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
