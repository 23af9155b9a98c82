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
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stack import BASE_DIR, Stack, wait_for

DEPOSIT_RECIPIENT = "20006905200013"  # demo local authority: service code required, no EJ
DEPOSIT_SERVICE = "FACTURES_HORS_MARCHE"
SUPPLIER_EMAIL = "fournisseur@demo.chorus.test"
RECIPIENT_EMAIL = "etat@demo.chorus.test"


@dataclass(frozen=True)
class Mode:
    name: str
    invoices: int
    http_seconds: int
    http_max: int
    deposit_seconds: int
    deposit_max: int
    backlog: int
    pgbench_seconds: int
    noops: int
    pdf_runs: int
    validation_runs: int
    upload_runs: int
    enforce: bool
    report: Path


FULL = Mode("complet", 1_000_000, 30, 200_000, 30, 20_000, 1_000, 20, 5_000, 20, 30, 300, True,
            BASE_DIR / "docs" / "benchmarks.md")  # fmt: skip
SHORT = Mode("court", 10_000, 3, 5_000, 10, 1_000, 100, 3, 300, 3, 3, 50, False,
             BASE_DIR / "var" / "bench" / "benchmarks-short.md")  # fmt: skip


def log(message: str) -> None:
    print(message, flush=True)


def payload(number: str) -> dict:
    return {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": number,
        "destinataire": {
            "codeDestinataire": DEPOSIT_RECIPIENT,
            "codeServiceExecutant": DEPOSIT_SERVICE,
        },
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "modePaiement": "VIREMENT",
        },
        "lignePoste": [
            {
                "lignePosteNumero": 1,
                "lignePosteReference": "R1",
                "lignePosteDenomination": "Prestation de conseil",
                "lignePosteQuantite": 10,
                "lignePosteUnite": "lot",
                "lignePosteMontantUnitaireHT": 50.0,
                "lignePosteTauxTva": "TVA20",
            },
            {
                "lignePosteNumero": 2,
                "lignePosteReference": "R2",
                "lignePosteDenomination": "Maintenance annuelle",
                "lignePosteQuantite": 1,
                "lignePosteUnite": "forfait",
                "lignePosteMontantUnitaireHT": 100.0,
                "lignePosteTauxTva": "TVA20",
            },
        ],
        "montantTotal": {"montantHtTotal": 600.0, "montantTVA": 120.0, "montantTtcTotal": 720.0},
    }


# Setup ------------------------------------------------------------------------------------------
def _api_headers(client) -> dict[str, str]:
    import base64

    from api.demo import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

    token = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": SANDBOX_CLIENT_ID,
            "client_secret": SANDBOX_CLIENT_SECRET,
            "scope": "openid",
        },
    ).json()["access_token"]
    account = base64.b64encode(b"tech-fournisseur:sandbox").decode()
    return {"Authorization": f"Bearer {token}", "cpro-account": account}


def _deposit_template(client, headers: dict[str, str]) -> int:
    """One invoice through the real API and the real routing: the row the loader copies."""
    from invoices.models import Outbox
    from invoices.services import invoice_route

    response = client.post(
        "/cpro/factures/v1/soumettre",
        data=json.dumps(payload("MODELE-0001")),
        content_type="application/json;charset=utf-8",
        headers=headers,
    )
    if response.status_code != 200:
        raise RuntimeError(f"dépôt du modèle refusé : {response.status_code} {response.content!r}")
    invoice_id = response.json()["identifiantFactureCPP"]
    invoice = invoice_route(invoice_id=invoice_id)
    if invoice.status != "MISE_A_DISPOSITION":
        raise RuntimeError(f"modèle non acheminé : {invoice.status} {invoice.routing_error_detail}")
    Outbox.objects.update(processed_at=datetime.datetime.now(datetime.UTC))
    return invoice_id


def _settled_count(queryset, *, timeout: float = 180) -> int:
    """Count once gunicorn has finished the requests still queued when wrk stopped."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        count = queryset.count()
        if count == last:
            return count
        last = count
        time.sleep(3)
    return last


def _deposit_backlog(client, count: int) -> float:
    """`count` deposits through the same API view in process, to give P2 a backlog to drain.

    The technical-account password check (PBKDF2, hundreds of ms) is memoised here only: it is
    measured in P1, and the backlog must not take the run's whole time budget.
    """
    import functools

    from django.contrib.auth.hashers import check_password

    from api.models import TechnicalAccount

    original = TechnicalAccount.check_password
    memo = functools.cache(check_password)
    TechnicalAccount.check_password = lambda self, raw: memo(raw, self.password_hash)
    headers = _api_headers(client)
    started = time.perf_counter()
    try:
        for index in range(count):
            response = client.post(
                "/cpro/factures/v1/soumettre",
                data=json.dumps(payload(f"P2-{index:07d}")),
                content_type="application/json;charset=utf-8",
                headers=headers,
            )
            if response.status_code != 200:
                raise RuntimeError(f"dépôt P2 refusé : {response.content[:300]!r}")
            if time.perf_counter() - started > 600:
                break
    finally:
        TechnicalAccount.check_password = original
    return time.perf_counter() - started


def _session_cookie(email: str) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    user = User.objects.get(email=email)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


# List pages -------------------------------------------------------------------------------------
def _list_urls() -> dict[str, dict[str, str]]:
    """First page, a deep page (middle of the largest tenant) and a 1-row page, per list."""
    from invoices.models import Invoice
    from invoices.views import _encode_cursor
    from structures.demo import STATE_SIRET, SUPPLIER_SIRET

    issued = Invoice.objects.filter(
        supplier__identifier=SUPPLIER_SIRET, supplier__identifier_type="SIRET"
    ).order_by("-created_at", "-id")
    total = issued.count()
    deep = issued[total // 2]
    second_oldest = issued[max(0, total - 2)]
    received = Invoice.objects.filter(
        recipient__identifier=STATE_SIRET, recipient__identifier_type="SIRET"
    ).order_by("-id")
    received_total = received.count()
    received_deep = received[received_total // 2]
    received_second_oldest = received[max(0, received_total - 2)]
    return {
        "issued": {
            "rows": str(total),
            "first": "/factures/?par_page=50",
            "deep": f"/factures/?par_page=50&apres={_encode_cursor(deep)}",
            "one": f"/factures/?par_page=50&apres={_encode_cursor(second_oldest)}",
        },
        "received": {
            "rows": str(received_total),
            "first": "/factures-recues/?taille=50",
            "deep": f"/factures-recues/?taille=50&apres={received_deep.pk}",
            "one": f"/factures-recues/?taille=50&apres={received_second_oldest.pk}",
        },
    }


def _query_count(email: str, url: str) -> tuple[int, int]:
    """Queries and status of one GET, in process, as the given user."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    client.get(url)  # warm caches (session, content types) before counting
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response.status_code


