""" "Saisie manuelle": the invoice entry form (draft, edit, deposit) and the recipient lookup."""

import re
import uuid
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import user_can_deposit
from chorus import clock
from chorus.exceptions import ChorusError
from invoices import outcomes, services
from invoices.forms import (
    LINES_PREFIX,
    InvoiceHeaderForm,
    LineForm,
    LineFormSet,
)
from invoices.models import Invoice
from invoices.services.routing import find_recipient
from invoices.totals import compute_totals
from invoices.views.common import TERMS_CODE, _supplier_structures, invoice_view
from structures.models import Service, Structure

# --- Saisie manuelle -------------------------------------------------------------------------


def _totals_preview(formset) -> object | None:
    """Totals of the lines typed so far (invoices.totals); lines with a bad number are skipped."""
    lines = []
    for form in formset.forms:
        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        try:
            quantity = Decimal(str(data.get("quantity") or "").replace(",", "."))
            unit_price = Decimal(str(data.get("unit_price") or "").replace(",", "."))
            rate = Decimal(str(data.get("vat_rate") or ""))
        except InvalidOperation:
            continue
        if not (quantity.is_finite() and unit_price.is_finite()):
            continue
        lines.append(
            SimpleNamespace(
                quantity=quantity,
                unit_price=unit_price,
                vat_rate=rate,
                exemption_reason=data.get("exemption_reason") or "",
            )
        )
    return compute_totals(lines) if lines else None


def _initial_from_invoice(invoice: Invoice) -> tuple[dict, list[dict]]:
    header = {
        name: getattr(invoice, name) for name in InvoiceHeaderForm.base_fields if name != "supplier"
    }
    header["supplier"] = invoice.supplier_id
    lines = [
        {
            "designation": line.designation,
            "quantity": f"{line.quantity.normalize():f}",
            "unit": line.unit,
            "unit_price": f"{line.unit_price.normalize():f}",
            "vat_rate": str(line.vat_rate),
            "exemption_reason": line.exemption_reason,
        }
        for line in invoice.lines.all()
    ]
    return header, lines


def _add_service_error(header, formset, nonblank: list[LineForm], exc: ChorusError) -> None:
    if exc.field in header.fields:
        header.add_error(exc.field, exc.message)
        return
    if exc.field in LineForm.base_fields:
        match = re.match(r"Ligne (\d+)", exc.message)
        index = int(match.group(1)) - 1 if match else -1
        if 0 <= index < len(nonblank):
            nonblank[index].add_error(exc.field, exc.message)
            return
    header.add_error(None, exc.message)


def _with_one_more_line(data):
    data = data.copy()
    total = int(data.get(f"{LINES_PREFIX}-TOTAL_FORMS") or 0)
    data[f"{LINES_PREFIX}-TOTAL_FORMS"] = str(total + 1)
    data[f"{LINES_PREFIX}-{total}-unit"] = "U"
    data[f"{LINES_PREFIX}-{total}-vat_rate"] = "20.00"
    return data


def _field_errors(header, formset) -> list[str]:
    """Every field error of the page, for the summary at its top (non-field ones are shown there
    already)."""
    errors = [
        error
        for name, field_errors in header.errors.items()
        if name != "__all__"
        for error in field_errors
    ]
    for position, form in enumerate(formset.forms, start=1):
        for field_errors in form.errors.values():
            errors += [
                error if error.startswith("Ligne") else f"Ligne {position} — {error}"
                for error in field_errors
            ]
    return errors


def _render_form(request, *, header, formset, invoice=None, status=200, **extra) -> HttpResponse:
    context = {
        "error_summary": _field_errors(header, formset) if status == 400 else [],
        "header": header,
        "formset": formset,
        "invoice": invoice,
        "totals": extra.pop("totals", None),
        "can_deposit": user_can_deposit(user=request.user),
        **extra,
    }
    return render(request, "invoices/form.html", context, status=status)


