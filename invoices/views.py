"""Supplier's invoice pages: "Factures émises", manual entry ("Saisie manuelle"), detail, actions.

Every lookup goes through the user's validated membership of the supplier structure (the issued
list selector): another tenant's invoice is a 404. Mutations are POST and call one service.
"""

import base64
import binascii
import datetime
import functools
import json
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from accounts.selectors import user_can_deposit
from chorus import clock
from chorus.csv_export import csv_lines
from chorus.exceptions import ChorusError
from chorus.files import stored_file_response
from invoices import outcomes, selectors, services
from invoices.choices import InvoiceStatus, InvoiceType
from invoices.forms import (
    DEFAULT_PAGE_SIZE,
    LINES_PREFIX,
    AttachmentsForm,
    CompleteForm,
    CreditNoteForm,
    InvoiceHeaderForm,
    IssuedFilterForm,
    LineForm,
    LineFormSet,
    PdfConfirmForm,
    PdfDepositForm,
    RecycleForm,
)
from invoices.models import Invoice, InvoiceDocument
from invoices.pdf_intake import prefill_from_pdf
from invoices.services import attachments as attachment_services
from invoices.services.common import parse_decimal
from invoices.services.drafts import CREDITABLE_STATUSES
from invoices.services.routing import find_recipient
from invoices.totals import compute_totals
from invoices.vocabulary import action_label
from structures.choices import MembershipStatus
from structures.models import Service, Structure

TERMS_CODE = "cgu"

# --- lookups ---------------------------------------------------------------------------------


def _issued_or_404(request: HttpRequest, pk: int) -> Invoice:
    invoice = selectors.invoice_list_issued(user=request.user).filter(pk=pk).first()
    if invoice is None:
        raise Http404("Facture introuvable.")
    return invoice


def _supplier_structures(user) -> list[Structure]:
    return list(
        Structure.objects.filter(
            memberships__user=user, memberships__status=MembershipStatus.VALIDEE
        ).order_by("name", "pk")
    )


