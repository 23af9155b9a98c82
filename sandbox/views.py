"""Portal pages of the sandbox controls (not Chorus Pro): clock, reset, recipient robots.

Clock, robots and reset of the shared sandbox: superusers and members of the `sandbox-admin` group
(reset: superusers only) — they act on what every tenant sees. A robot's scenario is shown
(read-only) to the structure's agents and, for the demo robots, to anybody; another structure is a
404. Mutations are POST.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chorus.exceptions import ChorusError
from sandbox import selectors, services
from sandbox.forms import ClockAdvanceForm, ScenarioForm
from structures.choices import StructureKind
from structures.models import Structure

ROBOTS_RESERVED = (
    "Seuls les administrateurs du bac à sable (superutilisateurs, groupe « sandbox-admin ») "
    "règlent les robots du bac à sable partagé : ils traitent les factures de tous les "
    "fournisseurs. Pour des robots à vous, créez un bac à sable isolé (manage.py "
    "sandbox_create ou POST /sandbox/api/v1/sandboxes) et réglez-les par l'API "
    "/sandbox/api/v1/robots/."
)


def sandbox_mode(view):
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.CHORUS_SANDBOX:
            raise Http404("Mode bac à sable désactivé.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def clock_admin_required(view):
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.user_can_control_clock(user=request.user):
            raise Http404("Page réservée aux administrateurs du bac à sable.")
        return view(request, *args, **kwargs)

    return sandbox_mode(wrapper)


def _render_index(
    request: HttpRequest, advance_form: ClockAdvanceForm | None = None, status: int = 200
) -> HttpResponse:
    sandbox = selectors.sandbox_default()
    return render(
        request,
        "sandbox/index.html",
        {
            "can_control_clock": selectors.user_can_control_clock(user=request.user),
            "sandbox": sandbox,
            "simulated_now": sandbox.simulated_now(real=timezone.now()),
            "advance_form": advance_form or ClockAdvanceForm(),
            "recipients": selectors.robot_recipients_for(user=request.user),
            "can_set_robots": selectors.user_can_set_scenario(user=request.user, structure=None),
            "robots_reserved": ROBOTS_RESERVED,
        },
        status=status,
    )


@require_GET
@sandbox_mode
def index(request: HttpRequest) -> HttpResponse:
    return _render_index(request)


@require_POST
@clock_admin_required
def clock_advance(request: HttpRequest) -> HttpResponse:
    form = ClockAdvanceForm(request.POST)
    if form.is_valid():
        try:
            _sandbox, actions = services.clock_advance(
                days=form.cleaned_data["days"], hours=form.cleaned_data["hours"]
            )
        except ChorusError as exc:
            form.add_error("days", exc.message)
        else:
            messages.success(
                request, f"Horloge avancée. Actions des robots destinataires : {actions}."
            )
            return redirect("sandbox:index")
    return _render_index(request, advance_form=form, status=400)


@require_POST
@clock_admin_required
def clock_freeze(request: HttpRequest) -> HttpResponse:
    frozen = request.POST.get("frozen") == "1"
    services.clock_freeze(frozen=frozen)
    messages.success(request, "Horloge figée." if frozen else "Horloge relancée.")
    return redirect("sandbox:index")


@require_POST
@clock_admin_required
def clock_reset(request: HttpRequest) -> HttpResponse:
    services.clock_reset()
    messages.success(request, "Horloge revenue à l'heure réelle.")
    return redirect("sandbox:index")


@require_POST
@clock_admin_required
def sandbox_reset(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "REINITIALISER":
        messages.error(
            request,
            "Confirmation : saisissez REINITIALISER pour effacer les factures du bac à sable.",
        )
        return redirect("sandbox:index")
    try:
        deleted = services.sandbox_reset_default(by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Bac à sable réinitialisé : {deleted} facture(s) effacée(s), démo rechargée."
        )
    return redirect("sandbox:index")


@require_http_methods(["GET", "POST"])
@sandbox_mode
def scenario(request: HttpRequest, structure_id: int) -> HttpResponse:
    structure = get_object_or_404(Structure, pk=structure_id, kind=StructureKind.PUBLIQUE)
    if not selectors.user_can_view_scenario(user=request.user, structure=structure):
        raise Http404("Structure introuvable.")
    current = selectors.scenario_for(structure_id=structure.pk)
    can_set = selectors.user_can_set_scenario(user=request.user, structure=structure)
    status = 200
    if request.method == "POST" and not can_set:
        messages.error(request, ROBOTS_RESERVED)
        form, status = None, 403
    elif request.method == "POST":
        form = ScenarioForm(request.POST)
        if form.is_valid():
            try:
                services.robot_scenario_set(
                    structure=structure,
                    name=form.cleaned_data["name"],
                    rules=form.rules(),
                    is_active=form.cleaned_data["is_active"],
                )
            except ChorusError as exc:
                target = exc.field if exc.field in form.fields else None
                form.add_error(target, exc.message)
            else:
                messages.success(request, f"Scénario du robot de « {structure.name} » enregistré.")
                return redirect("sandbox:scenario", structure_id=structure.pk)
        status = 400
    else:
        form = ScenarioForm(initial=ScenarioForm.initial_for(current)) if can_set else None
    return render(
        request,
        "sandbox/scenario.html",
        {"structure": structure, "scenario": current, "form": form, "reserved": ROBOTS_RESERVED},
        status=status,
    )