# PDF and validation ----------------------------------------------------------------------------
def _pdf_and_validation(invoice_id: int, mode: Mode) -> dict:
    import io

    import pikepdf
    import weasyprint
    from lxml import etree
    from weasyprint.urls import URLFetcher

    from bench.scenarios import summary, timings
    from invoices.formats.cii_writer import build_cii
    from invoices.formats.ubl_writer import build_ubl
    from invoices.formats.validate import validate_document, warm_up
    from invoices.models import Invoice
    from invoices.pdf import render_invoice_html, render_invoice_pdf
    from invoices.uploads import KIND_INVOICE, check_pdf_structure, validate_upload

    invoice = Invoice.objects.select_related("supplier", "recipient", "service").get(pk=invoice_id)
    html = render_invoice_html(invoice)
    # The strict baseline: WeasyPrint's own work for the page. A default `HTML(string=…)` builds a
    # URLFetcher per call, which loads the CA bundle (≈ 15 ms); one fetcher is reused here, as the
    # application does.
    fetcher = URLFetcher()
    bare = lambda: weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()  # noqa: E731
    app = lambda: render_invoice_pdf(invoice)  # noqa: E731
    bare()
    pdf = app()
    bare_ms: list[float] = []
    app_ms: list[float] = []
    for _ in range(mode.pdf_runs):  # interleaved, so that drift hits both alike
        bare_ms += timings(bare, runs=1, budget_s=60)
        app_ms += timings(app, runs=1, budget_s=60)

    def upload() -> None:
        validate_upload(name="facture.pdf", size=len(pdf), head_bytes=pdf[:2048], kind=KIND_INVOICE)
        check_pdf_structure(name="facture.pdf", content=pdf)

    def bare_open() -> None:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            len(document.pages)

    upload_ms = timings(upload, runs=mode.upload_runs, budget_s=30)
    open_ms = timings(bare_open, runs=mode.upload_runs, budget_s=30)
    warm_up()
    flavours = {"UBL": build_ubl(invoice), "CII": build_cii(invoice), "Factur-X": pdf}
    names = {"UBL": "facture-ubl.xml", "CII": "facture-cii.xml", "Factur-X": "facture.pdf"}
    validation = {}
    for flavour, data in flavours.items():
        validate_document(data, names[flavour])
        values = timings(
            lambda d=data, n=names[flavour]: validate_document(d, n),
            runs=mode.validation_runs,
            budget_s=60,
        )
        if flavour == "Factur-X":
            parse = timings(bare_open, runs=20, budget_s=10)
        else:
            parse = timings(lambda d=data: etree.fromstring(d), runs=20, budget_s=10)
        validation[flavour] = {**summary(values), "parse_median": summary(parse)["median"]}
    return {
        "pdf_bare": summary(bare_ms),
        "pdf_app": summary(app_ms),
        "pdf_bytes": len(pdf),
        "upload": summary(upload_ms),
        "upload_bare": summary(open_ms),
        "validation": validation,
    }


# The run ----------------------------------------------------------------------------------------
def machine() -> dict[str, str]:
    def out(argv: list[str]) -> str:
        try:
            return subprocess.run(  # noqa: S603 - fixed argv
                argv, capture_output=True, text=True, timeout=20, check=False
            ).stdout.strip()
        except OSError:
            return "?"

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    memory = out(["free", "-h"]).splitlines()
    return {
        "nproc": out(["nproc"]),
        "memory": memory[1] if len(memory) > 1 else "?",
        "cpu": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            "?",
        ),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": out(["redis-server", "--version"]).split(" v=")[-1].split()[0],
        "wrk": out(["wrk", "--version"]).split("[")[0].strip() or "wrk",
        "kernel": platform.release(),
    }


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
            results["validation_batch"] = validation.run(batch=100 if mode is SHORT else 500)
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
