"""Pages of the support app: sollicitations, «Nous contacter», the assistant and the help pages.

Views are thin: membership/role checked lookups (anything else is a 404), one service call,
messages and redirect. Mutations are POST only.
"""

import base64
import binascii
import contextlib
import datetime
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from redis.exceptions import RedisError

from chorus.exceptions import ChorusError
from chorus.files import stored_file_response
from chorus.security import client_address
from support import selectors, services
from support.assistant import assistant_answer
from support.choices import SUBCATEGORIES
from support.forms import AssistantForm, ContactForm, MessageForm, SollicitationForm, new_captcha
from support.help import (
    HELP_PAGES,
    HOTLINE_HOURS,
    OBLIGATION_CALENDAR,
    OBLIGATION_YEARS,
)
from support.models import Sollicitation, SollicitationAttachment

PAGE_SIZE = 20
CONTACT_LIMIT = 5  # «Nous contacter» submissions per IP address and hour
CONTACT_WINDOW = 3600


def _add_error(form, exc: ChorusError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


# --- keyset pagination -------------------------------------------------------------------------


def _encode_cursor(row: Sollicitation) -> str:
    raw = json.dumps([row.created_at.isoformat(), row.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str):
    try:
        stamp, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        created_at = datetime.datetime.fromisoformat(stamp)
    except (ValueError, TypeError, RecursionError, binascii.Error):
        return None
    if not isinstance(pk, int) or created_at.tzinfo is None:
        return None
    return created_at, pk


def _page(request: HttpRequest, qs: QuerySet[Sollicitation]) -> dict:
    cursor = _decode_cursor(request.GET.get("apres", ""))
    if cursor:
        stamp, pk = cursor
        qs = qs.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-pk")[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return {
        "rows": rows,
        "next_cursor": _encode_cursor(rows[-1]) if has_next else "",
        "is_first_page": cursor is None,
    }


def _list(request, qs, *, title: str, empty: str, received: bool = False) -> HttpResponse:
    context = _page(request, qs) | {"title": title, "empty": empty, "received": received}
    return render(request, "support/list.html", context)


@require_GET
@login_required
def issued(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        selectors.sollicitation_list_issued(user=request.user),
        title="Sollicitations émises",
        empty="Vous n'avez saisi aucune sollicitation.",
    )


@require_GET
@login_required
def received(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        selectors.sollicitation_list_received(user=request.user),
        title="Sollicitations reçues",
        empty="Aucune sollicitation n'a été adressée à vos structures.",
        received=True,
    )


@require_GET
@login_required
def staff(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("Page introuvable.")
    return _list(
        request,
        selectors.sollicitation_list_support(),
        title="Sollicitations adressées au support",
        empty="Aucune sollicitation adressée au support.",
        received=True,
    )


# --- creation ----------------------------------------------------------------------------------


def _sollicitation_form(request: HttpRequest, data=None, files=None) -> SollicitationForm:
    invoices = list(selectors.invoices_linkable(user=request.user).order_by("-created_at")[:200])
    structures = list(selectors.member_structures(user=request.user).order_by("name"))
    member_ids = {structure.pk for structure in structures}
    return SollicitationForm(
        data,
        files,
        invoices=invoices,
        structures=structures,
        # Where each request would go, said by the same rule that routes it.
        addressees={
            i.pk: selectors.sollicitation_route(
                requester=request.user, invoice=i, member_ids=member_ids
            )[0]
            for i in invoices
        },
        initial={
            "invoice": request.GET.get("facture") or None,
            "category": request.GET.get("categorie") or None,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = _sollicitation_form(request)
        return render(request, "support/create.html", {"form": form, "subcats": SUBCATEGORIES})
    form = _sollicitation_form(request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sollicitation = services.sollicitation_create(
                requester=request.user,
                category=data["category"],
                subcategory=data["subcategory"],
                subject=data["subject"],
                body=data["body"],
                invoice_id=data["invoice"],
                structure_id=data["structure"],
                files=data["attachments"],
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            to = (
                sollicitation.recipient_structure.name
                if sollicitation.recipient_structure_id
                else "au support de la plateforme"
            )
            if sollicitation.recipient_structure_id:
                to = f"à {to}, qui a reçu la facture"
            messages.success(
                request, f"Votre sollicitation n° {sollicitation.pk} a été envoyée {to}."
            )
            return redirect("support:detail", pk=sollicitation.pk)
    return render(
        request, "support/create.html", {"form": form, "subcats": SUBCATEGORIES}, status=400
    )


def _contact_reserve(key: str) -> bool:
    """Take one of the window's CONTACT_LIMIT places, atomically (cache.add then cache.incr: two
    parallel posts never read the same count). False when none is left; the cache down means no
    limit (the captcha still applies)."""
    try:
        cache.add(key, 0, CONTACT_WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 0, CONTACT_WINDOW)
            count = cache.incr(key)
    except RedisError:
        return True
    if count > CONTACT_LIMIT:
        _contact_release(key)
        return False
    return True


def _contact_release(key: str) -> None:
    """Give back a place taken by a post that sent nothing (wrong captcha, bad field)."""
    with contextlib.suppress(RedisError, ValueError):
        cache.decr(key)


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """«Nous contacter»: a sollicitation without an account (captcha + rate limit per IP)."""
    if request.method == "GET":
        question, token = new_captcha()
        form = ContactForm(initial={"captcha_token": token}, captcha_question=question)
        return render(request, "support/contact.html", {"form": form})
    key = f"support:contact:{client_address(request) or 'inconnue'}"
    if not _contact_reserve(key):
        return render(request, "support/contact_limited.html", status=429)
    form = ContactForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sollicitation = services.sollicitation_create_anonymous(
                email=data["email"],
                name=data["name"],
                category=data["category"],
                subcategory=data["subcategory"],
                subject=data["subject"],
                body=data["body"],
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            return render(request, "support/contact_done.html", {"sollicitation": sollicitation})
    _contact_release(key)
    # Re-render with what was typed and a fresh question.
    question, token = new_captcha()
    form.data = form.data.copy()
    form.data["captcha_token"], form.data["captcha_answer"] = token, ""
    form.set_question(question)
    return render(request, "support/contact.html", {"form": form}, status=400)


# --- detail and thread -------------------------------------------------------------------------


def _load(request: HttpRequest, pk: int) -> tuple[Sollicitation, str]:
    found = selectors.sollicitation_get_for_user(user=request.user, pk=pk)
    if found is None:
        raise Http404("Sollicitation introuvable.")
    return found


def _render_detail(request, sollicitation, role, form=None, status=200) -> HttpResponse:
    context = {
        "s": sollicitation,
        "role": role,
        "thread": selectors.sollicitation_thread(sollicitation=sollicitation),
        "form": form or MessageForm(),
        "can_take": role == selectors.HANDLER and sollicitation.status == "OUVERTE",
    }
    return render(request, "support/detail.html", context, status=status)


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    sollicitation, role = _load(request, pk)
    return _render_detail(request, sollicitation, role)


@require_POST
@login_required
def post_message(request: HttpRequest, pk: int) -> HttpResponse:
    sollicitation, role = _load(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        service = (
            services.sollicitation_reply
            if role == selectors.HANDLER
            else services.sollicitation_add_message
        )
        try:
            service(
                sollicitation=sollicitation,
                by=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, "Votre message a été envoyé.")
            return redirect("support:detail", pk=sollicitation.pk)
    return _render_detail(request, sollicitation, role, form=form, status=400)


@require_POST
@login_required
def take(request: HttpRequest, pk: int) -> HttpResponse:
    sollicitation, _ = _load(request, pk)
    try:
        services.sollicitation_take(sollicitation=sollicitation, by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Sollicitation prise en charge.")
    return redirect("support:detail", pk=pk)


@require_POST
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    sollicitation, _ = _load(request, pk)
    try:
        services.sollicitation_close(sollicitation=sollicitation, by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Sollicitation clôturée.")
    return redirect("support:detail", pk=pk)


@require_GET
@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    sollicitation, _ = _load(request, pk)
    item = SollicitationAttachment.objects.filter(
        pk=attachment_pk, message__sollicitation=sollicitation
    ).first()
    if item is None:
        raise Http404("Pièce jointe introuvable.")
    return stored_file_response(item.file, filename=item.filename, content_type=item.content_type)


# --- assistant ---------------------------------------------------------------------------------

HISTORY_KEY = "support_assistant_history"


@require_http_methods(["GET", "POST"])
def assistant(request: HttpRequest) -> HttpResponse:
    history = request.session.get(HISTORY_KEY, [])
    if request.method == "POST":
        form = AssistantForm(request.POST)
        if form.is_valid():
            question = form.cleaned_data["question"]
            answer = assistant_answer(user=request.user, question=question)
            exchange = {
                "question": question,
                "text": answer.text,
                "kind": answer.kind,
                "source": answer.source,
                "links": answer.links,
            }
            history = ([*history, exchange])[-10:]
            request.session[HISTORY_KEY] = history
            if request.headers.get("HX-Request"):
                return render(request, "support/_exchange.html", {"exchange": exchange})
            return redirect("support:assistant")
        if request.headers.get("HX-Request"):
            # htmx swaps only 2xx answers: an empty question must still show why nothing came.
            return render(request, "support/_assistant_error.html", {"form": form})
        status = 400
    else:
        form, status = AssistantForm(), 200
    return render(
        request, "support/assistant.html", {"form": form, "history": history}, status=status
    )


# --- help pages --------------------------------------------------------------------------------


def _help_context() -> dict:
    return {
        "pages": HELP_PAGES,
        "hotline_hours": HOTLINE_HOURS,
        "years": OBLIGATION_YEARS,
        "calendar": OBLIGATION_CALENDAR,
    }


@require_GET
def help_index(request: HttpRequest) -> HttpResponse:
    return render(request, "support/help/index.html", _help_context())


@require_GET
def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    if slug not in HELP_PAGES:
        raise Http404("Page d'aide introuvable.")
    context = _help_context() | {"slug": slug, "page_title": HELP_PAGES[slug]}
    return render(request, f"support/help/{slug}.html", context)
