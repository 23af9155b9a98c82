import csv
import gzip
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from structures.management.commands import import_sirene
from structures.models import CompanyRecord
from tests.factories import CompanyRecordFactory, _luhn_siret

pytestmark = pytest.mark.django_db

HEADER = [
    "siren",
    "nic",
    "siret",
    "etatAdministratifEtablissement",
    "denominationUsuelleEtablissement",
    "enseigne1Etablissement",
    "numeroVoieEtablissement",
    "typeVoieEtablissement",
    "libelleVoieEtablissement",
    "codePostalEtablissement",
    "libelleCommuneEtablissement",
    "activitePrincipaleEtablissement",
    "dateDernierTraitementEtablissement",
    "trancheEffectifsEtablissement",
]
CAVIMAC = "43001912500029"


def _row(siret: str, *, state="A", usual="", sign="", city="MONTREUIL") -> list[str]:
    return [
        siret[:9], siret[9:], siret, state, usual, sign, "9", "RUE", "DE ROSNY", "93100", city,
        "65.12Z", "2024-03-04T10:12:33", "12",
    ]  # fmt: skip


def _write(path, rows, header=HEADER) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    elif path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("StockEtablissement_utf8.csv", data)
    else:
        path.write_bytes(data)


def _run(*args) -> str:
    out = io.StringIO()
    call_command("import_sirene", *map(str, args), "--quiet", stdout=out)
    return out.getvalue()


def _valid_rows(n: int, offset: int = 0) -> list[list[str]]:
    return [_row(_luhn_siret(offset + i), usual=f"Société {offset + i}") for i in range(n)]


@pytest.mark.parametrize("name", ["stock.csv", "stock.csv.gz", "stock.zip"])
def test_import_reads_plain_gzip_and_zip_files(tmp_path, name):
    path = tmp_path / name
    _write(path, [_row(CAVIMAC, usual="CAVIMAC"), *_valid_rows(3)])
    output = _run(path)
    assert "Lignes lues : 4 — importées : 4 — ignorées (SIRET invalide) : 0." in output
    record = CompanyRecord.objects.get(siret=CAVIMAC)
    assert record.name == "CAVIMAC"
    assert record.address == "9 RUE DE ROSNY"
    assert (record.postal_code, record.city, record.naf_code) == ("93100", "MONTREUIL", "65.12Z")
    assert str(record.updated_on) == "2024-03-04"
    assert record.is_active


def test_import_skips_and_counts_rows_with_invalid_siret(tmp_path):
    path = tmp_path / "stock.csv"
    bad_key = "20006905200175"
    _write(path, [_row(bad_key), _row("123"), _row("ABCDEFGHIJKLMN"), *_valid_rows(2)])
    output = _run(path)
    assert "Lignes lues : 5 — importées : 2 — ignorées (SIRET invalide) : 3." in output
    assert not CompanyRecord.objects.filter(siret=bad_key).exists()
    assert CompanyRecord.objects.count() == 2


def test_import_name_fallbacks_and_closed_establishments(tmp_path):
    a, b, c = _luhn_siret(1), _luhn_siret(2), _luhn_siret(3)
    path = tmp_path / "stock.csv"
    _write(
        path,
        [_row(a, usual="Usuel", sign="Enseigne"), _row(b, sign="Enseigne"), _row(c, state="F")],
    )
    _run(path)
    names = dict(CompanyRecord.objects.values_list("siret", "name"))
    assert names == {a: "Usuel", b: "Enseigne", c: f"Établissement {c}"}
    assert not CompanyRecord.objects.get(siret=c).is_active


