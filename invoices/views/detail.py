"""The detail page of an issued invoice and the supplier's actions on it (recycle, credit note…)."""

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_fsm import can_proceed

from chorus.exceptions import ChorusError
from invoices import outcomes, selectors, services
from invoices.choices import InvoiceStatus, InvoiceType
from invoices.forms import (
    AttachmentsForm,
    CompleteForm,
    CreditNoteForm,
    RecycleForm,
)
from invoices.models import Invoice
from invoices.services import attachments as attachment_services
from invoices.services.drafts import CREDITABLE_STATUSES
from invoices.services.routing import find_recipient
from invoices.views.common import invoice_view
from invoices.vocabulary import action_label

# --- detail and supplier actions -------------------------------------------------------------


def _timeline(invoice: Invoice) -> list:
    events = list(selectors.invoice_timeline(invoice=invoice))
    for event in events:
        event.label = action_label(event.action)
    return events


def _render_detail(request, invoice: Invoice, status: int = 200, **forms) -> HttpResponse:
    creditable = invoice.status in CREDITABLE_STATUSES and invoice.type != InvoiceType.AVOIR
    context = {
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "timeline": _timeline(invoice),
        "can_recycle": (can_recycle := can_proceed(invoice.recycle)),
        # Where the EJ is typed again, the format the recipient expects (issue 18).
        "recycle_recipient": find_recipient(invoice.recipient_siret) if can_recycle else None,
        "can_complete": can_proceed(invoice.complete),
        "can_acknowledge": invoice.status == InvoiceStatus.REJETEE
        and not invoice.rejection_acknowledged_at,
        "can_process": invoice.status == InvoiceStatus.REJETEE
        and not invoice.rejection_processed_at,
        "can_acknowledge_suspension": invoice.status == InvoiceStatus.SUSPENDUE
        and not invoice.suspension_acknowledged_at,
        "can_credit": creditable,
        "recycle_form": forms.get("recycle_form")
        or RecycleForm(
            initial={
                "recipient_siret": invoice.recipient_siret,
                "service_code": invoice.service_code,
                "ej_number": invoice.ej_number,
            }
        ),
        "complete_form": forms.get("complete_form") or CompleteForm(),
        "credit_form": forms.get("credit_form") or CreditNoteForm(),
        "attach_form": forms.get("attach_form") or AttachmentsForm(),
        "documents": list(invoice.documents.all()),
    }
    return render(request, "invoices/detail.html", context, status=status)


@require_GET
@invoice_view
def detail(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    outcomes.announce_invoice(request, invoice)
    return _render_detail(request, invoice)


def _refused(request, invoice: Invoice, exc: ChorusError) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect("invoices:detail", pk=invoice.pk)


@require_POST
@invoice_view
def recycle(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    form = RecycleForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_recycle(invoice_id=invoice.pk, by=request.user, **form.cleaned_data)
        except ChorusError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            outcomes.remember(request, kind=outcomes.RECYCLE, pk=invoice.pk)
            return redirect("invoices:detail", pk=invoice.pk)
    return _render_detail(request, invoice, status=400, recycle_form=form)


@require_POST
@invoice_view
def complete(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    form = CompleteForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_services.invoice_complete_with_attachments(
                invoice_id=invoice.pk,
                by=request.user,
                comment=form.cleaned_data["comment"],
                uploads=form.cleaned_data["pieces_jointes"],
            )
        except ChorusError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Facture complétée : le destinataire peut la reprendre.")
            return redirect("invoices:detail", pk=invoice.pk)
    return _render_detail(request, invoice, status=400, complete_form=form)


def _simple_action(service, success: str):
    @require_POST
    @invoice_view
    def view(request: HttpRequest, invoice: Invoice) -> HttpResponse:
        try:
            service(invoice_id=invoice.pk, by=request.user)
        except ChorusError as exc:
            return _refused(request, invoice, exc)
        messages.success(request, success)
        return redirect("invoices:detail", pk=invoice.pk)

    return view


acknowledge_rejection = _simple_action(services.invoice_acknowledge_rejection, "Rejet acquitté.")
process_rejection = _simple_action(
    services.invoice_process_rejection,
    "Rejet traité : la facture ne figure plus dans la synthèse.",
)
acknowledge_suspension = _simple_action(
    services.invoice_acknowledge_suspension, "Suspension acquittée."
)


@require_POST
@invoice_view
def credit_note(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    form = CreditNoteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, invoice, status=400, credit_form=form)
    try:
        note = services.invoice_create_credit_note(
            invoice_id=invoice.pk, by=request.user, number=form.cleaned_data["number"]
        )
    except ChorusError as exc:
        if exc.field not in form.fields:
            return _refused(request, invoice, exc)
        form.add_error(exc.field, exc.message)
        return _render_detail(request, invoice, status=400, credit_form=form)
    messages.success(
        request, f"Avoir créé en brouillon sur la facture {invoice.number} : complétez-le."
    )
    return redirect("invoices:edit", pk=note.pk)
