""" "Raccordement EDI et API" (/raccordement/): a structure's principal manager manages its API
applications and technical accounts. A member who is not the principal manager gets a 403, anybody
else a 404 (structures.views decorators). Secrets are shown once, in the answer to the POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.models import get_application_model

from api.models import TechnicalAccount
from api.raccordement.forms import ApplicationForm, TechnicalAccountForm
from api.raccordement.services import (
    api_application_create,
    api_application_delete,
    technical_account_deactivate,
    technical_account_issue,
)
from chorus.exceptions import ChorusError
from structures.choices import MembershipRole, MembershipStatus
from structures.models import Membership
from structures.views import principal_required

Application = get_application_model()


def _render(request: HttpRequest, membership: Membership, *, status: int = 200, **extra):
    structure = membership.structure
    context = {
        "structure": structure,
        "applications": Application.objects.filter(user=request.user).order_by("name", "pk"),
        "accounts": TechnicalAccount.objects.filter(structure=structure).order_by("login"),
        "application_form": ApplicationForm(),
        "account_form": TechnicalAccountForm(),
        **extra,
    }
    return render(request, "api/raccordement.html", context, status=status)


def _field_error(form, exc: ChorusError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    managed = Membership.objects.filter(
        user=request.user,
        role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
        status=MembershipStatus.VALIDEE,
    ).select_related("structure")
    return render(request, "api/raccordement_index.html", {"memberships": managed})


@require_GET
@principal_required
def structure(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _render(request, membership)


@require_POST
@principal_required
def application_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            application, secret = api_application_create(
                structure=membership.structure, by=request.user, name=form.cleaned_data["name"]
            )
        except ChorusError as exc:
            _field_error(form, exc)
        else:
            return _render(request, membership, new_application=application, new_secret=secret)
    return _render(request, membership, status=400, application_form=form)


@require_POST
@principal_required
def application_delete(request: HttpRequest, membership: Membership, app_pk: int):
    try:
        api_application_delete(application_id=app_pk, by=request.user)
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Application révoquée : ses jetons ne sont plus acceptés.")
    return redirect("raccordement:structure", membership.structure.pk)


@require_POST
@principal_required
def account_issue(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = TechnicalAccountForm(request.POST)
    if form.is_valid():
        try:
            account, password = technical_account_issue(
                structure=membership.structure, by=request.user, login=form.cleaned_data["login"]
            )
        except ChorusError as exc:
            _field_error(form, exc)
        else:
            return _render(request, membership, new_account=account, new_password=password)
    return _render(request, membership, status=400, account_form=form)


@require_POST
@principal_required
def account_deactivate(request: HttpRequest, membership: Membership, account_pk: int):
    try:
        technical_account_deactivate(
            structure=membership.structure, by=request.user, account_id=account_pk
        )
    except ChorusError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Compte technique désactivé.")
    return redirect("raccordement:structure", membership.structure.pk)
