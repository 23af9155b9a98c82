"""Portal pages of deposit flows (/flux/): upload + pré-contrôle, list, detail, JSON report; and
CII / UBL downloads of an invoice. Thin views: lookup by membership (404 otherwise), one service."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from chorus.exceptions import ChorusError
from chorus.files import stored_file_response
from invoices import outcomes
from invoices.flux.services import flux_deposit, flux_precheck
from invoices.formats.cii_writer import build_cii
from invoices.formats.ubl_writer import build_ubl
from invoices.models import Flux
from invoices.selectors import _member_structures, invoice_get_for_user


def _structures(request: HttpRequest):
    return _member_structures(request.user).filter(is_active=True).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def flux_upload(request: HttpRequest) -> HttpResponse:
    structures = list(_structures(request))
    context = {"structures": structures, "report": None, "errors": {}}
    if request.method == "POST":
        chosen = next(
            (s for s in structures if str(s.pk) == request.POST.get("structure", "")), None
        )
        upload = request.FILES.get("file")
        context["selected"] = request.POST.get("structure", "")
        if chosen is None:
            context["errors"]["structure"] = "Structure : choisissez l'une de vos structures."
        if upload is None:
            context["errors"]["file"] = "Fichier : obligatoire (XML, PDF Factur-X, zip, tar.gz)."
        if not context["errors"]:
            try:
                if "precheck" in request.POST:
                    context["report"] = flux_precheck(file=upload, structure=chosen)
                else:
                    flux = flux_deposit(structure=chosen, by=request.user, file=upload)
                    outcomes.remember(request, kind=outcomes.FLUX, pk=flux.pk)
                    return redirect("flux:detail", pk=flux.pk)
            except ChorusError as exc:
                context["errors"][exc.field or "file"] = exc.message
        status = 400 if context["errors"] else 200
        return render(request, "invoices/flux/upload.html", context, status=status)
    return render(request, "invoices/flux/upload.html", context)


@login_required
@require_GET
def flux_list(request: HttpRequest) -> HttpResponse:
    flows = Flux.objects.filter(supplier__in=_member_structures(request.user)).select_related(
        "supplier"
    )[:200]
    return render(request, "invoices/flux/list.html", {"flows": flows})


def _lookup(request: HttpRequest, pk: int) -> Flux:
    flux = Flux.objects.filter(pk=pk, supplier__in=_member_structures(request.user)).first()
    if flux is None:
        raise Http404("Flux introuvable.")
    return flux


@login_required
@require_GET
def flux_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flux = _lookup(request, pk)
    outcomes.announce_flux(request, flux)
    return render(request, "invoices/flux/detail.html", {"flux": flux, "report": flux.report})


@login_required
@require_GET
def flux_report_json(request: HttpRequest, pk: int) -> HttpResponse:
    flux = _lookup(request, pk)
    body = {"numeroFluxDepot": flux.numero, "etatCourantFlux": flux.state, **flux.report}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{flux.numero}-compte-rendu.json"'
    return response


@login_required
@require_GET
def flux_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The deposited file itself, to the members of the depositing structure only."""
    flux = _lookup(request, pk)
    return stored_file_response(flux.file, filename=flux.filename)


def _invoice_xml(request: HttpRequest, pk: int, writer, suffix: str) -> HttpResponse:
    invoice = invoice_get_for_user(user=request.user, invoice_id=pk)
    if invoice is None or invoice.is_draft or not invoice.issue_date:
        raise Http404("Facture introuvable.")
    response = HttpResponse(writer(invoice), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}-{suffix}.xml"'
    return response


@login_required
@require_GET
def invoice_cii(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_xml(request, pk, build_cii, "cii")


@login_required
@require_GET
def invoice_ubl(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_xml(request, pk, build_ubl, "ubl")
