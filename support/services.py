"""Business rules of sollicitations.

Keyword-only functions that check the rule, change state through FSM transitions, write the thread
and schedule notifications (in-app + e-mail) with `transaction.on_commit`.
"""

import datetime
import functools

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django_fsm import can_proceed

from accounts.notifications import notification_send
from chorus import clock
from chorus.exceptions import ChorusError
from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from structures.models import Structure
from support import selectors
from support.choices import SUBCATEGORIES, Category
from support.models import Sollicitation, SollicitationAttachment, SollicitationMessage
from support.uploads import validate_attachments

MAX_BODY = 5000


def _user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} <{user.email}>" if full else user.email


def _check_text(*, subject: str | None, body: str) -> tuple[str, str]:
    if subject is not None:
        subject = (subject or "").strip()
        if not subject:
            raise ChorusError("Objet : ce champ est obligatoire.", field="subject", code="required")
        if len(subject) > 150:
            raise ChorusError(
                "Objet : 150 caractères au plus.", field="subject", code="subject_too_long"
            )
    body = (body or "").strip()
    if not body:
        raise ChorusError("Message : ce champ est obligatoire.", field="body", code="required")
    if len(body) > MAX_BODY:
        raise ChorusError(
            f"Message : {MAX_BODY} caractères au plus.", field="body", code="body_too_long"
        )
    return subject or "", body


def _check_category(*, category: str, subcategory: str) -> None:
    if category not in Category.values:
        raise ChorusError(
            "Catégorie : choisissez une catégorie de la liste.",
            field="category",
            code="category_invalid",
        )
    if subcategory not in {code for code, _ in SUBCATEGORIES[category]}:
        raise ChorusError(
            f"Sous-catégorie : choisissez une sous-catégorie de « {Category(category).label} ».",
            field="subcategory",
            code="subcategory_invalid",
        )


def _store_files(*, message: SollicitationMessage, files) -> None:
    for upload in files:
        SollicitationAttachment.objects.create(
            message=message,
            file=upload,
            filename=upload.name,
            content_type=getattr(upload, "content_type", "") or "",
            size=upload.size,
        )


def _detail_path(sollicitation: Sollicitation) -> str:
    return reverse("support:detail", args=[sollicitation.pk])


def _notify_on_commit(
    *, users, sollicitation: Sollicitation, message: SollicitationMessage, title: str, body: str
) -> None:
    url = _detail_path(sollicitation)
    for user in users:
        transaction.on_commit(
            functools.partial(
                notification_send,
                user=user,
                key=f"support.{sollicitation.pk}.message.{message.pk}",
                title=title,
                body=body,
                url=url,
            )
        )


def _email_anonymous_on_commit(*, sollicitation: Sollicitation, subject: str, body: str) -> None:
    transaction.on_commit(
        functools.partial(
            send_mail,
            settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
            f"Bonjour {sollicitation.contact_name},\n\n{body}\n\n— chorus (environnement "
            "d'émulation, ceci n'est pas Chorus Pro)",
            None,
            [sollicitation.contact_email],
        )
    )


def _route(*, requester, invoice: Invoice | None) -> tuple[str, Structure | None]:
    """A supplier's request about a routed invoice goes to its public recipient, else support."""
    return selectors.sollicitation_route(requester=requester, invoice=invoice)


def _notify_new_request(*, sollicitation: Sollicitation, message: SollicitationMessage) -> None:
    handlers = selectors.sollicitation_handlers(sollicitation=sollicitation)
    _notify_on_commit(
        users=handlers,
        sollicitation=sollicitation,
        message=message,
        title=f"Nouvelle sollicitation n° {sollicitation.pk} : {sollicitation.subject}",
        body=f"{message.author_label} a écrit :\n\n{message.body}",
    )


# The same sollicitation (same requester, subject, text and object) sent again within this delay
# is the same form submitted twice (a double click), not a new request (issue 14 item 17).
TWIN_WINDOW = datetime.timedelta(minutes=10)