def invoice_view(view):
    """Load invoice `pk` of one of the user's supplier structures (404 otherwise)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        return view(request, _issued_or_404(request, pk), *args, **kwargs)

    return login_required(wrapper)


# --- Factures émises -------------------------------------------------------------------------


def _filtered(user, data: dict, *, structure_ids: list[int] | None = None) -> QuerySet[Invoice]:
    if data.get("synthese"):
        qs = selectors.invoice_list_returned(user=user, structure_ids=structure_ids)
    else:
        qs = selectors.invoice_list_issued(user=user, structure_ids=structure_ids)
    if data.get("statut"):
        qs = qs.filter(status=data["statut"])
    recipient = (data.get("destinataire") or "").strip()
    if recipient:
        digits = recipient.replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(recipient_siret__startswith=digits)
        else:
            qs = qs.filter(recipient__name__icontains=recipient)
    if data.get("numero"):
        qs = qs.filter(number__icontains=data["numero"].strip())
    if data.get("du"):
        qs = qs.filter(issue_date__gte=data["du"])
    if data.get("au"):
        qs = qs.filter(issue_date__lte=data["au"])
    if data.get("montant_min") is not None:
        qs = qs.filter(total_gross__gte=data["montant_min"])
    if data.get("montant_max") is not None:
        qs = qs.filter(total_gross__lte=data["montant_max"])
    return qs


def _encode_cursor(invoice: Invoice | selectors.InvoiceRow) -> str:
    raw = json.dumps([invoice.created_at.isoformat(), invoice.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[datetime.datetime, int] | None:
    try:
        stamp, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        created_at = datetime.datetime.fromisoformat(stamp)
    except (ValueError, TypeError, RecursionError, binascii.Error):
        return None
    if not isinstance(pk, int) or created_at.tzinfo is None:
        return None
    return created_at, pk


def _keyset_page(qs: QuerySet[Invoice], *, size: int, after: str, before: str):
    """One page, newest first, keyed on (created_at, id): a single query whatever the size.

    The rows are `selectors.InvoiceRow`s: only the columns the list shows.
    """
    qs = selectors.invoice_rows(qs)
    if before and (cursor := _decode_cursor(before)):
        stamp, pk = cursor
        rows = [
            selectors.InvoiceRow(**values)
            for values in qs.filter(created_at__gte=stamp)
            .filter(Q(created_at__gt=stamp) | Q(created_at=stamp, pk__gt=pk))
            .order_by("created_at", "pk")[: size + 1]
        ]
        return list(reversed(rows[:size])), len(rows) > size, True
    cursor = _decode_cursor(after) if after else None
    if cursor:
        stamp, pk = cursor
        # The redundant `created_at <= stamp` bound lets the index range-scan (an OR cannot).
        qs = qs.filter(created_at__lte=stamp).filter(
            Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk)
        )
    rows = [
        selectors.InvoiceRow(**values) for values in qs.order_by("-created_at", "-pk")[: size + 1]
    ]
    return rows[:size], cursor is not None, len(rows) > size


def _filter_query(form: IssuedFilterForm) -> str:
    params = {k: v for k, v in form.data.items() if k not in ("apres", "avant") and v}
    return urlencode(params)


@transaction.non_atomic_requests  # read only: no BEGIN/COMMIT round trips around the page
@require_GET
@login_required
def issued(request: HttpRequest) -> HttpResponse:
    form = IssuedFilterForm(request.GET)
    context: dict = {"form": form, "invoices": [], "query": _filter_query(form)}
    # One membership lookup for the page and the Synthèse count.
    structure_ids = selectors.member_structure_ids(user=request.user)
    if form.is_valid():
        size = form.cleaned_data["par_page"] or DEFAULT_PAGE_SIZE
        rows, has_previous, has_next = _keyset_page(
            _filtered(request.user, form.cleaned_data, structure_ids=structure_ids),
            size=size,
            after=request.GET.get("apres", ""),
            before=request.GET.get("avant", ""),
        )
        context |= {
            "invoices": rows,
            "previous_cursor": _encode_cursor(rows[0]) if has_previous and rows else "",
            "next_cursor": _encode_cursor(rows[-1]) if has_next and rows else "",
        }
    context["returned_count"] = selectors.invoice_list_returned(
        user=request.user, structure_ids=structure_ids
    ).count()
    return render(request, "invoices/issued.html", context, status=200 if form.is_valid() else 400)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


CSV_HEADER = [
    "Numéro",
    "Type",
    "Statut",
    "Fournisseur",
    "SIRET du destinataire",
    "Destinataire",
    "Code service",
    "N° d'engagement",
    "Date de facture",
    "Total HT",
    "Total TVA",
    "Total TTC",
    "Déposée le",
]


def _csv_rows(qs: QuerySet[Invoice]) -> Iterator[list]:
    for invoice in qs.order_by("-created_at", "-pk").iterator(chunk_size=2000):
        deposited = timezone.localtime(invoice.deposited_at) if invoice.deposited_at else None
        yield [
            invoice.number,
            invoice.get_type_display(),
            invoice.get_status_display(),
            invoice.supplier.name,
            invoice.recipient_siret,
            invoice.recipient.name if invoice.recipient else "",
            invoice.service_code,
            invoice.ej_number,
            invoice.issue_date.strftime("%d/%m/%Y") if invoice.issue_date else "",
            _amount(invoice.total_net),
            _amount(invoice.total_vat),
            _amount(invoice.total_gross),
            deposited.strftime("%d/%m/%Y %H:%M") if deposited else "",
        ]


@require_GET
@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    form = IssuedFilterForm(request.GET)
    if not form.is_valid():
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return HttpResponse(
            "Filtres invalides : " + errors, status=400, content_type="text/plain; charset=utf-8"
        )
    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, _csv_rows(_filtered(request.user, form.cleaned_data))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="factures-emises.csv"'
    return response


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


# --- Dépôt PDF, pièces jointes, documents ----------------------------------------------------


def _form_error(form, exc: ChorusError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_http_methods(["GET", "POST"])
@login_required
def deposit_pdf(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the structure, upload the PDF (and supporting documents)."""
    suppliers = _supplier_structures(request.user)
    if not suppliers:
        messages.error(
            request,
            "Structure fournisseur : vous devez être rattaché à une structure pour déposer une "
            "facture.",
        )
        return redirect("structures:mine")
    if request.method == "GET":
        form = PdfDepositForm(suppliers=suppliers)
        return render(request, "invoices/deposit_pdf.html", {"form": form})
    form = PdfDepositForm(request.POST, request.FILES, suppliers=suppliers)
    if form.is_valid():
        supplier = next(s for s in suppliers if s.pk == form.cleaned_data["supplier"])
        try:
            invoice, prefill = attachment_services.invoice_create_from_pdf(
                supplier=supplier,
                by=request.user,
                upload=form.cleaned_data["pdf"],
                attachments=form.cleaned_data["pieces_jointes"],
            )
        except ChorusError as exc:
            _form_error(form, exc)
        else:
            found = len(prefill.found)
            messages.success(
                request,
                f"PDF enregistré dans un brouillon : {found} information(s) lue(s) dans le "
                "document. Vérifiez-les et complétez avant « Valider et envoyer ».",
            )
            return redirect("invoices:deposit_pdf_confirm", pk=invoice.pk)
    return render(request, "invoices/deposit_pdf.html", {"form": form}, status=400)


def _original(invoice: Invoice) -> InvoiceDocument | None:
    return invoice.documents.filter(kind=InvoiceDocument.Kind.ORIGINAL).first()


