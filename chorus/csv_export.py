"""The one CSV writer of every export (portal lists, public directory, API directory file,
integrator request log).

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@` (or a tab / carriage return before
one of them) as a formula: a supplier's structure name `=HYPERLINK(...)` would run in the State's
spreadsheet (CSV injection, OWASP). Every text cell that could start a formula is prefixed with an
apostrophe, which spreadsheets show as text; plain numbers (`-12,50`, a credit note's total) are
left as they are, since a number cannot be a formula.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
BOM = "\ufeff"


def csv_cell(value: Any) -> str:
    """The text of one cell, neutralised if a spreadsheet could read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if _NUMBER.fullmatch(text):
        return text
    # « =1+1 » but also « \t=1+1 » or «  =1+1 »: some spreadsheets trim the leading blanks.
    if text[:1] in FORMULA_PREFIXES or text.lstrip()[:1] in FORMULA_PREFIXES:
        return "'" + text
    return text


class _Line:
    """csv.writer target that hands each formatted line back instead of buffering it."""

    def write(self, value: str) -> str:
        return value


class CsvWriter:
    """`;`-separated by default (French spreadsheets); each row is returned as its text line."""

    def __init__(self, *, delimiter: str = ";", lineterminator: str = "\r\n") -> None:
        self._writer = csv.writer(_Line(), delimiter=delimiter, lineterminator=lineterminator)

    def row(self, cells: Iterable[Any]) -> str:
        return self._writer.writerow([csv_cell(cell) for cell in cells])


class csv_writer:
    """Drop-in for `csv.writer(file, ...)` whose rows are neutralised cell by cell."""

    def __init__(self, file: Any, **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, cells: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(cell) for cell in cells])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(
    header: Iterable[str],
    rows: Iterable[Iterable[Any]],
    *,
    bom: bool = True,
    delimiter: str = ";",
    lineterminator: str = "\r\n",
) -> Iterator[str]:
    """Header then rows, line by line (for StreamingHttpResponse); UTF-8 BOM first by default so
    that spreadsheets read the accents."""
    writer = CsvWriter(delimiter=delimiter, lineterminator=lineterminator)
    yield (BOM if bom else "") + writer.row(header)
    for row in rows:
        yield writer.row(row)


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]], **options: Any) -> str:
    """The whole file as one string (small exports, files put in a ZIP)."""
    return "".join(csv_lines(header, rows, **options))
