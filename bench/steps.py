"""The pieces of a bench run (`bench/runner.py`): the two modes, the API payload and headers, the
deposit backlog, the list pages and their query counts, the PDF and validation timings, the machine.
"""

import datetime
import json
import platform
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stack import BASE_DIR

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
    from invoices.views.issued import _encode_cursor
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
    from invoices.formats.schematron import warm_up
    from invoices.formats.ubl_writer import build_ubl
    from invoices.formats.validate import validate_document
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
