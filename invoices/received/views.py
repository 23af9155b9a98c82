"""Back-office of the public entities: «Factures reçues», «Traiter la facture», dashboard.

Every page needs a validated membership of a public structure (otherwise: redirect to «Mon
espace» with a message); an invoice of another structure is a 404; processing needs MODIFICATION
access and the invoice's service among the member's services (otherwise 403). Mutations are POST
and go through `invoices.services.recipient`.
"""

import io
import json
import zipfile

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from chorus import clock
from chorus.csv_export import csv_writer
from chorus.exceptions import ChorusError
from invoices import dashboard as selectors
from invoices import services
from invoices.dashboard import BACKOFFICE_STATUSES
from invoices.models import Invoice
from invoices.received.forms import ACTIONS, PAGE_SIZES, FilterForm, mark_errors
from invoices.selectors import InvoiceRow, invoice_rows, invoice_timeline

NO_PUBLIC_STRUCTURE = (
    "Factures reçues : cet espace est réservé aux agents rattachés (rattachement validé) à une "
    "structure publique destinataire de factures."
)
ZIP_MAX_INVOICES = 200
CSV_MAX_ROWS = 10_000


def _no_public_structure(request: HttpRequest) -> HttpResponse:
    messages.info(request, NO_PUBLIC_STRUCTURE)
    return redirect("structures:mine")


def _filters(request: HttpRequest, memberships) -> tuple[FilterForm, dict]:
    services_ = sorted(
        {service for m in memberships for service in m.structure.services.all()},
        key=lambda service: service.code,
    )
    form = FilterForm(request.GET or None, statuses=BACKOFFICE_STATUSES, services=services_)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, cleaned


@transaction.non_atomic_requests  # read only: no BEGIN/COMMIT round trips around the page
@require_GET
@login_required
def received_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.public_memberships(user=request.user)
    if not memberships:
        return _no_public_structure(request)
    form, filters = _filters(request, memberships)
    size = filters.get("taille") or PAGE_SIZES[0]
    # The sandbox clock is read only when the deadline filter needs it (filter_received).
    queryset = selectors.filter_received(
        selectors.received_invoices(memberships=memberships), filters=filters
    )
    after = request.GET.get("apres", "")
    if after.isdigit():
        queryset = queryset.filter(pk__lt=int(after))
    # Only the columns the list shows (invoice_rows): no model instances for 20-100 lines.
    page = [InvoiceRow(**values) for values in invoice_rows(queryset)[: size + 1]]
    has_next = len(page) > size
    page = page[:size]
    query = request.GET.copy()
    query.pop("apres", None)
    next_url = ""
    if has_next:
        query["apres"] = str(page[-1].pk)
        next_url = f"?{query.urlencode()}"
    query.pop("apres", None)
    return render(
        request,
        "invoices/received/list.html",
        {
            "form": mark_errors(form),
            "invoices": page,
            "next_url": next_url,
            "first_url": f"?{query.urlencode()}" if after else "",
            "export_url": f"{reverse('received:export')}?{query.urlencode()}",
            "memberships": memberships,
        },
    )


