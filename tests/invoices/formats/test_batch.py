"""A large batch is validated on every core with the same verdicts as one file at a time."""

import pytest

from invoices.formats import validate
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
