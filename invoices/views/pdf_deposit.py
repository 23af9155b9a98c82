"""PDF deposit and its confirmation, attachments, and the download of an invoice's documents."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import user_can_deposit
from chorus.exceptions import ChorusError
from chorus.files import stored_file_response
from invoices import outcomes, selectors, services
from invoices.forms import (
    AttachmentsForm,
    PdfConfirmForm,
    PdfDepositForm,
)
from invoices.models import Invoice, InvoiceDocument
from invoices.pdf_intake import prefill_from_pdf
from invoices.services import attachments as attachment_services
from invoices.services.common import parse_decimal
from invoices.views.common import TERMS_CODE, _supplier_structures, invoice_view
from invoices.views.detail import _render_detail
from invoices.views.entry import _initial_from_invoice
from invoices.views.issued import _amount

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