@transaction.atomic
def sollicitation_create(
    *,
    requester,
    category: str,
    subcategory: str,
    subject: str,
    body: str,
    invoice_id: int | None = None,
    structure_id: int | None = None,
    files=(),
) -> Sollicitation:
    """A connected user's sollicitation («Saisir sollicitation»)."""
    _check_category(category=category, subcategory=subcategory)
    subject, body = _check_text(subject=subject, body=body)
    files = list(files)
    validate_attachments(files)
    invoice = None
    if invoice_id:
        invoice = invoice_selectors.invoice_get_for_user(user=requester, invoice_id=invoice_id)
        if invoice is None or invoice.is_draft:
            raise ChorusError(
                "Facture concernée : choisissez une facture que vous pouvez consulter.",
                field="invoice",
                code="invoice_not_visible",
            )
    structure = None
    if structure_id:
        structure = selectors.member_structures(user=requester).filter(pk=structure_id).first()
        if structure is None:
            raise ChorusError(
                "Structure concernée : choisissez une structure à laquelle vous êtes rattaché.",
                field="structure",
                code="structure_not_member",
            )
    # One sollicitation per submitted form: parallel or repeated clicks on « Envoyer » wait for
    # each other on the requester's row, and a twin sent moments ago is returned, not duplicated.
    get_user_model().objects.select_for_update().filter(pk=requester.pk).first()
    # Dated by the sandbox clock of what it concerns (chorus.clock), the twin window too.
    at = clock.now(structure_id=_clock_structure_id(structure=structure, invoice=invoice))
    twin = (
        Sollicitation.objects.filter(
            requester=requester,
            category=category,
            subcategory=subcategory,
            subject=subject,
            invoice=invoice,
            structure=structure,
            created_at__gte=at - TWIN_WINDOW,
            messages__from_requester=True,
            messages__body=body,
        )
        .order_by("-id")
        .first()
    )
    if twin is not None:
        return twin
    addressee, recipient_structure = _route(requester=requester, invoice=invoice)
    sollicitation = Sollicitation.objects.create(
        created_at=at,
        requester=requester,
        contact_email=requester.email,
        contact_name=requester.get_full_name() or requester.email,
        category=category,
        subcategory=subcategory,
        subject=subject,
        invoice=invoice,
        structure=structure,
        addressee=addressee,
        recipient_structure=recipient_structure,
    )
    message = SollicitationMessage.objects.create(
        created_at=at,
        sollicitation=sollicitation,
        author=requester,
        author_label=_user_label(requester),
        from_requester=True,
        body=body,
    )
    _store_files(message=message, files=files)
    _notify_new_request(sollicitation=sollicitation, message=message)
    return sollicitation


@transaction.atomic
def sollicitation_create_anonymous(
    *, email: str, name: str, category: str, subcategory: str, subject: str, body: str
) -> Sollicitation:
    """«Nous contacter» without an account: always addressed to the support."""
    _check_category(category=category, subcategory=subcategory)
    subject, body = _check_text(subject=subject, body=body)
    name = (name or "").strip()
    email = (email or "").strip()
    if not name:
        raise ChorusError("Nom : ce champ est obligatoire.", field="name", code="required")
    if not email:
        raise ChorusError(
            "Adresse e-mail : ce champ est obligatoire.", field="email", code="required"
        )
    sollicitation = Sollicitation.objects.create(
        contact_email=email,
        contact_name=name[:150],
        category=category,
        subcategory=subcategory,
        subject=subject,
    )
    message = SollicitationMessage.objects.create(
        sollicitation=sollicitation,
        author_label=f"{name[:150]} <{email}> (sans compte)",
        from_requester=True,
        body=body,
    )
    _notify_new_request(sollicitation=sollicitation, message=message)
    _email_anonymous_on_commit(
        sollicitation=sollicitation,
        subject=f"Sollicitation n° {sollicitation.pk} bien reçue",
        body=f"Votre sollicitation « {subject} » a été enregistrée sous le n° "
        f"{sollicitation.pk}. La réponse vous sera envoyée à cette adresse.",
    )
    return sollicitation


def _clock_structure_id(*, structure: Structure | None, invoice: Invoice | None) -> int | None:
    """Whose sandbox clock dates a request: the structure it concerns, else its invoice's."""
    if structure is not None:
        return structure.pk
    if invoice is not None:
        return invoice.recipient_id or invoice.supplier_id
    return None


def _now(sollicitation: Sollicitation):
    """The sandbox clock of the request (chorus.clock), so that its dates follow the deadlines'."""
    if sollicitation.structure_id:
        return clock.now(structure_id=sollicitation.structure_id)
    invoice = sollicitation.invoice if sollicitation.invoice_id else None
    return clock.now(structure_id=_clock_structure_id(structure=None, invoice=invoice))


def _lock(sollicitation: Sollicitation) -> Sollicitation:
    return Sollicitation.objects.select_for_update().get(pk=sollicitation.pk)


