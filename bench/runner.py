"""`make bench` / `make bench-short`: start the production shape, load the data, measure, report.

    python -m bench             full run: 1 M invoices, writes docs/benchmarks.md, exit 1 on a miss
    python -m bench --short     CI: 10 k invoices, a few hundred requests, never enforces targets

The order matters: the HTTP loads (minimal view, deposits, list pages) run while no Celery worker
competes for the two cores, the deposits pile up in Redis, then the routing workers start and the
end-to-end rate is the drain of that backlog (deposit → MISE_A_DISPOSITION), beside the drain of
as many no-op tasks. In-process timings (PDF, validation) run last, with the workers stopped.
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import time

from bench.stack import BASE_DIR, Stack, wait_for
from bench.steps import (
    FULL,
    RECIPIENT_EMAIL,
    SHORT,
    SUPPLIER_EMAIL,
    Mode,
    _api_headers,
    _deposit_backlog,
    _deposit_template,
    _list_urls,
    _pdf_and_validation,
    _query_count,
    _session_cookie,
    _settled_count,
    log,
    machine,
    payload,
)


# The run ----------------------------------------------------------------------------------------
def run(mode: Mode) -> int:
    from bench import report, scenarios

    if shutil.which("wrk") is None:
        log("wrk est introuvable : apt-get install wrk (voir .ci/run).")
        return 2
    work_dir = BASE_DIR / "var" / "bench"
    work_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(work_dir)
    os.environ.update(stack.env())
    results: dict = {"mode": mode.name, "started": datetime.datetime.now().astimezone()}
    results["invoices"] = mode.invoices
    try:
        log(f"== banc ({mode.name}) : base {stack.database_url}, Redis {stack.redis_url}")
        stack.recreate_database()
        stack.start_redis()
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        call_command("load_demo", verbosity=0)
        client = Client()
        headers = _api_headers(client)
        template_id = _deposit_template(client, headers)
        log(f"== chargement de {mode.invoices:,} factures (copie côté serveur)")
        from bench.load import load_invoices

        results["load_seconds"] = load_invoices(
            template_id=template_id, count=mode.invoices, log=log
        )
        import redis

        redis.Redis.from_url(stack.redis_url).flushdb()
        results["machine"] = machine()
        workers = 2 * (os.cpu_count() or 1)
        url = stack.start_web(workers=workers)
        results["gunicorn_workers"] = workers
        duration = mode.http_seconds

        log("== limite HTTP : vue minimale (wrk c8)")
        scenarios.wrk(f"{url}/bench/ping", connections=8, duration=2, max_requests=2000)
        results["ping"] = scenarios.wrk(
            f"{url}/bench/ping", connections=8, duration=duration, max_requests=mode.http_max
        )
        log(f"   {results['ping']}")
        log("== limite PostgreSQL : INSERT d'une ligne par transaction (pgbench c8)")
        results["pgbench"] = scenarios.pgbench_inserts(
            work_dir=work_dir, clients=8, duration=mode.pgbench_seconds
        )
        log(f"   {results['pgbench']}")

        log("== P1 dépôt API soumettre (wrk c8)")
        body = work_dir / "deposit.json"
        body.write_text(json.dumps(payload("__NUMBER__")))
        api_env = {
            "BENCH_BODY": str(body),
            "BENCH_PREFIX": "P1",
            "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in _api_headers(client).items()),
        }
        results["deposit"] = scenarios.wrk(
            f"{url}/cpro/factures/v1/soumettre",
            connections=8,
            duration=mode.deposit_seconds,
            max_requests=mode.deposit_max,
            script="deposit.lua",
            env=api_env,
        )
        log("== planchers du dépôt : écriture brute, puis la même derrière la passerelle API")
        from django.db import connection

        from bench.urls import FLOOR_DDL

        with connection.cursor() as cursor:
            cursor.execute(FLOOR_DDL)
        for key, floor_path, prefix in (
            ("floor_insert", "bench/floor-insert", "FI"),
            ("floor_api", "cpro/bench/floor-api", "FA"),
        ):
            results[key] = scenarios.wrk(
                f"{url}/{floor_path}",
                connections=8,
                duration=mode.deposit_seconds,
                max_requests=mode.http_max,  # far faster than a deposit: the HTTP cap
                script="deposit.lua",
                env={**api_env, "BENCH_PREFIX": prefix},
            )
            log(f"   {key}: {results[key]}")
        from invoices.models import Invoice

        deposited = Invoice.objects.filter(number__startswith="P1-")
        results["deposit"]["stored"] = _settled_count(deposited)
        log(f"   {results['deposit']}")

        log("== P3/P4 pages de liste (wrk c4)")
        urls = _list_urls()
        results["lists"] = {}
        for side, email in (("issued", SUPPLIER_EMAIL), ("received", RECIPIENT_EMAIL)):
            cookie = _session_cookie(email)
            entry = {"rows": int(urls[side]["rows"])}
            for page in ("first", "deep"):
                entry[page] = scenarios.wrk(
                    f"{url}{urls[side][page]}",
                    connections=4,
                    duration=duration,
                    max_requests=mode.http_max,
                    env={"BENCH_HEADERS": f"Cookie: {cookie}"},
                )
            entry["queries_50"], entry["status_50"] = _query_count(email, urls[side]["first"])
            entry["queries_1"], entry["status_1"] = _query_count(email, urls[side]["one"])
            results["lists"][side] = entry
            log(f"   {side}: {entry}")
        stack.stop("gunicorn")

        log(f"== P2 stock de {mode.backlog} dépôts supplémentaires (API en process)")
        results["backlog_seconds"] = _deposit_backlog(client, mode.backlog)
        deposited = Invoice.objects.filter(number__regex=r"^P[12]-")
        log("== P2 de bout en bout : 2 processus Celery vident le stock de dépôts")
        expected = deposited.count()
        started = time.monotonic()
        stack.start_worker("routing", queues="celery", concurrency=2)
        wait_for(
            lambda: not deposited.exclude(status="MISE_A_DISPOSITION").exists(),
            timeout=max(120, expected / 20),
            what="acheminement des dépôts",
            every=0.5,
        )
        wall = time.monotonic() - started
        from django.db.models import Max, Min

        span = deposited.aggregate(first=Min("made_available_at"), last=Max("made_available_at"))
        steady = (span["last"] - span["first"]).total_seconds() if expected > 1 else 0
        results["e2e"] = {
            "invoices": expected,
            "wall_seconds": wall,
            "wall_per_s": expected / wall,
            "per_s": (expected - 1) / steady if steady else float("nan"),
        }
        log(f"   {results['e2e']}")
        client_redis = redis.Redis.from_url(stack.redis_url)
        wait_for(lambda: client_redis.llen("celery") == 0, timeout=300, what="file celery vide")

        log("== limite Celery : tâches no-op (mêmes 2 processus)")
        results["noop"] = scenarios.celery_noop(
            redis_url=stack.redis_url, count=mode.noops, round_trips=30, timeout=300
        )
        log(f"   {results['noop']}")
        stack.stop("routing")

        log("== P5 rendu PDF, P6 validation des dépôts (en process)")
        results["inprocess"] = _pdf_and_validation(template_id, mode)
        log(f"   {json.dumps(results['inprocess'], default=str)}")

        log("== P7 validation : UBL de 9 Mo, lots de factures sur tous les cœurs")
        from bench import validation
        from invoices.formats.validate import pool_shutdown

        try:
            results["validation_batch"] = validation.run(batch=500)  # the target is for 500
        finally:
            pool_shutdown()
        log(f"   {json.dumps(results['validation_batch'], default=str)}")
    finally:
        stack.stop_all()
        if not os.environ.get("BENCH_KEEP_DB"):  # 1 M rows: not left behind
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: S110 - Django may not be set up yet
                pass
            stack.drop_database()
    results["finished"] = datetime.datetime.now().astimezone()
    raw = work_dir / f"results-{mode.name}.json"
    raw.write_text(json.dumps(results, default=str, indent=1))
    gates = report.gates(results)
    report.write(results, gates, mode.report)
    log(f"== rapport : {mode.report}")
    for gate in gates:
        log(f"   {gate['id']:<4} {gate['label']:<60} {gate['verdict']}")
    missed = [gate for gate in gates if gate["met"] is False]
    if missed and mode.enforce:
        log(f"== {len(missed)} objectif(s) manqué(s)")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI mode: small, never enforces")
    parser.add_argument("--invoices", type=int, help="override the number of invoices loaded")
    parser.add_argument("--no-enforce", action="store_true", help="never exit 1 on a missed target")
    args = parser.parse_args(argv)
    mode = SHORT if args.short else FULL
    if args.invoices:
        mode = Mode(**{**mode.__dict__, "invoices": args.invoices})
    if args.no_enforce:
        mode = Mode(**{**mode.__dict__, "enforce": False})
    return run(mode)


if __name__ == "__main__":
    sys.exit(main())