def _confirm_initial(invoice: Invoice, original: InvoiceDocument) -> dict:
    initial, _lines = _initial_from_invoice(invoice)
    if invoice.lines.exists():
        initial |= {
            "total_net": _amount(invoice.total_net),
            "total_vat": _amount(invoice.total_vat),
            "total_gross": _amount(invoice.total_gross),
        }
        return initial
    with original.file.open("rb") as handle:  # ≤ 10 MB, checked on upload
        prefill = prefill_from_pdf(handle.read(), supplier_siret=invoice.supplier.siret)
    for name, value in prefill.totals().items():
        initial[name] = _amount(value)
    return initial


def _render_confirm(request, invoice, original, form, *, status=200, **extra) -> HttpResponse:
    context = {
        "invoice": invoice,
        "original": original,
        "form": form,
        "documents": list(invoice.documents.all()),
        "attach_form": extra.pop("attach_form", None) or AttachmentsForm(),
        "can_deposit": user_can_deposit(user=request.user),
        "has_lines": invoice.lines.exists(),
        **extra,
    }
    return render(request, "invoices/deposit_confirm.html", context, status=status)


def _summary_lines(form: PdfConfirmForm) -> list | None:
    """The single summary line typed as totals, or None to keep the draft's lines."""
    if not form.totals_typed():
        return None
    data = form.cleaned_data
    amounts = {}
    labels = {"total_net": "Total HT", "total_vat": "Total TVA", "total_gross": "Total TTC"}
    for name, label in labels.items():
        raw = (data.get(name) or "").strip().replace(" ", "").replace("\u00a0", "")
        if not raw and name != "total_gross":
            raise ChorusError(f"{label} : obligatoire.", field=name)
        amounts[name] = parse_decimal(raw, field=name, label=label) if raw else None
    return [
        attachment_services.pdf_summary_line(
            exemption_reason=data.get("exemption_reason") or "", **amounts
        )
    ]


@require_http_methods(["GET", "POST"])
@invoice_view
def deposit_pdf_confirm(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    """Step 2: check the pre-filled values, then save the draft or «Valider et envoyer»."""
    original = _original(invoice)
    if not invoice.is_draft or original is None:
        return redirect("invoices:detail", pk=invoice.pk)
    suppliers = [invoice.supplier]
    if request.method == "GET":
        form = PdfConfirmForm(initial=_confirm_initial(invoice, original), suppliers=suppliers)
        return _render_confirm(request, invoice, original, form)
    form = PdfConfirmForm(request.POST, suppliers=suppliers)
    if not form.is_valid():
        return _render_confirm(request, invoice, original, form, status=400)
    action = request.POST.get("action", "brouillon")
    try:
        lines = _summary_lines(form)
        invoice = services.invoice_update_draft(
            invoice_id=invoice.pk, by=request.user, lines=lines, **form.header_fields()
        )
        if action == "envoyer":
            invoice = services.invoice_submit(invoice_id=invoice.pk, by=request.user)
    except ChorusError as exc:
        _form_error(form, exc)
        invoice.refresh_from_db()
        return _render_confirm(
            request,
            invoice,
            original,
            form,
            status=400,
            draft_kept=True,
            terms_refused=exc.code == TERMS_CODE,
        )
    if action != "envoyer":
        messages.success(request, f"Brouillon enregistré ({invoice}).")
        return redirect("invoices:deposit_pdf_confirm", pk=invoice.pk)
    outcomes.remember(request, kind=outcomes.DEPOSIT, pk=invoice.pk)
    return redirect("invoices:detail", pk=invoice.pk)


@require_POST
@invoice_view
def attach(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    """Supporting documents on a draft (the suspended case goes through «Compléter»)."""
    form = AttachmentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            documents = attachment_services.invoice_add_attachments(
                invoice_id=invoice.pk, by=request.user, uploads=form.cleaned_data["pieces_jointes"]
            )
        except ChorusError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{len(documents)} pièce(s) jointe(s) ajoutée(s).")
            original = _original(invoice)
            if invoice.is_draft and original is not None:
                return redirect("invoices:deposit_pdf_confirm", pk=invoice.pk)
            return redirect("invoices:detail", pk=invoice.pk)
    original = _original(invoice)
    if invoice.is_draft and original is not None:
        confirm = PdfConfirmForm(
            initial=_confirm_initial(invoice, original), suppliers=[invoice.supplier]
        )
        return _render_confirm(request, invoice, original, confirm, status=400, attach_form=form)
    return _render_detail(request, invoice, status=400, attach_form=form)


@require_GET
@login_required
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Any archived document of an invoice the user may see (supplier or recipient side)."""
    document = InvoiceDocument.objects.filter(pk=pk).only("invoice_id").first()
    if document is None:
        raise Http404("Document introuvable.")
    if selectors.invoice_get_for_user(user=request.user, invoice_id=document.invoice_id) is None:
        raise Http404("Document introuvable.")
    document = InvoiceDocument.objects.get(pk=pk)
    return stored_file_response(
        document.file, filename=document.filename, content_type=document.content_type
    )