def _require_role(*, sollicitation: Sollicitation, user, role: str) -> None:
    if selectors.sollicitation_role(user=user, sollicitation=sollicitation) != role:
        who = "le demandeur" if role == selectors.REQUESTER else "le destinataire de la demande"
        raise ChorusError(
            f"Action refusée : seul {who} peut effectuer cette action.", code="not_allowed"
        )


def _refuse_closed(sollicitation: Sollicitation) -> None:
    if sollicitation.is_closed:
        raise ChorusError(
            "Cette sollicitation est clôturée : ouvrez-en une nouvelle si besoin.",
            field="body",
            code="sollicitation_closed",
        )


@transaction.atomic
def sollicitation_reply(
    *, sollicitation: Sollicitation, by, body: str, files=()
) -> SollicitationMessage:
    """The support or the recipient answers: status «répondue», the requester is notified."""
    sollicitation = _lock(sollicitation)
    _require_role(sollicitation=sollicitation, user=by, role=selectors.HANDLER)
    _refuse_closed(sollicitation)
    _, body = _check_text(subject=None, body=body)
    files = list(files)
    validate_attachments(files)
    sollicitation.answer(at=_now(sollicitation))
    sollicitation.save()
    message = SollicitationMessage.objects.create(
        created_at=sollicitation.answered_at,
        sollicitation=sollicitation,
        author=by,
        author_label=_user_label(by),
        from_requester=False,
        body=body,
    )
    _store_files(message=message, files=files)
    title = f"Réponse à votre sollicitation n° {sollicitation.pk} : {sollicitation.subject}"
    text = f"Une réponse a été apportée à votre sollicitation :\n\n{body}"
    if sollicitation.requester_id:
        _notify_on_commit(
            users=[sollicitation.requester],
            sollicitation=sollicitation,
            message=message,
            title=title,
            body=text,
        )
    else:
        _email_anonymous_on_commit(sollicitation=sollicitation, subject=title, body=text)
    return message


@transaction.atomic
def sollicitation_add_message(
    *, sollicitation: Sollicitation, by, body: str, files=()
) -> SollicitationMessage:
    """The requester writes again; after an answer the request goes back «en cours»."""
    sollicitation = _lock(sollicitation)
    _require_role(sollicitation=sollicitation, user=by, role=selectors.REQUESTER)
    _refuse_closed(sollicitation)
    _, body = _check_text(subject=None, body=body)
    files = list(files)
    validate_attachments(files)
    if can_proceed(sollicitation.follow_up):
        sollicitation.follow_up()
    sollicitation.save()
    message = SollicitationMessage.objects.create(
        created_at=_now(sollicitation),
        sollicitation=sollicitation,
        author=by,
        author_label=_user_label(by),
        from_requester=True,
        body=body,
    )
    _store_files(message=message, files=files)
    _notify_on_commit(
        users=selectors.sollicitation_handlers(sollicitation=sollicitation),
        sollicitation=sollicitation,
        message=message,
        title=f"Nouveau message sur la sollicitation n° {sollicitation.pk}",
        body=f"{message.author_label} a écrit :\n\n{body}",
    )
    return message


@transaction.atomic
def sollicitation_take(*, sollicitation: Sollicitation, by) -> Sollicitation:
    """The handler marks the request «en cours»."""
    sollicitation = _lock(sollicitation)
    _require_role(sollicitation=sollicitation, user=by, role=selectors.HANDLER)
    if not can_proceed(sollicitation.take):
        raise ChorusError(
            f"Statut : une sollicitation « {sollicitation.get_status_display()} » ne peut pas "
            "être prise en charge (seulement une sollicitation ouverte).",
            code="transition_refused",
        )
    sollicitation.take()
    sollicitation.save()
    return sollicitation


@transaction.atomic
def sollicitation_close(*, sollicitation: Sollicitation, by) -> Sollicitation:
    """The requester or the handler closes the request."""
    sollicitation = _lock(sollicitation)
    if selectors.sollicitation_role(user=by, sollicitation=sollicitation) is None:
        raise ChorusError("Action refusée : sollicitation introuvable.", code="not_allowed")
    if not can_proceed(sollicitation.close):
        raise ChorusError("Cette sollicitation est déjà clôturée.", code="transition_refused")
    sollicitation.close(at=_now(sollicitation))
    sollicitation.save()
    return sollicitation
