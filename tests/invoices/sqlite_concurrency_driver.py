"""Concurrent use of the embedded default (`make run`: SQLite file, tasks in-process).

Run by tests/invoices/test_sqlite_concurrency.py in a subprocess whose environment leaves
DATABASE_URL and REDIS_URL empty and points CHORUS_VAR_DIR at a temporary directory, so the
database is a real SQLite file opened with the production OPTIONS of chorus.settings.base (not the
in-memory database of the test settings); with DATABASE_URL, a fresh PostgreSQL database instead,
for comparison. Each thread is one request handler with its own
connection, as under a threaded server. Prints one JSON report on stdout.
"""

import collections
import json
import os
import sys
import threading
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chorus.settings.base")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from api.services import api_application_ensure, technical_account_create  # noqa: E402
from invoices import pdf  # noqa: E402
from invoices.models import Invoice, InvoiceEvent  # noqa: E402
from support.models import Sollicitation  # noqa: E402
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient, get_token  # noqa: E402
from tests.api.test_factures import accept_terms, saisie_payload  # noqa: E402
from tests.factories import (  # noqa: E402
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
    UserFactory,
)
from tests.invoices.conftest import accept_terms as portal_accept_terms  # noqa: E402
from tests.invoices.test_views_entry import form_data  # noqa: E402

DEPOSITS = int(os.environ.get("DRIVER_DEPOSITS", "40"))
PROCESSING = int(os.environ.get("DRIVER_PROCESSING", "20"))


def together(count: int, action) -> list:
    """Run `action(i)` in `count` threads released at once; return what each returned."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = action(i)
        except Exception as exc:  # a crash of the client itself, not an HTTP answer
            results[i] = ("exception", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


START = time.monotonic()


def log(phase: str) -> None:
    print(f"{phase}: {time.monotonic() - START:.1f} s", file=sys.stderr)


def answer(response) -> tuple[int, int | None]:
    """(HTTP status, Chorus codeRetour): a 500 page is HTML, not JSON."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return response.status_code, None
    return response.status_code, response.json().get("codeRetour")


def cpro(token: str, login: str) -> CproClient:
    return CproClient(Client(raise_request_exception=False), token, login, "sandbox")


def main() -> None:
    # PDF rendering is CPU (weasyprint), not database: a stub keeps the run short on a small
    # machine, and the documents are still stored (rows and files written by the task as usual).
    pdf.render_invoice_pdf = lambda invoice: b"%PDF-1.7 stub"
    pdf.render_deposit_certificate = lambda invoice, **kwargs: b"%PDF-1.7 stub"
    # Tables straight from the models (as pytest-django's --nomigrations): seconds saved.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    log("migrate")
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Driver")
    supplier = StructureFactory(name="Fournisseur concurrent")
    recipient = StructureFactory(public=True, name="Mairie concurrente")
    ServiceFactory(structure=recipient, code="DIRINFRA", label="Direction informatique")
    accept_terms(
        technical_account_create(structure=supplier, login="tech-f", password="sandbox").user
    )
    technical_account_create(structure=recipient, login="tech-d", password="sandbox")
    token = get_token(Client())["access_token"]
    close_old_connections()
    # The invoice processed in 2., deposited (and routed) alone first.
    first = cpro(token, "tech-f").post(
        "factures/v1/soumettre", saisie_payload(recipient.siret, number="F-CIBLE")
    )
    assert first.status_code == 200, first.content
    target = Invoice.objects.get(pk=first.json()["identifiantFactureCPP"])
    assert target.status == "MISE_A_DISPOSITION", target.status
    log("setup")

    # 1. Concurrent API deposits, one number each: every one deposited, exactly once.
    def deposit(i: int):
        response = cpro(token, "tech-f").post(
            "factures/v1/soumettre", saisie_payload(recipient.siret, number=f"F-CONC-{i:03d}")
        )
        return answer(response)

    deposits = together(DEPOSITS, deposit)
    log("deposits")
    numbers = list(
        Invoice.objects.filter(supplier=supplier, number__startswith="F-CONC-").values_list(
            "number", flat=True
        )
    )

    # 2. Parallel processing of one invoice, each request with its own rejection motif.
    def process(i: int):
        response = cpro(token, "tech-d").post(
            "factures/v1/traiter/recue",
            {"idFacture": target.pk, "nouveauStatut": "REJETEE", "motif": f"Motif {i}"},
        )
        return answer(response)

    processing = together(PROCESSING, process)
    log("processing")
    target.refresh_from_db()
    rejections = InvoiceEvent.objects.filter(invoice=target, action="chorus.invoice.rejected")

    # 3. Portal double submits (three clicks at once), each: no 500, one object.
    user = UserFactory()
    MembershipFactory(user=user, structure=supplier)
    portal_accept_terms(user)

    def clicks(url: str, data: dict) -> collections.Counter:
        def click(i: int):
            client = Client(raise_request_exception=False)
            client.force_login(user)
            return client.post(url, data).status_code

        return collections.Counter(together(3, click))

    entry = form_data(supplier, recipient.siret, action="envoyer", number="F-CLIC")
    entry["service_code"] = "DIRINFRA"
    entry["form_token"] = str(uuid.uuid4())
    sent = clicks(reverse("invoices:create"), entry)
    credited = Invoice.objects.get(number="F-CONC-001")
    credit = clicks(reverse("invoices:credit_note", args=[credited.pk]), {"number": ""})
    question = {
        "category": "SUIVI",
        "subcategory": "SUIVI_REJET",
        "subject": "Rejet",
        "body": "Pourquoi ce rejet ?",
        "invoice": str(target.pk),
    }
    asked = clicks(reverse("support:create"), question)
    log("portal")

    report = {
        "portal_send": sent,
        "portal_send_invoices": list(
            Invoice.objects.filter(number="F-CLIC").values_list("status", flat=True)
        ),
        "portal_credit_note": credit,
        "credit_notes": Invoice.objects.filter(credited_invoice=credited).count(),
        "portal_sollicitation": asked,
        "sollicitations": Sollicitation.objects.filter(requester=user).count(),
        "deposits": collections.Counter(f"{s}/{c}" for s, c in map(tuple, deposits)),
        "invoices": len(numbers),
        "distinct_numbers": len(set(numbers)),
        "statuses": collections.Counter(
            Invoice.objects.filter(supplier=supplier, number__startswith="F-C")
            .exclude(number="F-CLIC")
            .values_list("status", flat=True)
        ),
        "processing": collections.Counter(f"{s}/{c}" for s, c in map(tuple, processing)),
        "target_status": target.status,
        "target_comment": target.rejection_comment,
        "rejection_events": rejections.count(),
        "rejection_comment_logged": rejections.first().reason if rejections.exists() else None,
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
