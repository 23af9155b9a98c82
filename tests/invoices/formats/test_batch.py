"""A large batch, and the CEN patterns of a large file, are validated on every core with the
same verdicts as one file at a time on one core (issue 16)."""

import pytest

from invoices.formats import validate
from invoices.formats.schematron import (
    CEN_CII_SCHEMATRON,
    UBL_SCHEMATRON,
    pattern_halves,
    pattern_modes,
    run_schematron,
)
from invoices.formats.validate import POOL_MIN_FILES, validate_content, validate_contents
from tests.fixtures import SAMPLES

FILES = [
    "ubl/cen-ubl-tc434-example1.xml",
    "cii/cen-CII_example5.xml",
    "facturx/mustang-Facture_F20180027.pdf",
    "invalid/mustang-corruptedV2PDF.pdf",
    "invalid/fnfe-fail-Facture_FR_EN16931.pdf",
]


def _comparable(result):
    report, data = result
    body = report.as_json()
    body.pop("duration_ms")
    return body, data


@pytest.fixture
def pool(settings):
    settings.CHORUS_VALIDATION_WORKERS = 2
    yield
    validate.pool_shutdown()


def test_a_large_batch_in_the_pool_gives_the_verdicts_of_one_file_at_a_time(pool):
    files = [((SAMPLES / name).read_bytes(), name) for name in FILES] * 4
    assert len(files) >= POOL_MIN_FILES
    batch = validate_contents(files)
    assert validate._pool is not None  # it really ran in worker processes
    serial = [validate_content(data, name) for data, name in files]
    assert [_comparable(r) for r in batch] == [_comparable(r) for r in serial]
    assert [r.filename for r, _ in batch] == [name for _, name in files]


def test_a_small_batch_stays_in_the_calling_process(pool):
    files = [((SAMPLES / name).read_bytes(), name) for name in FILES]
    validate_contents(files)
    assert validate._pool is None


def test_without_worker_processes_the_batch_is_validated_here(pool, monkeypatch):
    def no_processes(workers):
        raise OSError("no process allowed")

    monkeypatch.setattr(validate, "_process_pool", no_processes)
    files = [((SAMPLES / name).read_bytes(), name) for name in FILES] * 4
    batch = validate_contents(files)
    assert [_comparable(r) for r in batch] == [
        _comparable(validate_content(data, name)) for data, name in files
    ]


# --- one large file: its CEN patterns shared with a pool worker ---------------------------------
UBL = "ubl/cen-ubl-tc434-example1.xml"


def _faulty_ubl() -> bytes:
    """A CEN example with a fault for each of the three UBL patterns: a total that is not the sum
    of the lines (model), a UUID (syntax), an unknown currency code (code lists)."""
    xml = (SAMPLES / UBL).read_text(encoding="utf-8")
    xml = xml.replace(
        '<cbc:LineExtensionAmount currencyID="EUR">',
        '<cbc:LineExtensionAmount currencyID="EUR">1',
        1,
    )
    xml = xml.replace(
        "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
        "<cbc:DocumentCurrencyCode>EUX</cbc:DocumentCurrencyCode><cbc:UUID>1</cbc:UUID>",
        1,
    )
    return xml.encode("utf-8")


@pytest.fixture
def two_cores(pool, monkeypatch):
    monkeypatch.setattr(validate, "SPLIT_MIN_BYTES", 1_000)  # these samples count as large


def test_the_halves_of_a_cen_stylesheet_give_the_rows_of_the_whole():
    for relative in (UBL_SCHEMATRON, CEN_CII_SCHEMATRON):
        assert len(pattern_modes(relative)) == 3
        first, second = pattern_halves(relative)
        assert first
        assert second
        assert first + second == pattern_modes(relative)
    data = _faulty_ubl()
    whole = run_schematron(UBL_SCHEMATRON, data)
    first, second = pattern_halves(UBL_SCHEMATRON)
    halves = run_schematron(UBL_SCHEMATRON, data, modes=first) + run_schematron(
        UBL_SCHEMATRON, data, modes=second
    )
    assert halves == whole
    ids = {row["id"] for row in whole}
    assert {"BR-CO-10", "UBL-CR-005", "BR-CL-04"} <= ids  # one rule of each pattern
    assert run_schematron(UBL_SCHEMATRON, data, modes=first) != whole


@pytest.mark.parametrize(
    "name", [UBL, "invalid/fnfe-fail-Facture_FR_EN16931.pdf", "cii/cen-CII_example5.xml"]
)
def test_a_large_file_shared_with_a_worker_gets_the_findings_of_one_core(two_cores, name):
    data = (SAMPLES / name).read_bytes() if name != UBL else _faulty_ubl()
    shared = validate_content(data, name)
    assert validate._pool is not None  # the second half really ran in a worker process
    validate.pool_shutdown()
    validate.SPLIT_MIN_BYTES = 10**9
    alone = validate_content(data, name)
    assert validate._pool is None
    assert _comparable(shared) == _comparable(alone)


def test_a_worker_that_fails_leaves_its_patterns_to_the_calling_process(two_cores, monkeypatch):
    class Failed:
        def result(self):
            raise OSError("worker killed")

    class Pool:
        def submit(self, *args):
            return Failed()

        def shutdown(self, **kwargs):
            pass

    monkeypatch.setattr(validate, "_process_pool", lambda workers: Pool())
    data = _faulty_ubl()
    shared = validate_content(data, UBL)
    monkeypatch.setattr(validate, "SPLIT_MIN_BYTES", 10**9)
    assert _comparable(shared) == _comparable(validate_content(data, UBL))
    assert {"BR-CO-10", "UBL-CR-005", "BR-CL-04"} <= shared[0].rule_ids()


def test_no_pool_at_all_validates_a_large_file_here(two_cores, monkeypatch):
    def no_processes(workers):
        raise OSError("no process allowed")

    monkeypatch.setattr(validate, "_process_pool", no_processes)
    report, _ = validate_content(_faulty_ubl(), UBL)
    assert {"BR-CO-10", "UBL-CR-005", "BR-CL-04"} <= report.rule_ids()
