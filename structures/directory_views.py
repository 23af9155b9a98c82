"""Public directory of public structures ("annuaire"), open to anonymous visitors as on the portal.

Search by SIRET (spaces allowed, a SIREN or any leading digits match as a prefix) or by name, keyset
pagination on (name, id) so that deep pages cost the same as the first, and a streamed CSV export.
"""

import base64
import binascii
import datetime
import json
from collections.abc import Iterator

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, FilteredRelation, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from chorus.csv_export import csv_lines
from structures.choices import StructureKind
from structures.models import Service, Structure
from structures.validators import validate_siret

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20

REQUIRED_INFO_LABELS = {
    "service_or_engagement": "Code service ou n° d'engagement obligatoire",
    "service_and_engagement": "Code service et n° d'engagement obligatoires",
    "service": "Code service obligatoire",
    "engagement": "N° d'engagement obligatoire",
    "none": "Aucun code obligatoire",
}

CSV_HEADER = [
    "SIRET",
    "Raison sociale",
    "Code service",
    "Libellé du service",
    "EJ obligatoire",
    "Code service obligatoire",
]


class DirectorySearchForm(forms.Form):
    q = forms.CharField(
        label="SIRET ou nom de la structure",
        required=False,
        max_length=255,
        help_text=(
            "Exemple : 110 002 011 00044 ou « Cavimac ». Les espaces sont ignorés dans un SIRET."
        ),
    )
    par_page = forms.TypedChoiceField(
        label="Résultats par page",
        choices=[(n, str(n)) for n in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def clean_q(self) -> str:
        """A query made of digits (and spaces) is a SIRET; 14 digits must pass the Luhn key."""
        value = " ".join(self.cleaned_data["q"].split())
        digits = value.replace(" ", "")
        if digits.isdigit() and len(digits) >= 14:
            try:
                validate_siret(digits)
            except ValidationError as exc:
                raise ValidationError(f"Champ « SIRET ou nom » : {exc.messages[0]}") from None
        return value


def _today() -> datetime.date:
    return timezone.localdate()


def _active_service_q(prefix: str = "") -> Q:
    """A service is active when flagged so and today falls within its validity dates."""
    today = _today()
    return (
        Q(**{f"{prefix}is_active": True})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today}))
    )


def directory_structure_list(*, query: str = "") -> QuerySet[Structure]:
    """Active public structures matching a SIRET (prefix) or a name (case-insensitive)."""
    qs = Structure.objects.filter(kind=StructureKind.PUBLIQUE, is_active=True)
    digits = query.replace(" ", "")
    if digits.isdigit():
        qs = qs.filter(identifier_type="SIRET", identifier__startswith=digits)
    elif query:
        qs = qs.filter(name__icontains=query)
    return qs


def _encode_cursor(structure: Structure) -> str:
    raw = json.dumps([structure.name, structure.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> tuple[str, int] | None:
    try:
        name, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, RecursionError, binascii.Error):
        return None
    if not isinstance(name, str) or not isinstance(pk, int):
        return None
    return name, pk


def _page(
    qs: QuerySet[Structure], *, size: int, after: str, before: str
) -> tuple[list[Structure], bool, bool]:
    """One keyset page; returns (rows, has_previous, has_next) with one query for the rows."""
    qs = qs.annotate(
        active_services=Count("services", filter=_active_service_q("services__"), distinct=True)
    )
    if before and (cursor := _decode_cursor(before)):
        name, pk = cursor
        rows = list(
            qs.filter(Q(name__lt=name) | Q(name=name, pk__lt=pk)).order_by("-name", "-pk")[
                : size + 1
            ]
        )
        has_previous = len(rows) > size
        return list(reversed(rows[:size])), has_previous, True
    cursor = _decode_cursor(after) if after else None
    if cursor:
        name, pk = cursor
        qs = qs.filter(Q(name__gt=name) | Q(name=name, pk__gt=pk))
    rows = list(qs.order_by("name", "pk")[: size + 1])
    return rows[:size], cursor is not None, len(rows) > size


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET)  # always bound: an empty search lists everything
    context: dict = {"form": form, "results": None}
    if form.is_valid():
        query, size = form.cleaned_data["q"], form.cleaned_data["par_page"]
        rows, has_previous, has_next = _page(
            directory_structure_list(query=query),
            size=size,
            after=request.GET.get("apres", ""),
            before=request.GET.get("avant", ""),
        )
        for row in rows:
            row.required_info_label = REQUIRED_INFO_LABELS[row.required_info]
        context |= {
            "results": rows,
            "query": query,
            "size": size,
            "previous_cursor": _encode_cursor(rows[0]) if has_previous and rows else "",
            "next_cursor": _encode_cursor(rows[-1]) if has_next and rows else "",
        }
    return render(request, "annuaire/search.html", context)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    active = Service.objects.filter(_active_service_q()).order_by("code")
    structure = get_object_or_404(
        Structure.objects.prefetch_related(Prefetch("services", queryset=active)),
        pk=pk,
        kind=StructureKind.PUBLIQUE,
        is_active=True,
    )
    context = {
        "structure": structure,
        "required_info_label": REQUIRED_INFO_LABELS[structure.required_info],
        "services": structure.services.all(),
    }
    return render(request, "annuaire/detail.html", context)


def _csv_rows(qs: QuerySet[Structure]) -> Iterator[list[str]]:
    rows = (
        qs.annotate(active=FilteredRelation("services", condition=_active_service_q("services__")))
        .order_by("name", "pk", "active__code")
        .values_list(
            "identifier",
            "name",
            "active__code",
            "active__label",
            "active__ej_required",
            "ej_required",
            "service_code_required",
        )
    )
    for siret, name, code, label, service_ej, structure_ej, code_required in rows.iterator(
        chunk_size=2000
    ):
        ej = "Oui" if structure_ej or service_ej else "Non"
        yield [siret, name, code or "", label or "", ej, "Oui" if code_required else "Non"]


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            "Recherche invalide : " + " ".join(form.errors.get("q", [])),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        csv_lines(CSV_HEADER, _csv_rows(directory_structure_list(query=form.cleaned_data["q"]))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="annuaire-structures-publiques.csv"'
    return response
