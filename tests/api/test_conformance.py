"""Conformance kit: `manage.py conformance` and the control API read the integrator's usage."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.models.sandbox import RequestLogEntry
from invoices.choices import InvoiceStatus
from invoices.formats.detect import SYNTAXE_FLUX
from invoices.models import Flux
from invoices.services.common import invoice_event_create
from tests.factories import StructureFactory
from tests.invoices.factories import make_invoice

HEALTH = "transverses/v1/health-check"


def _logged(structure, path: str, status: int = 200) -> None:
    RequestLogEntry.objects.create(
        client_id="chorus-sandbox",
        structure=structure,
        login="tech-fournisseur",
        method="POST",
        path=f"/cpro/{path}",
        status_code=status,
        duration_ms=3,
    )


def _full_usage(api, structure) -> None:
    for syntax in (SYNTAXE_FLUX["UBL_INVOICE"], SYNTAXE_FLUX["FACTURX"]):
        Flux.objects.create(supplier=structure, syntax=syntax, filename="f", size=1, sha256="0")
    for path in ("factures/v1/completer", "factures/v1/recycler", "transverses/v1/consulterCR"):
        _logged(structure, path)
    recipient = StructureFactory(public=True)
    rejected = make_invoice(
        status=InvoiceStatus.REJETEE, supplier=structure, recipient=recipient, number="F-1"
    )
    invoice_event_create(
        invoice=rejected,
        action="reject",
        from_status=InvoiceStatus.MISE_A_DISPOSITION,
        to_status=InvoiceStatus.REJETEE,
    )
    make_invoice(
        status=InvoiceStatus.DEPOSEE,
        supplier=structure,
        number="F-2",
        deposited_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    # Survive a 403: an injected one, then a successful call.
    api.client.post(
        "/integrateur/api/v1/faults",
        data=json.dumps({"effet": "403", "appelsRestants": 1}),
        content_type="application/json",
        headers=api.headers,
    )
    assert api.get(HEALTH).status_code == 403
    assert api.get(HEALTH).status_code == 200


def test_command_passes_when_every_item_was_exercised(api, supplier_structure, capsys):
    _full_usage(api, supplier_structure)
    call_command("conformance", application="chorus-sandbox")
    out = capsys.readouterr().out
    assert "ÉCHEC" not in out
    assert "6/6 contrôle(s) réussi(s)." in out


def test_command_reports_what_is_missing_and_fails(api, supplier_structure, capsys):
    api.get(HEALTH)
    with pytest.raises(SystemExit) as exc:
        call_command("conformance", application="chorus-sandbox")
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "[ÉCHEC] Appel réussi après un 403 injecté — Aucun 403 injecté." in out
    assert "0/6 contrôle(s) réussi(s)." in out


def test_command_refuses_an_application_never_seen(db):
    with pytest.raises(CommandError, match="Aucun appel enregistré"):
        call_command("conformance", application="inconnue")


def test_control_api_returns_the_checklist(api, supplier_structure):
    _full_usage(api, supplier_structure)
    response = api.client.get("/integrateur/api/v1/conformance", headers=api.headers)
    data = response.json()
    assert data["reussi"] is True
    assert {c["code"] for c in data["controles"]} >= {"survit_403", "consulter_cr"}


def test_a_403_without_a_later_success_does_not_pass(api, supplier_structure):
    api.client.post(
        "/integrateur/api/v1/faults",
        data=json.dumps({"effet": "403"}),
        content_type="application/json",
        headers=api.headers,
    )
    api.get(HEALTH)
    api.client.get("/integrateur/api/v1/requests", headers=api.headers)  # not a /cpro/ call
    data = api.client.get("/integrateur/api/v1/conformance", headers=api.headers).json()
    check = next(c for c in data["controles"] if c["code"] == "survit_403")
    assert check["reussi"] is False
