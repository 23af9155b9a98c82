"""Validation speed (issue 16): a large legal UBL, and 500-invoice batches validated on every core.

Synthetic invoices from our own writers (no database): `python -m bench.validation` runs this part
alone; `make bench` and `make bench-short` include it. Reported: the large UBL's time (median of
three), batch throughput (invoices/s) and its ratio to the same files validated one at a time in
this process (target ≥ 1.6 on two cores; runs alternate, medians of five).
"""

import datetime
import io
import json
import os
import statistics
import sys
import time
import zipfile
from decimal import Decimal
from types import SimpleNamespace

LARGE_RUNS = 3  # the large UBL: median of three validations
BATCH_RUNS = 5  # each batch: median rate of five runs, in the pool and one file at a time

SUPPLIER = {
    "siret": "73282932000074",
    "name": "Fournisseur du banc",
    "address": "1 rue du Banc",
    "city": "Paris",
    "postal_code": "75001",
    "country": "FR",
    "vat_number": "FR40303265045",
}
RECIPIENT = {
    "siret": "21750001600019",
    "name": "Mairie du banc",
    "address": "2 place de la Mairie",
    "city": "Paris",
    "postal_code": "75004",
    "country": "FR",
}


def synthetic_invoice(*, lines: int, number: str = "BANC-1", designation_size: int = 40):
    """An invoice and its lines as plain objects, totals consistent (20 % VAT on every line)."""
    items = []
    for position in range(1, lines + 1):
        quantity, price = Decimal(position % 7 + 1), Decimal("12.50")
        items.append(
            SimpleNamespace(
                position=position,
                designation=f"Article {position} " + "x" * designation_size,
                quantity=quantity,
                unit_price=price,
                unit="U",
                vat_rate=Decimal("20.00"),
                exemption_reason="",
                line_net=quantity * price,
            )
        )
    net = sum(line.line_net for line in items)
    vat = (net * Decimal("0.2")).quantize(Decimal("0.01"))
    invoice = SimpleNamespace(
        type="FACTURE",
        cadre="A1_FACTURE_FOURNISSEUR",
        number=number,
        issue_date=datetime.date(2025, 3, 14),
        due_date=datetime.date(2025, 4, 13),
        comment="",
        currency="EUR",
        service_code="",
        ej_number="",
        credited_invoice=None,
        credited_invoice_id=None,
        supplier_snapshot=SUPPLIER,
        recipient_snapshot=RECIPIENT,
        recipient_siret=RECIPIENT["siret"],
        payment_mode="CHEQUE",
        vat_breakdown=[
            {"rate": "20.00", "taxable_amount": str(net), "tax_amount": str(vat), "category": "S"}
        ],
        total_net=net,
        total_vat=vat,
        total_gross=net + vat,
    )
    return invoice, items


def _zip(files: list[tuple[bytes, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for data, name in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def run(*, batch: int = 500, large_lines: int = 11_536) -> dict:
    from invoices.formats.cii_writer import build_cii
    from invoices.formats.schematron import warm_up
    from invoices.formats.ubl_writer import build_ubl
    from invoices.formats.validate import (
        POOL_MIN_FILES,
        pool_ready,
        validate_content,
        validate_contents,
        validate_document,
    )

    warm_up()
    pool_ready()  # every worker started and compiled before anything is timed
    out: dict = {}
    writers = {"UBL": (build_ubl, "u.xml"), "CII": (build_cii, "c.xml")}
    for flavour, (writer, suffix) in writers.items():
        files = []
        for index in range(batch):
            invoice, lines = synthetic_invoice(lines=5, number=f"BANC-{index}")
            files.append((writer(invoice, lines), f"{index}-{suffix}"))
        # The pool starts once per process (then kept): warm it and its stylesheets first.
        validate_contents(files[: 4 * POOL_MIN_FILES])
        for data, name in files[:50]:
            validate_content(data, name)
        # One file at a time = the same 500 files validated one after the other in this process;
        # runs alternate with the pool runs, so that a drift of the machine touches both.
        # Nothing is kept from one run to the next (500 retained reports made the collector of
        # this process, and so the one-at-a-time runs, slower).
        singles, rates, valid = [], [], 0
        for _ in range(BATCH_RUNS):
            started = time.perf_counter()
            for data, name in files:
                validate_content(data, name)
            singles.append((time.perf_counter() - started) / batch)
            started = time.perf_counter()
            results = validate_contents(files)
            rates.append(batch / (time.perf_counter() - started))
            valid = sum(1 for report, _ in results if report.valid)
            del results
        single = statistics.median(singles)
        per_second = statistics.median(rates)
        out[f"batch_{flavour}"] = {
            "invoices": batch,
            "zip_bytes": len(_zip(files)),
            "seconds": round(batch / per_second, 3),  # of the median run (BATCH_RUNS)
            "ratios": [round(rate * one, 2) for rate, one in zip(rates, singles, strict=True)],
            "invoices_per_s": round(per_second, 1),
            "single_file_ms": round(single * 1000, 2),  # median of BATCH_RUNS sequential runs
            "ratio": round(per_second * single, 2),  # batch rate / single-file rate
            "valid": valid,
        }
    # The large file last: its 9 MB documents leave the processes' heaps larger, which slowed
    # the one-file runs measured after it (and flattered the ratio).
    invoice, lines = synthetic_invoice(lines=large_lines, designation_size=220)
    large = build_ubl(invoice, lines)
    validate_document(large, "large.xml", check_routing=False)  # first call: caches, pool start
    runs = []
    for _ in range(LARGE_RUNS):
        started = time.perf_counter()
        report, _ = validate_document(large, "large.xml", check_routing=False)
        runs.append(time.perf_counter() - started)
    out["large_ubl"] = {
        "bytes": len(large),
        "lines": large_lines,
        "seconds": round(statistics.median(runs), 3),  # median of LARGE_RUNS
        "runs": [round(run, 3) for run in runs],
        "valid": report.valid,
        "findings": sorted(report.rule_ids()),
    }
    out["cores"] = os.cpu_count()
    return out


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.test")
    django.setup()
    from bench.report import validation_gates
    from invoices.formats.validate import pool_shutdown

    try:
        results = run(batch=500)  # the target is for 500 invoices (a few seconds), --short too
    finally:
        pool_shutdown()
    print(json.dumps(results, indent=2))
    for gate in validation_gates(results):
        print(
            f"{gate['id']} {gate['label']:<50} {gate['value']:<18} {gate['ratio']:<8} "
            f"{gate['verdict']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
