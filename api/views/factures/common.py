"""Helpers of the `/cpro/factures/v1/` views: ids, tenant scope, base64, dates, filters, pages."""

import base64
import binascii
import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from rest_framework.request import Request

from api.envelope import (
    Body,
    page_info,
)
from chorus.exceptions import ChorusError
from invoices.choices import (
    DepositMode,
)
from invoices.models import Invoice, InvoiceEvent
from invoices.selectors import invoice_list_issued, invoice_list_received
from invoices.vocabulary import InvoiceAction

UNKNOWN_INVOICE_CODE = 20001
TRANSITION_CODE = 20002
FILE_TOO_BIG_CODE = 20003
MAX_PAGE_SIZE = 10000
API_MODES = (DepositMode.SAISIE_API, DepositMode.DEPOT_PDF_API, DepositMode.DEPOT_PDF_SIGNE_API)


def unknown_invoice(identifier: Any) -> ChorusError:
    return ChorusError(
        f"GDP_MSG_11.008 La demande de paiement est inconnue du système (identifiant "
        f"« {identifier} »).",
        field="identifiantFactureCPP",
        code=str(UNKNOWN_INVOICE_CODE),
    )


MAX_ID = 2**63 - 1


def _id(value: Any) -> int | None:
    """An identifier as a database-safe integer, else None (bools and floats refused)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number <= MAX_ID else None


def _required_id(body: Body, *keys: str) -> int:
    raw = body.first(*keys)
    number = _id(raw)
    if number is None:
        raise ChorusError(
            f"{keys[0]} : identifiant entier obligatoire (reçu « {raw} »).", field=keys[0]
        )
    return number


def _issued(request: Request) -> QuerySet[Invoice]:
    return invoice_list_issued(user=request.user, supplier=request.technical_account.structure)


def _received(request: Request) -> QuerySet[Invoice]:
    return invoice_list_received(user=request.user, recipient=request.technical_account.structure)


def _get(queryset: QuerySet[Invoice], invoice_id: int) -> Invoice:
    invoice = queryset.filter(pk=invoice_id).first()
    if invoice is None:
        raise unknown_invoice(invoice_id)
    return invoice


def _decode_base64(value: Any, *, field: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise ChorusError(f"{field} : contenu du fichier en base64 obligatoire.", field=field)
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ChorusError(
            f"{field} : le contenu n'est pas du base64 valide.", field=field
        ) from None


def _decoded_size(value: Any) -> int:
    """Size of the decoded file, known before decoding (to answer 413 cheaply)."""
    text = value if isinstance(value, str) else ""
    return len(text.strip()) * 3 // 4


def _as_list(value: Any) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _date(value: Any, *, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ChorusError(
            f"{field} : date attendue au format AAAA-MM-JJ (reçu « {value} »).", field=field
        ) from None


def _search_date(value: Any, *, field: str) -> datetime.date | None:
    """A search period bound; GO's zero time.Time (year 1) means "no date"."""
    day = _date(value, field=field)
    return None if day is None or day.year <= 1 else day


def _decimal(value: Any, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ChorusError(f"{field} : nombre attendu (reçu « {value} »).", field=field) from None
    if not result.is_finite() or abs(result) >= 10**13:
        raise ChorusError(f"{field} : nombre attendu (reçu « {value} »).", field=field)
    return result


def _page(sub: Body) -> tuple[int, int]:
    page = _id(sub.first("pageResultatDemandee", "pageCourante")) or 1
    size = _id(sub.get("nbResultatsParPage")) or 10
    return min(page, 10**6), min(size, MAX_PAGE_SIZE)


def _statuses(body: Body) -> list[str]:
    result = []
    for item in _as_list(body.get("statutCourant")):
        if isinstance(item, dict):
            item = Body(item).first("statutCourant", "statut", "code")
        if item:
            result.append(str(item).strip().upper())
    return result


def _common_filters(qs: QuerySet[Invoice], body: Body) -> QuerySet[Invoice]:
    """Filters shared by the supplier and recipient searches; a blank filter (0, "", null) is
    no filter, as typed clients send every option (chorus-pro.md §8.5)."""
    if body.filled("numeroFacture"):
        qs = qs.filter(number=str(body.get("numeroFacture")).strip())
    statuses = _statuses(body)
    if statuses:
        statuses = ["ERREUR_TECHNIQUE" if s == "TECHNIQUE_INCONNU" else s for s in statuses]
        qs = qs.filter(status__in=statuses)
    cadre = body.filled("cadreFacturation")
    if isinstance(cadre, dict):
        cadre = Body(cadre).filled("codeCadreFacturation")
    if cadre:
        qs = qs.filter(cadre=str(cadre))
    if body.filled("numeroBonCommande"):
        qs = qs.filter(ej_number=str(body.get("numeroBonCommande")).strip())
    if body.filled("numeroMarche"):
        qs = qs.none()  # no contract number is recorded on invoices
    periods = [
        ("periodeDateDepot", "deposited_at__date"),
        ("periodeDateFacture", "issue_date"),
        ("periodeDateHeureEtatCourant", "updated_at__date"),
    ]
    for prefix, lookup in periods:
        start = _search_date(body.filled(f"{prefix}Du"), field=f"{prefix}Du")
        end = _search_date(body.filled(f"{prefix}Au"), field=f"{prefix}Au")
        if start:
            qs = qs.filter(**{f"{lookup}__gte": start})
        if end:
            qs = qs.filter(**{f"{lookup}__lte": end})
    amounts = [("HT", "total_net"), ("TTC", "total_gross"), ("APayer", "total_gross")]
    for suffix, field_name in amounts:
        low = _decimal(body.filled(f"montant{suffix}Min"), field=f"montant{suffix}Min")
        high = _decimal(body.filled(f"montant{suffix}Max"), field=f"montant{suffix}Max")
        if low is not None:
            qs = qs.filter(**{f"{field_name}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{field_name}__lte": high})
    return qs


def _flux_id(numero: Any) -> int | None:
    digits = "".join(ch for ch in str(numero) if ch.isdigit())
    return _id(digits) if digits else None


def _downloaded() -> Exists:
    return Exists(
        InvoiceEvent.objects.filter(
            invoice=OuterRef("pk"), action=InvoiceAction.DOWNLOADED, data__by="recipiendaire"
        )
    )


def _paged(qs: QuerySet[Invoice], page: int, size: int) -> tuple[list[Invoice], dict]:
    total = qs.count()
    items = list(qs.order_by("-deposited_at", "-id")[(page - 1) * size : page * size])
    return items, page_info(page=page, size=size, total=total)
