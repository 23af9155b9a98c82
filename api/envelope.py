"""The Chorus Pro response envelope (`codeRetour`, `libelle`) and tolerant request reading.

Success is `codeRetour: 0`; the `libelle` depends on the API family (docs: chorus-pro.md §3).
"No result" answers 200 with code 20000; business errors answer 400 with their code.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import status
from rest_framework.response import Response

LIBELLE_TRANSVERSE = "TRA_MSG_00.000"
LIBELLE_DEPOT = "GCU_MSG_01_000"
LIBELLE_DEFAUT = "CODE PAR DEFAUT"
NO_RESULT_CODE = 20000
NO_RESULT_LIBELLE = "TRA_MSG_00.015 La recherche n'a retourné aucun résultat"


def ok(data: Mapping[str, Any] | None = None, *, libelle: str = LIBELLE_TRANSVERSE) -> Response:
    return Response({"codeRetour": 0, "libelle": libelle, **(data or {})})


def no_result(data: Mapping[str, Any] | None = None) -> Response:
    return Response({"codeRetour": NO_RESULT_CODE, "libelle": NO_RESULT_LIBELLE, **(data or {})})


def error(code: int | str, libelle: str, *, http_status: int = status.HTTP_400_BAD_REQUEST):
    return Response({"codeRetour": code, "libelle": libelle}, status=http_status)


def blank(value: Any) -> bool:
    """Zero, "", null or an empty list/object: what typed clients (Go) send for "no filter"
    on a search (chorus-pro.md §8.5). Booleans are values, never blank."""
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return True
        try:
            return float(text.replace(",", ".")) == 0
        except ValueError:
            return False
    if isinstance(value, list | tuple | Mapping):
        return len(value) == 0
    return False


class Body:
    """A JSON request body read case-insensitively (clients differ in key casing, §10.6)."""

    def __init__(self, data: Any) -> None:
        self._data = data if isinstance(data, Mapping) else {}
        self._lower = {str(k).lower(): v for k, v in self._data.items()}

    def get(self, key: str, default: Any = None) -> Any:
        value = self._lower.get(key.lower(), default)
        return default if value is None else value

    def filled(self, key: str) -> Any:
        """The value of a search filter, or None when blank (0, "", null, [], {})."""
        value = self.get(key)
        return None if blank(value) else value

    def sub(self, key: str) -> "Body":
        return Body(self.get(key, {}))

    def first(self, *keys: str, default: Any = None) -> Any:
        for key in keys:
            value = self.get(key)
            if value not in (None, ""):
                return value
        return default

    def int(self, key: str, default: int | None = None) -> int | None:
        value = self.get(key)
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    def raw(self) -> Mapping[str, Any]:
        return self._data


def page_params(body: Body, *, default_size: int = 10, max_size: int = 1000) -> tuple[int, int]:
    """`pageCourante` (from 1) and `nbResultatsParPage` of a Chorus `pagination` object."""
    pagination = body.sub("pagination")
    page = pagination.int("pageResultatDemandee") or pagination.int("pageCourante") or 1
    size = pagination.int("nbResultatsParPage") or default_size
    return max(page, 1), min(max(size, 1), max_size)


def page_info(*, page: int, size: int, total: int) -> dict[str, int]:
    pages = (total + size - 1) // size if total else 0
    return {"pageCourante": page, "pages": pages, "nbResultatsParPage": size, "total": total}
