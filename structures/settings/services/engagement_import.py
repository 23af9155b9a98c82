"""CSV import of legal commitments, and the CSV template."""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from chorus.exceptions import ChorusError
from structures.models import (
    EngagementJuridique,
    Structure,
)
from structures.services.common import structure_log
from structures.settings.services.engagements import _check_amount, _check_number, _check_siret
from structures.settings.services.guards import CSV_COLUMNS, CSV_MAX_ROWS, _locked_public

# --- CSV import of engagements ---------------------------------------------------------------


class EngagementImportError(ChorusError):
    """The file was refused: `errors` holds one French message per faulty line and column."""

    def __init__(self, errors: list[str]) -> None:
        count = len(errors)
        super().__init__(
            f"Import refusé : {count} erreur{'s' if count > 1 else ''} dans le fichier ; aucun "
            "engagement n'a été importé. Corrigez le fichier puis importez-le de nouveau.",
            field="file",
            code="import_invalid",
        )
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    numbers: list[str] = field(default_factory=list)


def _parse_date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value) or re.fullmatch(
        r"(\d{2})/(\d{2})/(\d{4})", value
    )
    if match:
        parts = [int(part) for part in match.groups()]
        year, month, day = parts if "-" in value else reversed(parts)
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    raise ValueError(
        f"« {value} » n'est pas une date valide (formats acceptés : AAAA-MM-JJ ou JJ/MM/AAAA)"
    )


def _parse_amount(value: str) -> Decimal | None:
    compact = "".join(value.split()).replace("\u202f", "").replace(",", ".")
    if not compact:
        return None
    try:
        amount = Decimal(compact)
    except InvalidOperation:
        raise ValueError(f"« {value.strip()} » n'est pas un montant (exemple : 1234,56)") from None
    if not amount.is_finite():
        raise ValueError(f"« {value.strip()} » n'est pas un montant (exemple : 1234,56)")
    return amount


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EngagementImportError(
            [
                "Fichier : l'encodage n'est pas UTF-8. Enregistrez le fichier en « CSV UTF-8 » "
                "puis importez-le de nouveau."
            ]
        ) from None


def _parse_row(
    structure: Structure, line: int, cells: dict[str, str], seen: dict[str, int]
) -> tuple[dict, list[str]]:
    """One data line: the parsed values and, per faulty column, a French message."""
    row: dict = {"line": line}
    errors: list[str] = []

    def fail(column: str, message: str) -> None:
        errors.append(f"Ligne {line}, colonne {column} : {message}")

    try:
        row["number"] = _check_number(structure, cells.get("numero", ""), label="numéro")
    except ChorusError as exc:
        fail("numero", exc.message.split(" : ", 1)[1])
    else:
        if row["number"] in seen:
            fail(
                "numero",
                f"le numéro « {row['number']} » figure déjà ligne {seen[row['number']]}.",
            )
        seen.setdefault(row["number"], line)
    try:
        row["supplier_siret"] = _check_siret(cells.get("siret_fournisseur", ""))
    except ChorusError as exc:
        fail("siret_fournisseur", exc.message.split(" : ", 1)[1])
    try:
        row["amount"] = _check_amount(_parse_amount(cells.get("montant", "")))
    except ValueError as exc:
        fail("montant", f"{exc}.")
    except ChorusError as exc:
        fail("montant", exc.message.split(" : ", 1)[1])
    for column, key in (("debut_validite", "valid_from"), ("fin_validite", "valid_until")):
        try:
            row[key] = _parse_date(cells.get(column, ""))
        except ValueError as exc:
            fail(column, f"{exc}.")
    if row.get("valid_from") and row.get("valid_until") and row["valid_from"] > row["valid_until"]:
        fail("fin_validite", "la fin de validité précède le début de validité.")
    return row, errors


def _parse_rows(structure: Structure, text: str) -> tuple[list[dict], list[str]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return [], ["Fichier : le fichier est vide."]
    delimiter = ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[dict] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    data_lines = 0
    numbered: list[tuple[int, list[str]]] = []
    try:
        for raw in reader:
            numbered.append((reader.line_num, raw))
    except csv.Error as exc:
        return [], [f"Fichier : ligne {reader.line_num + 1} illisible ({exc})."]
    for line, raw in numbered:
        if not any(cell.strip() for cell in raw):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in raw]
            missing = [name for name in CSV_COLUMNS if name not in header]
            if missing:
                return [], [
                    f"Ligne {line} (en-tête) : colonne{'s' if len(missing) > 1 else ''} "
                    f"manquante{'s' if len(missing) > 1 else ''} : {', '.join(missing)}. "
                    f"L'en-tête attendu est : {';'.join(CSV_COLUMNS)}."
                ]
            continue
        data_lines += 1
        if data_lines > CSV_MAX_ROWS:
            return [], [f"Fichier : {CSV_MAX_ROWS} lignes au maximum par import."]
        if len(raw) > len(header):
            errors.append(
                f"Ligne {line} : {len(raw)} valeurs pour {len(header)} colonnes (vérifiez le "
                f"séparateur « {delimiter} » et les guillemets autour des montants)."
            )
            continue
        cells = dict(zip(header, [cell.strip() for cell in raw], strict=False))
        row, line_errors = _parse_row(structure, line, cells, seen)
        errors.extend(line_errors)
        if not line_errors:
            rows.append(row)
    if header is None:
        return [], ["Fichier : le fichier est vide."]
    if not rows and not errors:
        errors.append("Fichier : aucune ligne d'engagement sous l'en-tête.")
    return rows, errors


def engagement_import_csv(*, structure: Structure, by, content: bytes) -> ImportResult:
    """Validate every line, then upsert by number — or import nothing and report each error."""
    text = _decode(content)
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        rows, errors = _parse_rows(structure, text)
        if errors:
            raise EngagementImportError(errors)
        existing = {e.number: e for e in structure.engagements.select_for_update()}
        result = ImportResult()
        fields = ("supplier_siret", "amount", "valid_from", "valid_until")
        for row in rows:
            engagement = existing.get(row["number"])
            if engagement is None:
                EngagementJuridique.objects.create(
                    structure=structure,
                    number=row["number"],
                    **{name: row[name] for name in fields},
                )
                result.created += 1
            else:
                for name in fields:
                    setattr(engagement, name, row[name])
                engagement.save(update_fields=list(fields))
                result.updated += 1
            result.numbers.append(row["number"])
        structure_log(
            structure=structure,
            action="chorus.structure.engagements_imported",
            actor=by,
            message=(
                f"Import CSV d'engagements juridiques : {result.created} créé(s), "
                f"{result.updated} mis à jour."
            ),
            data={"created": result.created, "updated": result.updated},
        )
    return result


def engagement_csv_template() -> str:
    """The model file offered for download (semicolon, French-style amounts and dates)."""
    return (
        ";".join(CSV_COLUMNS)
        + "\r\n"
        + "20241234;73282932000074;15000,00;2024-01-01;2024-12-31\r\n"
        + "20241235;;2500,50;01/02/2024;\r\n"
    )
