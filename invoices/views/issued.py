""" "Factures émises": the supplier's keyset-paginated list and its CSV export."""

import base64
import binascii
import datetime
import json
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from chorus.csv_export import csv_lines
from invoices import selectors
from invoices.forms import (
    DEFAULT_PAGE_SIZE,
    IssuedFilterForm,
)
from invoices.models import Invoice

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
