"""`make bench` report: verdicts against the issue 9 targets, the table and chart, kept analysis."""

import datetime

from bench import report
from bench.scenarios import percentile


def results(*, deposit_rps=300.0, deposit_p95=40.0, e2e=150.0, list_p95=20.0, q1=3, q50=3):
    started = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC)
    wrk = {"rps": 400.0, "p50": 10.0, "p95": list_p95, "errors": 0}
    return {
        "mode": "complet",
        "started": started,
        "finished": started + datetime.timedelta(minutes=12),
        "invoices": 1_000_000,
        "load_seconds": 90.0,
        "machine": {"nproc": "2", "python": "3.12.1"},
        "ping": {"rps": 1000.0, "p50": 3.0, "p95": 5.0, "errors": 0},
        "deposit": {"rps": deposit_rps, "p50": 20.0, "p95": deposit_p95, "errors": 0},
        "e2e": {"invoices": 500, "per_s": e2e, "wall_per_s": e2e * 0.8},
        "noop": {"drain_per_s": 700.0, "round_trip_ms": 2.0},
        "lists": {
            "issued": {
                "rows": 100_000, "first": wrk, "deep": wrk, "queries_1": q1, "queries_50": q50,
            }
        },
        "pgbench": {"tps": 6000.0, "latency_ms": 1.2},
        "inprocess": {
            "pdf_bare": {"median": 100.0, "p95": 110.0},
            "pdf_app": {"median": 110.0, "p95": 120.0},
            "pdf_bytes": 45_000,
            "upload": {"median": 0.2, "p95": 0.3},
            "upload_bare": {"median": 0.1, "p95": 0.1},
            "validation": {"UBL": {"n": 3, "median": 5.0, "p95": 6.0, "parse_median": 0.1}},
        },
    }  # fmt: skip


def verdicts(gates):
    return {(g["id"], g["label"][:20]): g["met"] for g in gates}


def test_percentile_is_nearest_rank():
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7.0], 95) == 7.0


def test_every_target_met_when_the_figures_are_within_the_issue_targets():
    gates = report.gates(results())
    assert [g for g in gates if g["met"] is False] == []
    assert {g["id"] for g in gates} >= {"P1", "P2", "P3", "P4", "P5", "P6", "P7"}


def test_deposit_below_a_quarter_of_the_minimal_view_is_missed():
    gates = report.gates(results(deposit_rps=200.0))  # 20 % of 1,000 req/s
    assert next(g for g in gates if g["id"] == "P1")["met"] is False


def test_deposit_p95_over_100_ms_is_missed():
    gates = report.gates(results(deposit_p95=101.0))
    assert next(g for g in gates if g["id"] == "P1")["met"] is False


def test_end_to_end_under_100_per_second_is_missed():
    gates = report.gates(results(e2e=99.0))
    assert next(g for g in gates if g["id"] == "P2")["met"] is False


def test_list_page_with_more_queries_for_50_rows_is_missed_even_when_fast():
    gates = report.gates(results(q1=3, q50=53))
    assert all(g["met"] is False for g in gates if g["id"] in ("P3", "P4"))


def test_report_writes_table_chart_and_keeps_the_hand_written_analysis(tmp_path):
    path = tmp_path / "benchmarks.md"
    report.write(results(), report.gates(results()), path)
    path.write_text(path.read_text() + "Constat : le hachage du mot de passe domine.\n")
    report.write(results(e2e=50.0), report.gates(results(e2e=50.0)), path)
    text = path.read_text()
    assert "| **P2**" in text
    assert "MANQUÉ" in text
    assert text.count(report.ANALYSIS_MARKER) == 1
    assert text.endswith("Constat : le hachage du mot de passe domine.\n")
    svg = (tmp_path / "benchmarks.svg").read_text()
    assert svg.startswith("<svg")
    assert "P2" in svg


def test_deposit_floors_are_reported_beside_p1_without_a_verdict():
    r = results()
    r["floor_insert"] = {"rps": 600.0, "p50": 5.0, "p95": 9.0, "errors": 0}
    r["floor_api"] = {"rps": 120.0, "p50": 30.0, "p95": 60.0, "errors": 0}
    floors = [g for g in report.gates(r) if g["label"].startswith("Plancher")]
    assert [(g["ratio"], g["met"]) for g in floors] == [("60.0%", None), ("12.0%", None)]
    assert all(g["budget"] is None for g in floors)  # not charted against a target
