"""`manage.py import_sirene PATH`: load INSEE's StockEtablissement file into the local register.

1. PATH is read as a stream (.csv, .csv.gz, or the first .csv inside a .zip; nothing is extracted
   to disk), row by row with the csv module, so memory stays flat whatever the file size (~40 M
   rows for the national stock).
2. Rows are upserted into CompanyRecord by batches (bulk_create … update_conflicts on siret), each
   batch in its own transaction.
3. After each committed batch the number of data rows consumed is written to a checkpoint file
   (PATH.checkpoint.json, or --checkpoint). `--resume` skips that many rows. A crash between a
   commit and the checkpoint write only replays one batch: harmless, the upsert is idempotent.
4. Rows whose SIRET fails the length or Luhn check are skipped and counted.

`--unites-legales PATH` (StockUniteLegale) is loaded first into a dict SIREN → (name, category),
keeping only those two columns: about 150–200 bytes per legal unit, i.e. roughly 4–5 GB for the
full national stock (~28 M units). Use a departmental extract, or run without it, on small machines.
"""

import csv
import gzip
import io
import json
import os
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from stdnum.fr import siret as fr_siret
from tqdm import tqdm

from structures.choices import CompanyCategory
from structures.models import CompanyRecord

DEFAULT_BATCH_SIZE = 5000
UPDATE_FIELDS = [
    "name",
    "address",
    "postal_code",
    "city",
    "naf_code",
    "category",
    "is_active",
    "updated_on",
]
# INSEE abbreviations of typeVoieEtablissement, spelled out for readable addresses.
STREET_TYPES = {
    "ALL": "ALLEE",
    "AV": "AVENUE",
    "BD": "BOULEVARD",
    "CHE": "CHEMIN",
    "CRS": "COURS",
    "IMP": "IMPASSE",
    "PL": "PLACE",
    "QUA": "QUAI",
    "RTE": "ROUTE",
    "SQ": "SQUARE",
}
NOT_DIFFUSIBLE = "[ND]"
_CATEGORIES = {c.value: c.value for c in CompanyCategory}


@dataclass
class Counts:
    read: int = 0
    imported: int = 0
    skipped: int = 0


@contextmanager
def open_csv_text(path: Path) -> Iterator[io.TextIOBase]:
    """A text stream over a .csv, .csv.gz or .zip file (first .csv member), decoded as UTF-8."""
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
            if not members:
                raise CommandError(f"L'archive « {path} » ne contient aucun fichier .csv.")
            with archive.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    elif name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as stream:
            yield stream
    else:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            yield stream


def _value(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index].strip()
    return "" if value == NOT_DIFFUSIBLE else value


def load_legal_units(path: Path) -> dict[str, tuple[str, str]]:
    """SIREN → (denomination, category) from StockUniteLegale, only those two columns kept."""
    units: dict[str, tuple[str, str]] = {}
    with open_csv_text(path) as stream:
        reader = csv.reader(stream)
        header = next(reader, [])
        col = {name: i for i, name in enumerate(header)}
        if "siren" not in col:
            raise CommandError(f"Colonne « siren » absente du fichier des unités légales {path}.")
        siren_i, name_i = col["siren"], col.get("denominationUniteLegale")
        category_i = col.get("categorieEntreprise")
        for row in reader:
            name, category = _value(row, name_i), _value(row, category_i)
            if name or category:
                units[_value(row, siren_i)] = (name, _CATEGORIES.get(category, ""))
    return units


class RowMapper:
    """Turns a StockEtablissement row into a CompanyRecord, or None when the SIRET is invalid."""

    def __init__(self, header: list[str], units: dict[str, tuple[str, str]]) -> None:
        self.col = {name: i for i, name in enumerate(header)}
        if "siret" not in self.col and not {"siren", "nic"} <= self.col.keys():
            raise CommandError(
                "En-tête SIRENE invalide : il faut la colonne « siret » "
                "(ou « siren » et « nic ») ; "
                f"colonnes trouvées : {', '.join(header[:8]) or 'aucune'}."
            )
        self.units = units

    def get(self, row: list[str], column: str) -> str:
        return _value(row, self.col.get(column))

    def __call__(self, row: list[str]) -> CompanyRecord | None:
        siret = self.get(row, "siret") or self.get(row, "siren") + self.get(row, "nic")
        if not fr_siret.is_valid(siret) or len(siret) != 14:
            return None
        unit_name, category = self.units.get(siret[:9], ("", ""))
        street_type = self.get(row, "typeVoieEtablissement")
        address = " ".join(
            part
            for part in (
                self.get(row, "numeroVoieEtablissement"),
                STREET_TYPES.get(street_type, street_type),
                self.get(row, "libelleVoieEtablissement"),
            )
            if part
        )
        updated = self.get(row, "dateDernierTraitementEtablissement")[:10]
        return CompanyRecord(
            siret=siret,
            name=(
                unit_name
                or self.get(row, "denominationUsuelleEtablissement")
                or self.get(row, "enseigne1Etablissement")
                or f"Établissement {siret}"
            )[:255],
            address=address[:255],
            postal_code=self.get(row, "codePostalEtablissement")[:10],
            city=self.get(row, "libelleCommuneEtablissement")[:120],
            naf_code=self.get(row, "activitePrincipaleEtablissement")[:10],
            category=category,
            is_active=self.get(row, "etatAdministratifEtablissement") != "F",
            updated_on=updated if len(updated) == 10 else None,
        )


