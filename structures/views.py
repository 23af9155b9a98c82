"""Structures pages: "Mon espace", creation, attachment requests, structure detail and management.

Every lookup goes through the user's validated membership (another tenant's structure is a 404);
manager actions need the principal manager role (otherwise a French 403 page). Mutations are POST.
"""

import functools

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.exceptions import ChorusError
from structures import selectors, services
from structures.choices import E_INVOICING_OBLIGATION, IdentifierType, MembershipStatus
from structures.forms import (
    LookupForm,
    MemberAddForm,
    MembershipRequestForm,
    RefuseForm,
    StructureCreateForm,
    TransferForm,
)
from structures.models import CompanyRecord, Membership, Structure

User = get_user_model()


def _add_error(form, exc: ChorusError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _request_url(structure: Structure) -> str:
    query = urlencode(
        {"identifier_type": structure.identifier_type, "identifier": structure.identifier}
    )
    return f"{reverse('structures:request')}?{query}"


def member_required(view):
    """Load the user's validated membership of structure `pk`: 404 for anybody else."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        membership = selectors.membership_validated(user=request.user, structure_id=pk)
        if membership is None:
            raise Http404("Structure introuvable.")
        return view(request, membership, *args, **kwargs)

    return login_required(wrapper)


def principal_required(view):
    """Like member_required, and refuse (403) a member who is not the principal manager."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, membership: Membership, *args, **kwargs) -> HttpResponse:
        if not membership.is_principal:
            return render(
                request,
                "structures/forbidden.html",
                {"structure": membership.structure},
                status=403,
            )
        return view(request, membership, *args, **kwargs)

    return member_required(wrapper)


# --- Mon espace ------------------------------------------------------------------------------


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    memberships = list(selectors.memberships_of_user(user=request.user))
    validated = [m for m in memberships if m.status == MembershipStatus.VALIDEE]
    invitations = [m for m in memberships if m.is_invitation]
    others = [
        m for m in memberships if m.status != MembershipStatus.VALIDEE and not m.is_invitation
    ]
    return render(
        request,
        "structures/mine.html",
        {"validated": validated, "others": others, "invitations": invitations},
    )


# --- invitations (a principal manager invites, the user accepts or declines) ----------------


@require_GET
@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    pending = list(selectors.invitations_of_user(user=request.user))
    return render(request, "structures/invitations.html", {"invitations": pending})


def _answer(request: HttpRequest, membership_pk: int, *, accept: bool) -> HttpResponse:
    try:
        if accept:
            done = services.membership_invitation_accept(
                membership_id=membership_pk, by=request.user
            )
        else:
            done = services.membership_invitation_decline(
                membership_id=membership_pk, by=request.user
            )
    except ChorusError as exc:
        if exc.code == "introuvable":
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
        return redirect("structures:invitations")
    if accept:
        messages.success(request, f"Vous avez rejoint la structure « {done.structure.name} ».")
        return redirect("structures:detail", pk=done.structure_id)
    messages.success(
        request, f"Vous avez refusé l'invitation de la structure « {done.structure.name} »."
    )
    return redirect("structures:invitations")


@require_POST
@login_required
def invitation_accept(request: HttpRequest, membership_pk: int) -> HttpResponse:
    return _answer(request, membership_pk, accept=True)


@require_POST
@login_required
def invitation_decline(request: HttpRequest, membership_pk: int) -> HttpResponse:
    return _answer(request, membership_pk, accept=False)


# --- creation --------------------------------------------------------------------------------


def _record_context(record: CompanyRecord | None) -> dict:
    if record is None:
        return {"record": None}
    return {
        "record": record,
        "record_obligation": E_INVOICING_OBLIGATION.get(record.category),
    }


def _prefill_from_register(request: HttpRequest) -> tuple[StructureCreateForm, dict]:
    """ "Rechercher dans le répertoire": re-render the form filled from the register."""
    data = request.POST.copy()
    extra: dict = {"record": None}
    if data.get("identifier_type", IdentifierType.SIRET) != IdentifierType.SIRET:
        form = StructureCreateForm(data)
        form.is_valid()
        form.add_error(
            "identifier",
            "Identifiant : la recherche dans le répertoire des entreprises ne concerne que "
            "les SIRET.",
        )
        return form, extra
    try:
        record = services.company_record_lookup(siret=data.get("identifier", ""))
    except ChorusError as exc:
        form = StructureCreateForm(data)
        form.is_valid()
        _add_error(form, exc)
        return form, extra
    data.update(
        {
            "identifier": record.siret,
            "name": record.name,
            "address": record.address,
            "postal_code": record.postal_code,
            "city": record.city,
            "company_category": record.category,
        }
    )
    form = StructureCreateForm(data)
    form.is_valid()
    extra = _record_context(record)
    if not record.is_active:  # said now, not only at « Créer »
        form.add_error(
            "identifier",
            f"Identifiant : l'établissement « {record.name} » (SIRET {record.siret}) est fermé "
            "dans le répertoire des entreprises ; seul un établissement actif peut avoir une "
            "structure.",
        )
    existing = Structure.objects.filter(
        identifier_type=IdentifierType.SIRET, identifier=record.siret
    ).first()
    if existing is not None:
        _add_error(form, services.structure_duplicate_error(existing))
        if not existing.is_public:  # never « request attachment » to a public recipient
            extra["existing_url"] = _request_url(existing)
    return form, extra


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    extra: dict = {"record": None}
    if request.method == "GET":
        form = StructureCreateForm(
            initial={
                "identifier_type": request.GET.get("identifier_type", IdentifierType.SIRET),
                "identifier": request.GET.get("identifier", ""),
            }
        )
    elif "rechercher" in request.POST:
        form, extra = _prefill_from_register(request)
    else:
        form = StructureCreateForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                structure = services.structure_create_private(user=request.user, **data)
            except ChorusError as exc:
                _add_error(form, exc)
                if exc.code == "structure_exists":
                    existing = services.structure_find(
                        identifier_type=data["identifier_type"], identifier=data["identifier"]
                    )
                    extra["existing_url"] = _request_url(existing)
            else:
                messages.success(
                    request,
                    f"La structure « {structure.name} » est créée ; vous en êtes le "
                    "gestionnaire principal.",
                )
                return redirect("structures:detail", pk=structure.pk)
    return render(request, "structures/create.html", {"form": form, **extra})


@require_GET
@login_required
def lookup(request: HttpRequest) -> HttpResponse:
    """htmx partial: the register entry of a SIRET, with the identity fields pre-filled (oob)."""
    context: dict = {"record": None, "error": ""}
    if request.GET.get("identifier_type", IdentifierType.SIRET) != IdentifierType.SIRET:
        return render(request, "structures/_lookup.html", context)
    identifier = request.GET.get("identifier", "").strip()
    if identifier:
        try:
            record = services.company_record_lookup(siret=identifier)
        except ChorusError as exc:
            context["error"] = exc.message
        else:
            context.update(_record_context(record))
            context["form"] = StructureCreateForm(
                initial={
                    "name": record.name,
                    "address": record.address,
                    "postal_code": record.postal_code,
                    "city": record.city,
                    "company_category": record.category,
                }
            )
    return render(request, "structures/_lookup.html", context)


# --- attachment request ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def request_attachment(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    lookup_form = LookupForm(source) if "identifier" in source else LookupForm()
    context: dict = {"lookup_form": lookup_form, "found": None, "public_explanation": ""}
    if lookup_form.is_bound and lookup_form.is_valid():
        try:
            context["found"] = services.structure_find(**lookup_form.cleaned_data)
        except ChorusError as exc:
            _add_error(lookup_form, exc)
        else:
            if context["found"] is None:
                context["create_url"] = (
                    f"{reverse('structures:create')}?{urlencode(lookup_form.cleaned_data)}"
                )
    found = context["found"]
    if found is not None and found.is_public:
        context["public_explanation"] = services.PUBLIC_STRUCTURE_EXPLANATION.format(
            name=found.name
        )
    request_form = MembershipRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and found is not None and request_form.is_valid():
        try:
            services.membership_request(
                user=request.user, structure=found, comment=request_form.cleaned_data["comment"]
            )
        except ChorusError as exc:
            request_form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Votre demande de rattachement à « {found.name} » a été envoyée à son "
                "gestionnaire principal.",
            )
            return redirect("structures:mine")
    context["request_form"] = request_form
    return render(request, "structures/request.html", context)


