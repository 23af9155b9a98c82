"""Settings pages of a public structure: billing parameters, services, engagements juridiques
(with CSV import) and staff access. Principal manager only: another member gets a French 403,
anybody else (and any private structure) a 404. Mutations are POST.
"""

import functools

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.exceptions import ChorusError
from structures import selectors
from structures.models import EngagementJuridique, Membership, Service
from structures.settings import services as services
from structures.settings.forms import (
    BillingParametersForm,
    EngagementForm,
    EngagementImportForm,
    MemberAccessForm,
    ServiceForm,
)
from structures.views import member_required

ENGAGEMENTS_PAGE_SIZE = 50


def public_principal_required(view):
    """The principal manager of a public structure; 403 for its other members, else 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, membership: Membership, *args, **kwargs) -> HttpResponse:
        if not membership.structure.is_public:
            raise Http404("Paramètres réservés aux structures publiques.")
        if not membership.is_principal:
            return render(
                request,
                "structures/settings/forbidden.html",
                {"structure": membership.structure},
                status=403,
            )
        return view(request, membership, *args, **kwargs)

    return member_required(wrapper)


def _add_error(form, exc: ChorusError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _render(request, template: str, membership: Membership, status: int = 200, **context):
    context = {"structure": membership.structure, "membership": membership, **context}
    return render(request, f"structures/settings/{template}", context, status=status)


# --- billing parameters ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@public_principal_required
def billing(request: HttpRequest, membership: Membership) -> HttpResponse:
    structure = membership.structure
    example = None
    if request.method == "GET":
        form = BillingParametersForm(
            initial={
                name: getattr(structure, name)
                for name in BillingParametersForm.base_fields
                if name != "ej_example"
            }
        )
    else:
        form = BillingParametersForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            sample = data.pop("ej_example").strip()
            try:
                if sample:
                    ok = services.ej_format_check(regex=data["ej_format_regex"], sample=sample)
                    example = {"sample": sample, "ok": ok}
                if "tester" not in request.POST:
                    services.structure_billing_update(structure=structure, by=request.user, **data)
            except ChorusError as exc:
                _add_error(form, exc)
            else:
                if "tester" not in request.POST:
                    messages.success(request, "Paramètres de facturation enregistrés.")
                    if not example:
                        return redirect("structures:settings_billing", pk=structure.pk)
    status = 400 if form.is_bound and form.errors else 200
    return _render(
        request,
        "billing.html",
        membership,
        status=status,
        form=form,
        example=example,
        deadline_days=services.payment_deadline_days(structure.public_category),
    )


# --- services --------------------------------------------------------------------------------


@require_GET
@public_principal_required
def service_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    services_qs = membership.structure.services.order_by("-is_active", "code")
    return _render(request, "services.html", membership, services=services_qs)


@require_http_methods(["GET", "POST"])
@public_principal_required
def service_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ServiceForm(
        request.POST if request.method == "POST" else None, initial={"is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                structure=membership.structure, by=request.user, **form.cleaned_data
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, f"Service « {service.code} » créé.")
            return redirect("structures:settings_services", pk=membership.structure_id)
    status = 400 if form.is_bound and form.errors else 200
    return _render(request, "service_form.html", membership, status=status, form=form, service=None)


@require_http_methods(["GET", "POST"])
@public_principal_required
def service_edit(request: HttpRequest, membership: Membership, service_pk: int) -> HttpResponse:
    service = get_object_or_404(Service, pk=service_pk, structure_id=membership.structure_id)
    if request.method == "POST":
        form = ServiceForm(request.POST)
        if form.is_valid():
            try:
                services.service_update(
                    structure=membership.structure,
                    by=request.user,
                    service_id=service.pk,
                    **form.cleaned_data,
                )
            except ChorusError as exc:
                _add_error(form, exc)
            else:
                messages.success(request, f"Service « {form.cleaned_data['code']} » modifié.")
                return redirect("structures:settings_services", pk=membership.structure_id)
    else:
        form = ServiceForm(
            initial={name: getattr(service, name) for name in ServiceForm.base_fields}
        )
    status = 400 if form.is_bound and form.errors else 200
    return _render(
        request, "service_form.html", membership, status=status, form=form, service=service
    )


@require_POST
@public_principal_required
def service_deactivate(
    request: HttpRequest, membership: Membership, service_pk: int
) -> HttpResponse:
    service = get_object_or_404(Service, pk=service_pk, structure_id=membership.structure_id)
    try:
        services.service_deactivate(
            structure=membership.structure, by=request.user, service_id=service.pk
        )
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Service « {service.code} » désactivé.")
    return redirect("structures:settings_services", pk=membership.structure_id)


# --- engagements juridiques --------------------------------------------------------------------


@require_GET
@public_principal_required
def engagement_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Keyset pagination on the number (unique per structure): `?apres=<last number seen>`."""
    query = request.GET.get("q", "").strip()[:50]
    after = request.GET.get("apres", "")[:50]
    engagements = membership.structure.engagements.order_by("number")
    if query:
        engagements = engagements.filter(number__icontains=query)
    if after:
        engagements = engagements.filter(number__gt=after)
    page = list(engagements[: ENGAGEMENTS_PAGE_SIZE + 1])
    next_after = page[ENGAGEMENTS_PAGE_SIZE - 1].number if len(page) > ENGAGEMENTS_PAGE_SIZE else ""
    return _render(
        request,
        "engagements.html",
        membership,
        engagements=page[:ENGAGEMENTS_PAGE_SIZE],
        query=query,
        after=after,
        next_after=next_after,
    )