@require_GET
@login_required
def received_export(request: HttpRequest) -> HttpResponse:
    """CSV of the filtered list (semicolon-separated, UTF-8 with BOM for spreadsheets)."""
    memberships = selectors.public_memberships(user=request.user)
    if not memberships:
        return _no_public_structure(request)
    _form, filters = _filters(request, memberships)
    queryset = selectors.filter_received(
        selectors.received_invoices(memberships=memberships),
        filters=filters,
        today=clock.today(),
    )
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv_writer(buffer, delimiter=";")
    writer.writerow(
        [
            "Identifiant",
            "Numéro",
            "Type",
            "Fournisseur",
            "SIRET fournisseur",
            "Destinataire",
            "Service",
            "Date de facture",
            "Mise à disposition",
            "Statut",
            "Total HT",
            "Total TVA",
            "Total TTC",
        ]
    )
    for invoice in queryset[:CSV_MAX_ROWS]:
        writer.writerow(
            [
                invoice.pk,
                invoice.number,
                invoice.get_type_display(),
                invoice.supplier.name,
                invoice.supplier.siret,
                invoice.recipient.name if invoice.recipient else "",
                invoice.service.code if invoice.service else "",
                invoice.issue_date.isoformat() if invoice.issue_date else "",
                timezone.localtime(invoice.made_available_at).date().isoformat()
                if invoice.made_available_at
                else "",
                invoice.get_status_display(),
                str(invoice.total_net).replace(".", ","),
                str(invoice.total_vat).replace(".", ","),
                str(invoice.total_gross).replace(".", ","),
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="factures-recues.csv"'
    return response


def _summary(invoice: Invoice) -> dict:
    return {
        "identifiant": invoice.pk,
        "numero": invoice.number,
        "type": invoice.type,
        "statut": invoice.status,
        "fournisseur": invoice.supplier_snapshot
        or {"name": invoice.supplier.name, "siret": invoice.supplier.siret},
        "destinataire": {
            "name": invoice.recipient.name if invoice.recipient else "",
            "siret": invoice.recipient.siret if invoice.recipient else "",
        },
        "code_service": invoice.service.code if invoice.service else "",
        "engagement_juridique": invoice.ej_number,
        "date_facture": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "mise_a_disposition": invoice.made_available_at.isoformat()
        if invoice.made_available_at
        else None,
        "devise": invoice.currency,
        "total_ht": str(invoice.total_net),
        "total_tva": str(invoice.total_vat),
        "total_ttc": str(invoice.total_gross),
        "ventilation_tva": invoice.vat_breakdown,
        "lignes": [
            {
                "position": line.position,
                "designation": line.designation,
                "quantite": str(line.quantity),
                "prix_unitaire_ht": str(line.unit_price),
                "taux_tva": str(line.vat_rate),
                "montant_ht": str(line.line_net),
            }
            for line in invoice.lines.all()
        ],
        "motif_suspension": invoice.suspension_reason,
        "motif_rejet": invoice.rejection_reason,
        "commentaire_rejet": invoice.rejection_comment,
        "numero_mandat": invoice.mandate_number,
        "date_mise_en_paiement": invoice.payment_date.isoformat() if invoice.payment_date else None,
        "montant_mis_en_paiement": str(invoice.payment_amount)
        if invoice.payment_amount is not None
        else None,
    }


@require_GET
@login_required
def received_zip(request: HttpRequest) -> HttpResponse:
    """ZIP of the selected invoices: a JSON summary and the stored documents of each."""
    memberships = selectors.public_memberships(user=request.user)
    if not memberships:
        return _no_public_structure(request)
    ids = [value for value in request.GET.getlist("factures") if value.isdigit()]
    if not ids:
        messages.error(request, "Téléchargement : sélectionnez au moins une facture.")
        return redirect("received:list")
    if len(ids) > ZIP_MAX_INVOICES:
        messages.error(
            request, f"Téléchargement : {ZIP_MAX_INVOICES} factures au maximum par archive."
        )
        return redirect("received:list")
    invoices = list(
        selectors.received_invoices(memberships=memberships)
        .filter(pk__in=ids)
        .prefetch_related("lines")
    )
    if not invoices:
        raise Http404("Factures introuvables.")
    try:
        document_model = apps.get_model("invoices", "InvoiceDocument")
    except LookupError:  # the archive of generated documents is optional
        document_model = None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            folder = f"{invoice.number or 'sans-numero'}_{invoice.pk}".replace("/", "-")
            archive.writestr(
                f"{folder}/resume.json",
                json.dumps(_summary(invoice), ensure_ascii=False, indent=2),
            )
            if document_model is None:
                continue
            for document in document_model._default_manager.filter(invoice=invoice):
                try:
                    with document.file.open("rb") as handle:
                        archive.writestr(f"{folder}/{document.filename}", handle.read())
                except OSError:
                    archive.writestr(
                        f"{folder}/{document.filename}.manquant.txt",
                        "Fichier absent du stockage.",
                    )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="factures-recues.zip"'
    return response


def _lookup(request: HttpRequest, pk: int):
    found = selectors.received_invoice_get(user=request.user, invoice_id=pk)
    if found is None:
        raise Http404("Facture introuvable.")
    return found


def _available_actions(invoice: Invoice) -> list[str]:
    names = {t.name for t in invoice.get_available_status_transitions()}
    return [name for name in ACTIONS if name in names]


# The normal path, in order (§4.2): the first one available is the next step; the others skip
# optional steps (allowed by Chorus Pro) and are shown folded. The rest send the invoice back.
FORWARD = (
    "mark_service_done",
    "mandate",
    "make_available_to_accounting",
    "mark_accounted",
    "mark_paid",
)


def _step(name: str, forward: list[str]) -> str:
    if name not in forward:
        return "return"  # suspend, send back to recycle, reject
    return "next" if name == forward[0] else "later"


def _forms_for(invoice: Invoice, bound: dict | None = None) -> list[dict]:
    result = []
    names = _available_actions(invoice)
    forward = [name for name in FORWARD if name in names]
    for name in names:
        target, form_class, button = ACTIONS[name]
        form = (bound or {}).get(name)
        if form is None:
            initial = {"expected_status": invoice.status}
            if name == "mark_paid":
                initial.update(
                    payment_date=clock.today(structure_id=invoice.recipient_id),
                    payment_amount=str(invoice.total_gross).replace(".", ","),
                )
            if name == "mark_service_done":
                initial["on"] = clock.today(structure_id=invoice.recipient_id)
            form = form_class(prefix=name, initial=initial)
        result.append(
            {
                "name": name,
                "target": target,
                "form": mark_errors(form),
                "button": button,
                "url": reverse("received:process", args=[invoice.pk, name]),
                "step": _step(name, forward),
            }
        )
    return result


def _detail_context(invoice: Invoice, membership, bound: dict | None = None) -> dict:
    allowed = selectors.can_process(membership=membership, invoice=invoice)
    actions = _forms_for(invoice, bound) if allowed else []
    return {
        "invoice": invoice,
        "membership": membership,
        "lines": list(invoice.lines.all()),
        "documents": list(invoice.documents.all()),
        "timeline": list(invoice_timeline(invoice=invoice)),
        "deadline": selectors.invoice_deadline(
            invoice=invoice, as_of=clock.today(structure_id=invoice.recipient_id)
        ),
        "can_process": allowed,
        "actions": actions,
        "skipped_steps": [a for a in actions if a["step"] == "later"],
        "skipped_open": any(a["step"] == "later" and a["name"] in (bound or {}) for a in actions),
    }


@require_GET
@login_required
def received_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice, membership = _lookup(request, pk)
    return render(request, "invoices/received/detail.html", _detail_context(invoice, membership))


def _call_service(invoice: Invoice, user, action: str, data: dict) -> Invoice:
    """The one registry of recipient actions (an unknown name is refused, never a payment)."""
    return services.invoice_recipient_act(invoice_id=invoice.pk, by=user, action=action, data=data)


@require_POST
@login_required
def received_process(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    invoice, membership = _lookup(request, pk)
    if action not in ACTIONS:
        raise Http404("Action inconnue.")
    if not selectors.can_process(membership=membership, invoice=invoice):
        return render(
            request,
            "invoices/received/forbidden.html",
            {"invoice": invoice, "membership": membership},
            status=403,
        )
    _target, form_class, _button = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    detail_url = reverse("received:detail", args=[invoice.pk])
    if not form.is_valid():
        if form.errors.get("expected_status"):
            messages.error(request, "Formulaire incomplet : rechargez la page et recommencez.")
            return redirect(detail_url)
        return render(
            request,
            "invoices/received/detail.html",
            _detail_context(invoice, membership, {action: form}),
        )
    if form.cleaned_data["expected_status"] != invoice.status:
        messages.error(
            request,
            "La facture a changé de statut depuis l'affichage de la page : elle est maintenant "
            f"« {invoice.get_status_display()} ». Vérifiez-la puis recommencez.",
        )
        return redirect(detail_url)
    try:
        invoice = _call_service(invoice, request.user, action, form.cleaned_data)
    except ChorusError as exc:
        if exc.field in form.fields and exc.field != "expected_status":
            form.add_error(exc.field, exc.message)
            invoice.refresh_from_db()
            return render(
                request,
                "invoices/received/detail.html",
                _detail_context(invoice, membership, {action: form}),
            )
        messages.error(request, exc.message)
        return redirect(detail_url)
    messages.success(
        request,
        f"Facture {invoice.number} : statut « {invoice.get_status_display()} » enregistré.",
    )
    return redirect(detail_url)


@require_GET
@login_required
def received_dashboard_index(request: HttpRequest) -> HttpResponse:
    memberships = selectors.public_memberships(user=request.user)
    if not memberships:
        return _no_public_structure(request)
    if len(memberships) == 1:
        return redirect("received:dashboard", structure_id=memberships[0].structure_id)
    return render(request, "invoices/received/dashboard_index.html", {"memberships": memberships})


@require_GET
@login_required
def received_dashboard(request: HttpRequest, structure_id: int) -> HttpResponse:
    memberships = selectors.public_memberships(user=request.user)
    if not memberships:
        return _no_public_structure(request)
    membership = next((m for m in memberships if m.structure_id == structure_id), None)
    if membership is None:
        raise Http404("Structure introuvable.")
    board = selectors.dashboard_for(
        membership=membership, today=clock.today(structure_id=membership.structure_id)
    )
    bars = [
        {
            "code": code,
            "label": label,
            "count": count,
            "percent": round(100 * count / board.max_count) if board.max_count else 0,
            "url": f"{reverse('received:list')}?{urlencode({'status': code})}",
        }
        for code, label, count in board.by_status
    ]
    return render(
        request,
        "invoices/received/dashboard.html",
        {
            "membership": membership,
            "structure": membership.structure,
            "board": board,
            "bars": bars,
            "memberships": memberships,
        },
    )