# --- structure detail and management ---------------------------------------------------------


def _render_detail(request, membership: Membership, status: int = 200, **forms) -> HttpResponse:
    structure = membership.structure
    members = list(selectors.structure_members(structure=structure))
    context = {
        "structure": structure,
        "membership": membership,
        "members": members,
        "history": selectors.structure_history(structure=structure),
    }
    if membership.is_principal:
        context.update(
            pending=list(selectors.structure_pending_requests(structure=structure)),
            invited=list(selectors.structure_pending_invitations(structure=structure)),
            refuse_form=forms.get("refuse_form") or RefuseForm(),
            add_form=forms.get("add_form") or MemberAddForm(),
            transfer_form=forms.get("transfer_form")
            or TransferForm(members=[m for m in members if m.user_id != request.user.pk]),
        )
    return render(request, "structures/detail.html", context, status=status)


@require_GET
@member_required
def detail(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _render_detail(request, membership)


def _decide(request: HttpRequest, membership: Membership, *, approve: bool) -> HttpResponse:
    # A row's own button ("membership") wins over the checked boxes ("selection").
    ids = request.POST.getlist("membership") or request.POST.getlist("selection")
    try:
        ids = [int(pk) for pk in ids]
        if approve:
            done = services.membership_approve(
                structure=membership.structure, by=request.user, membership_ids=ids
            )
        else:
            form = RefuseForm(request.POST)
            comment = form.cleaned_data["comment"] if form.is_valid() else ""
            done = services.membership_refuse(
                structure=membership.structure,
                by=request.user,
                membership_ids=ids,
                comment=comment,
            )
    except ValueError:
        messages.error(request, "Sélection : identifiant de demande invalide.")
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        names = ", ".join(m.user.get_full_name() or m.user.email for m in done)
        verb = "validé" if approve else "refusé"
        messages.success(request, f"Rattachement {verb} ({len(done)}) : {names}.")
    return redirect("structures:detail", pk=membership.structure_id)


@require_POST
@principal_required
def approve(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _decide(request, membership, approve=True)


@require_POST
@principal_required
def refuse(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _decide(request, membership, approve=False)


@require_POST
@principal_required
def detach(request: HttpRequest, membership: Membership, membership_pk: int) -> HttpResponse:
    target = get_object_or_404(
        Membership.objects.select_related("user", "structure"),
        pk=membership_pk,
        structure_id=membership.structure_id,
    )
    try:
        services.membership_detach(membership=target, by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{target.user.get_full_name() or target.user.email} a été détaché(e)."
        )
    return redirect("structures:detail", pk=membership.structure_id)


@require_POST
@member_required
def leave(request: HttpRequest, membership: Membership) -> HttpResponse:
    try:
        services.membership_detach(membership=membership, by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
        return redirect("structures:detail", pk=membership.structure_id)
    messages.success(request, f"Vous avez quitté la structure « {membership.structure.name} ».")
    return redirect("structures:mine")


@require_POST
@principal_required
def transfer(request: HttpRequest, membership: Membership) -> HttpResponse:
    members = [
        m
        for m in selectors.structure_members(structure=membership.structure)
        if m.user_id != request.user.pk
    ]
    form = TransferForm(request.POST, members=members)
    if form.is_valid():
        to_user = User.objects.get(pk=form.cleaned_data["to_user"])
        try:
            services.principal_transfer(
                structure=membership.structure, by=request.user, to_user=to_user
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                f"{to_user.get_full_name() or to_user.email} est désormais gestionnaire principal.",
            )
            return redirect("structures:detail", pk=membership.structure_id)
    return _render_detail(request, membership, transfer_form=form)


@require_POST
@principal_required
def add_member(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            added = services.membership_add_by_manager(
                structure=membership.structure, by=request.user, email=form.cleaned_data["email"]
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            if added.is_invitation:
                messages.success(
                    request,
                    f"Invitation envoyée à {added.user.email} : la personne sera rattachée à la "
                    "structure quand elle l'aura acceptée.",
                )
            else:
                messages.success(request, f"{added.user.email} est rattaché(e) à la structure.")
            return redirect("structures:detail", pk=membership.structure_id)
    return _render_detail(request, membership, add_form=form)