def test_import_uses_legal_units_for_names_and_categories(tmp_path):
    units = tmp_path / "StockUniteLegale.csv.gz"
    _write(
        units,
        [["430019125", "CAISSE D'ASSURANCE VIEILLESSE INVALIDITE ET MALADIE DES CULTES", "ETI"]],
        header=["siren", "denominationUniteLegale", "categorieEntreprise"],
    )
    path = tmp_path / "stock.csv"
    _write(path, [_row(CAVIMAC, usual="CAVIMAC")])
    _run(path, "--unites-legales", units)
    record = CompanyRecord.objects.get(siret=CAVIMAC)
    assert record.name.startswith("CAISSE D'ASSURANCE")
    assert record.category == "ETI"


def test_import_updates_existing_records_without_duplicates(tmp_path):
    CompanyRecordFactory(siret=CAVIMAC, name="Ancien nom", city="PARIS")
    path = tmp_path / "stock.csv"
    _write(path, [_row(CAVIMAC, usual="Nouveau nom"), _row(CAVIMAC, usual="Nouveau nom")])
    _run(path)
    _run(path)
    record = CompanyRecord.objects.get(siret=CAVIMAC)
    assert (record.name, record.city) == ("Nouveau nom", "MONTREUIL")
    assert CompanyRecord.objects.count() == 1


def test_resume_after_a_crash_restarts_after_the_last_committed_batch(tmp_path, monkeypatch):
    path = tmp_path / "stock.csv"
    _write(path, _valid_rows(5))
    real_flush, calls = import_sirene.flush_batch, []

    def flaky_flush(records):
        calls.append([r.siret for r in records])
        if len(calls) == 2:
            raise RuntimeError("coupure simulée")
        return real_flush(records)

    monkeypatch.setattr(import_sirene, "flush_batch", flaky_flush)
    with pytest.raises(RuntimeError):
        _run(path, "--batch-size", 2)
    checkpoint = tmp_path / "stock.csv.checkpoint.json"
    assert json.loads(checkpoint.read_text())["rows_done"] == 2
    assert CompanyRecord.objects.count() == 2

    calls.clear()
    monkeypatch.setattr(import_sirene, "flush_batch", real_flush)
    output = _run(path, "--batch-size", 2, "--resume")
    assert "Reprise après la ligne 2" in output
    assert "Lignes lues : 3 — importées : 3" in output
    assert CompanyRecord.objects.count() == 5
    assert not checkpoint.exists()


def test_limit_then_resume_with_explicit_checkpoint_path(tmp_path):
    path = tmp_path / "stock.csv.gz"
    checkpoint = tmp_path / "reprise.json"
    _write(path, [*_valid_rows(3), _row("20006905200175"), *_valid_rows(3, offset=10)])
    first = _run(path, "--limit", 4, "--checkpoint", checkpoint, "--batch-size", 2)
    assert "Lignes lues : 4 — importées : 3 — ignorées (SIRET invalide) : 1." in first
    assert "--resume" in first
    second = _run(path, "--resume", "--checkpoint", checkpoint, "--batch-size", 2)
    assert "Lignes lues : 3 — importées : 3" in second
    assert CompanyRecord.objects.count() == 6
    assert not checkpoint.exists()


def test_resume_refuses_a_checkpoint_written_for_another_file(tmp_path):
    path = tmp_path / "stock.csv"
    _write(path, _valid_rows(2))
    (tmp_path / "stock.csv.checkpoint.json").write_text(json.dumps({"size": 1, "rows_done": 1}))
    with pytest.raises(CommandError, match="autre fichier"):
        _run(path, "--resume")


def test_import_refuses_a_file_without_siret_column(tmp_path):
    path = tmp_path / "autre.csv"
    _write(path, [["x", "y"]], header=["nom", "ville"])
    with pytest.raises(CommandError, match="colonne « siret »"):
        _run(path)


def test_import_refuses_a_missing_file_and_an_empty_zip(tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        _run(tmp_path / "absent.csv")
    empty = tmp_path / "vide.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("lisezmoi.txt", "rien")
    with pytest.raises(CommandError, match=r"aucun fichier \.csv"):
        _run(empty)