def _anything_typed(header, nonblank: list[LineForm]) -> bool:
    data = header.cleaned_data
    typed = ("recipient_siret", "service_code", "ej_number", "number", "due_date", "comment")
    return bool(nonblank) or any(data.get(name) for name in typed)


def _draft_page(request: HttpRequest, invoice: Invoice | None) -> HttpResponse:
    suppliers = [invoice.supplier] if invoice else _supplier_structures(request.user)
    if not suppliers:
        messages.error(
            request,
            "Structure fournisseur : vous devez être rattaché à une structure pour saisir une "
            "facture.",
        )
        return redirect("structures:mine")
    if request.method == "GET":
        if invoice is not None:
            initial, lines = _initial_from_invoice(invoice)
        else:
            # The supplier's sandbox clock: the deposit's "not in the future" rule uses it.
            initial = {
                "issue_date": clock.today(structure_id=suppliers[0].pk),
                "form_token": uuid.uuid4(),
            }
            lines = []
        header = InvoiceHeaderForm(initial=initial, suppliers=suppliers)
        formset = LineFormSet(initial=lines or None, prefix=LINES_PREFIX)
        totals = compute_totals(invoice.lines.all()) if invoice and lines else None
        return _render_form(request, header=header, formset=formset, invoice=invoice, totals=totals)

    action = request.POST.get("action", "brouillon")
    data = _with_one_more_line(request.POST) if action == "ajouter_ligne" else request.POST
    header = InvoiceHeaderForm(data, suppliers=suppliers)
    formset = LineFormSet(data, prefix=LINES_PREFIX)
    header_ok, lines_ok = header.is_valid(), formset.is_valid()
    if action == "ajouter_ligne" or not (header_ok and lines_ok):
        status = 200 if action == "ajouter_ligne" else 400
        return _render_form(
            request,
            header=header,
            formset=formset,
            invoice=invoice,
            status=status,
            totals=_totals_preview(formset),
        )

    nonblank = [form for form in formset.forms if not form.is_blank()]
    lines = [
        {k: v for k, v in form.cleaned_data.items() if k in LineForm.base_fields}
        for form in nonblank
    ]
    supplier = invoice.supplier if invoice else None
    if invoice is None:
        supplier = next(s for s in suppliers if s.pk == header.cleaned_data["supplier"])
        if action != "envoyer" and not _anything_typed(header, nonblank):
            header.add_error(
                None,
                "Brouillon : rien à enregistrer — saisissez au moins le destinataire, le numéro "
                "ou une ligne.",
            )
            return _render_form(request, header=header, formset=formset, status=400)
    form_token = header.cleaned_data.get("form_token")
    if (
        action == "envoyer"
        and invoice is None
        and (sent := _sent_by_this_form(supplier, request, form_token))
    ):
        return sent
    if action == "envoyer":
        # Every reason to refuse, shown at once; nothing is written while one remains.
        problems = services.deposit_problems(
            supplier=supplier, by=request.user, lines=lines, **header.header_fields()
        )
        if problems:
            for problem in problems:
                _add_service_error(header, formset, nonblank, problem)
            return _render_form(
                request,
                header=header,
                formset=formset,
                invoice=invoice,
                status=400,
                totals=_totals_preview(formset),
                draft_kept=invoice is not None,
                terms_refused=any(problem.code == TERMS_CODE for problem in problems),
            )
    if action == "envoyer" and invoice is None:
        try:
            invoice = services.invoice_deposit(
                supplier=supplier,
                by=request.user,
                lines=lines,
                form_token=form_token,
                **header.header_fields(),
            )
        except ChorusError as exc:
            if sent := _sent_by_this_form(supplier, request, form_token):
                return sent  # a concurrent twin of this form won the unique token
            _add_service_error(header, formset, nonblank, exc)
            return _render_form(
                request,
                header=header,
                formset=formset,
                status=400,
                totals=_totals_preview(formset),
                terms_refused=exc.code == TERMS_CODE,
            )
        outcomes.remember(request, kind=outcomes.DEPOSIT, pk=invoice.pk)
        return redirect("invoices:detail", pk=invoice.pk)
    try:
        if invoice is None:
            invoice = services.invoice_create_draft(
                supplier=supplier,
                by=request.user,
                lines=lines,
                form_token=form_token,
                **header.header_fields(),
            )
            if not invoice.is_draft:  # this very form was already sent (a double click)
                messages.info(request, f"Formulaire déjà envoyé : facture {invoice} déposée.")
                return redirect("invoices:detail", pk=invoice.pk)
        else:
            invoice = services.invoice_update_draft(
                invoice_id=invoice.pk, by=request.user, lines=lines, **header.header_fields()
            )
    except ChorusError as exc:
        _add_service_error(header, formset, nonblank, exc)
        return _render_form(
            request,
            header=header,
            formset=formset,
            invoice=invoice,
            status=400,
            totals=_totals_preview(formset),
        )
    if action != "envoyer":
        messages.success(request, f"Brouillon enregistré ({invoice}).")
        return redirect("invoices:edit", pk=invoice.pk)
    try:
        invoice = services.invoice_submit(invoice_id=invoice.pk, by=request.user)
    except ChorusError as exc:
        _add_service_error(header, formset, nonblank, exc)
        return _render_form(
            request,
            header=header,
            formset=formset,
            invoice=invoice,
            status=400,
            totals=_totals_preview(formset),
            draft_kept=True,
            terms_refused=exc.code == TERMS_CODE,
        )
    outcomes.remember(request, kind=outcomes.DEPOSIT, pk=invoice.pk)
    return redirect("invoices:detail", pk=invoice.pk)