@require_http_methods(["GET", "POST"])
@public_principal_required
def engagement_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = EngagementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            engagement = services.engagement_create(
                structure=membership.structure, by=request.user, **form.cleaned_data
            )
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, f"Engagement juridique « {engagement.number} » créé.")
            return redirect("structures:settings_engagements", pk=membership.structure_id)
    status = 400 if form.is_bound and form.errors else 200
    return _render(
        request, "engagement_form.html", membership, status=status, form=form, engagement=None
    )


@require_http_methods(["GET", "POST"])
@public_principal_required
def engagement_edit(
    request: HttpRequest, membership: Membership, engagement_pk: int
) -> HttpResponse:
    engagement = get_object_or_404(
        EngagementJuridique, pk=engagement_pk, structure_id=membership.structure_id
    )
    if request.method == "POST":
        form = EngagementForm(request.POST)
        if form.is_valid():
            try:
                services.engagement_update(
                    structure=membership.structure,
                    by=request.user,
                    engagement_id=engagement.pk,
                    **form.cleaned_data,
                )
            except ChorusError as exc:
                _add_error(form, exc)
            else:
                messages.success(
                    request, f"Engagement juridique « {form.cleaned_data['number']} » modifié."
                )
                return redirect("structures:settings_engagements", pk=membership.structure_id)
    else:
        initial = {name: getattr(engagement, name) for name in EngagementForm.base_fields}
        if engagement.amount is not None:
            initial["amount"] = f"{engagement.amount}".replace(".", ",")
        form = EngagementForm(initial=initial)
    status = 400 if form.is_bound and form.errors else 200
    return _render(
        request,
        "engagement_form.html",
        membership,
        status=status,
        form=form,
        engagement=engagement,
    )


@require_POST
@public_principal_required
def engagement_delete(
    request: HttpRequest, membership: Membership, engagement_pk: int
) -> HttpResponse:
    engagement = get_object_or_404(
        EngagementJuridique, pk=engagement_pk, structure_id=membership.structure_id
    )
    try:
        number = services.engagement_delete(
            structure=membership.structure, by=request.user, engagement_id=engagement.pk
        )
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Engagement juridique « {number} » supprimé.")
    return redirect("structures:settings_engagements", pk=membership.structure_id)


@require_http_methods(["GET", "POST"])
@public_principal_required
def engagement_import(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = EngagementImportForm(
        *((request.POST, request.FILES) if request.method == "POST" else ())
    )
    report: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.engagement_import_csv(
                structure=membership.structure,
                by=request.user,
                content=form.cleaned_data["file"].read(),
            )
        except services.EngagementImportError as exc:
            form.add_error("file", exc.message)
            report = exc.errors
        except ChorusError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                f"Import terminé : {result.created} engagement(s) créé(s), "
                f"{result.updated} mis à jour.",
            )
            return redirect("structures:settings_engagements", pk=membership.structure_id)
    status = 400 if form.is_bound and form.errors else 200
    return _render(
        request, "engagement_import.html", membership, status=status, form=form, report=report
    )


@require_GET
@public_principal_required
def engagement_template(request: HttpRequest, membership: Membership) -> HttpResponse:
    response = HttpResponse(
        "\ufeff" + services.engagement_csv_template(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="modele-engagements.csv"'
    return response


# --- staff -----------------------------------------------------------------------------------


def _staff_forms(membership: Membership, bound: dict | None = None) -> list[tuple]:
    structure_services = list(membership.structure.services.order_by("-is_active", "code"))
    rows = []
    for member in selectors.structure_members(structure=membership.structure).prefetch_related(
        "services"
    ):
        if bound and bound["membership"].pk == member.pk:
            form = bound["form"]
        else:
            form = MemberAccessForm(
                prefix=f"m{member.pk}",
                services=structure_services,
                initial={
                    "access_level": member.access_level,
                    "services": [s.pk for s in member.services.all()],
                },
            )
        rows.append((member, form))
    return rows


@require_GET
@public_principal_required
def staff(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _render(request, "staff.html", membership, rows=_staff_forms(membership))


@require_POST
@public_principal_required
def staff_access(request: HttpRequest, membership: Membership, membership_pk: int) -> HttpResponse:
    target = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=membership_pk,
        structure_id=membership.structure_id,
    )
    form = MemberAccessForm(
        request.POST,
        prefix=f"m{target.pk}",
        services=membership.structure.services.order_by("-is_active", "code"),
    )
    if form.is_valid():
        try:
            services.membership_set_access(
                structure=membership.structure,
                by=request.user,
                membership_id=target.pk,
                access_level=form.cleaned_data["access_level"],
                service_ids=form.cleaned_data["services"],
            )
        except ChorusError as exc:
            if exc.code == "not_member":
                messages.error(request, exc.message)
                return redirect("structures:settings_staff", pk=membership.structure_id)
            _add_error(form, exc)
        else:
            messages.success(
                request,
                f"Habilitation de {target.user.get_full_name() or target.user.email} enregistrée.",
            )
            return redirect("structures:settings_staff", pk=membership.structure_id)
    rows = _staff_forms(membership, bound={"membership": target, "form": form})
    return _render(request, "staff.html", membership, status=400, rows=rows)
