"""Portal page « Coordonnées bancaires » of a structure: list, add, default, deactivate.

The principal manager only (another member: French 403; anybody else: 404). Mutations are POST;
every change is written to the structure's history by `structures.bank_services`.
"""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chorus.exceptions import ChorusError
from structures import bank_services
from structures.models import BankAccount, Membership
from structures.views import principal_required


class BankAccountForm(forms.Form):
    label = forms.CharField(
        label="Libellé",
        max_length=bank_services.LABEL_MAX,
        help_text="Nom du compte tel qu'il apparaîtra aux intégrateurs (ex. « Compte principal »).",
    )
    iban = forms.CharField(
        label="IBAN",
        max_length=50,
        help_text="Espaces admis, ex. FR76 3000 6000 0112 3456 7890 189.",
    )
    bic = forms.CharField(label="BIC (facultatif)", max_length=20, required=False)
    make_default = forms.BooleanField(label="En faire le compte par défaut", required=False)


def _page(request: HttpRequest, membership: Membership, form: BankAccountForm, status: int = 200):
    accounts = BankAccount.objects.filter(structure=membership.structure).order_by(
        "-is_active", "-is_default", "label", "pk"
    )
    return render(
        request,
        "structures/bank_accounts.html",
        {
            "structure": membership.structure,
            "membership": membership,
            "form": form,
            "accounts": accounts,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@principal_required
def bank_accounts(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = BankAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            account = bank_services.bank_account_create(
                structure=membership.structure, by=request.user, **form.cleaned_data
            )
        except ChorusError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Coordonnée bancaire « {account.label} » ajoutée.")
            return redirect("structures:bank_accounts", pk=membership.structure_id)
    return _page(request, membership, form, status=400 if form.errors else 200)


def _action(request: HttpRequest, membership: Membership, account_pk: int, service, done: str):
    try:
        account = service(structure=membership.structure, by=request.user, account_id=account_pk)
    except ChorusError as exc:
        if exc.code == "introuvable":
            raise Http404(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(label=account.label))
    return redirect("structures:bank_accounts", pk=membership.structure_id)


@require_POST
@principal_required
def bank_account_default(request: HttpRequest, membership: Membership, account_pk: int):
    return _action(
        request,
        membership,
        account_pk,
        bank_services.bank_account_set_default,
        "« {label} » est désormais le compte par défaut.",
    )


@require_POST
@principal_required
def bank_account_deactivate(request: HttpRequest, membership: Membership, account_pk: int):
    return _action(
        request,
        membership,
        account_pk,
        bank_services.bank_account_deactivate,
        "Coordonnée bancaire « {label} » désactivée.",
    )