def flush_batch(records: list[CompanyRecord]) -> int:
    """Upsert one batch in its own transaction; a SIRET seen twice in a batch keeps its last row."""
    unique = list({record.siret: record for record in records}.values())
    with transaction.atomic():
        CompanyRecord.objects.bulk_create(
            unique, update_conflicts=True, unique_fields=["siret"], update_fields=UPDATE_FIELDS
        )
    return len(unique)


class Checkpoint:
    """Rows consumed so far, tied to the input file's size so a different file is not resumed."""

    def __init__(self, path: Path, source: Path) -> None:
        self.path, self.source_size = path, source.stat().st_size

    def read(self) -> int:
        if not self.path.exists():
            return 0
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("size") != self.source_size:
            raise CommandError(
                f"Le point de reprise {self.path} a été écrit pour un autre fichier "
                "(taille différente) : supprimez-le ou relancez sans --resume."
            )
        return int(data["rows_done"])

    def write(self, rows_done: int) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"size": self.source_size, "rows_done": rows_done}))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class Command(BaseCommand):
    help = (
        "Importe le fichier SIRENE StockEtablissement (.csv, .csv.gz ou .zip) dans le répertoire "
        "local des établissements, par lots, avec reprise possible (--resume)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Fichier StockEtablissement")
        parser.add_argument(
            "--unites-legales",
            type=Path,
            dest="units",
            help="Fichier StockUniteLegale : dénominations et catégories par SIREN "
            "(chargé en mémoire : ~4-5 Go pour le stock national complet)",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument("--resume", action="store_true", help="Reprendre après le dernier lot")
        parser.add_argument("--checkpoint", type=Path, help="Fichier du point de reprise")
        parser.add_argument("--limit", type=int, help="Lire au plus N lignes (reprenable ensuite)")
        parser.add_argument("--quiet", action="store_true", help="Sans barre de progression")

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size doit être un entier positif.")
        checkpoint = Checkpoint(
            options["checkpoint"] or path.with_name(path.name + ".checkpoint.json"), path
        )
        start = checkpoint.read() if options["resume"] else 0
        if start:
            self.stdout.write(
                f"Reprise après la ligne {start} (point de reprise {checkpoint.path})."
            )
        units = load_legal_units(options["units"]) if options["units"] else {}
        progress = tqdm(
            unit=" lignes",
            initial=start,
            file=sys.stderr,
            disable=options["quiet"] or not sys.stderr.isatty(),
        )
        with progress, open_csv_text(path) as stream:
            counts, finished = self._import(stream, units, checkpoint, start, options, progress)
        if finished:
            checkpoint.clear()
        self.stdout.write(
            f"Lignes lues : {counts.read} — importées : {counts.imported} — "
            f"ignorées (SIRET invalide) : {counts.skipped}."
        )
        if not finished:
            self.stdout.write("Import interrompu (--limit) : relancez avec --resume pour finir.")

    def _import(self, stream, units, checkpoint, start, options, progress) -> tuple[Counts, bool]:
        reader = csv.reader(stream)
        mapper = RowMapper(next(reader, []), units)
        counts, batch, done = Counts(), [], start
        limit = options["limit"]
        for _ in zip(range(start), reader, strict=False):  # rows already committed
            pass
        for row in reader:
            if limit is not None and counts.read >= limit:
                break
            counts.read += 1
            done += 1
            record = mapper(row)
            if record is None:
                counts.skipped += 1
            else:
                batch.append(record)
            if len(batch) >= options["batch_size"]:
                counts.imported += self._commit(batch, checkpoint, done, progress)
        else:
            counts.imported += self._commit(batch, checkpoint, done, progress)
            return counts, True
        counts.imported += self._commit(batch, checkpoint, done, progress)
        return counts, False

    def _commit(self, batch, checkpoint, done, progress) -> int:
        imported = flush_batch(batch) if batch else 0
        checkpoint.write(done)
        progress.update(done - progress.n)
        batch.clear()
        return imported