def _sent_by_this_form(supplier, request: HttpRequest, form_token) -> HttpResponse | None:
    """This very form was already sent (a double or triple click): show what the first send did."""
    if form_token is None:
        return None
    invoice = services.invoice_by_form_token(supplier, request.user, form_token)
    if invoice is None or invoice.is_draft:
        return None
    messages.info(request, f"Formulaire déjà envoyé : facture {invoice} déposée.")
    return redirect("invoices:detail", pk=invoice.pk)


@require_http_methods(["GET", "POST"])
@login_required
def create(request: HttpRequest) -> HttpResponse:
    return _draft_page(request, None)


@require_http_methods(["GET", "POST"])
@invoice_view
def edit(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    if not invoice.is_draft:
        messages.error(
            request,
            f"La facture est au statut « {invoice.get_status_display()} » : seul un brouillon "
            "se modifie.",
        )
        return redirect("invoices:detail", pk=invoice.pk)
    return _draft_page(request, invoice)


def _open_services(structure: Structure) -> QuerySet[Service]:
    today = timezone.localdate()
    return (
        Service.objects.filter(structure=structure, is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("code")
    )


@require_GET
@login_required
def recipient_lookup(request: HttpRequest) -> HttpResponse:
    """htmx partial: the recipient of a SIRET, its active services and what it requires."""
    siret = re.sub(r"\s", "", request.GET.get("recipient_siret", ""))
    context: dict = {"siret": siret, "recipient": None, "services": [], "error": ""}
    context["current_service"] = request.GET.get("service_code", "")
    if siret:
        form = InvoiceHeaderForm({"recipient_siret": siret}, suppliers=())
        form.is_valid()
        if "recipient_siret" in form.errors:
            context["error"] = form.errors["recipient_siret"][0]
        else:
            recipient = find_recipient(siret)
            if recipient is None or not recipient.is_public or not recipient.is_active:
                context["error"] = (
                    f"SIRET du destinataire : aucune structure publique active « {siret} » "
                    "dans l'annuaire."
                )
            else:
                context["recipient"] = recipient
                context["services"] = list(_open_services(recipient))
    return render(request, "invoices/_lookup.html", context)
