"""Issue 14 #10: a public agent restricted to one service sees, opens and downloads only that
service's invoices — list, detail, documents, CII/UBL, ZIP, and the API recipient endpoints all
follow one scope (`invoices.selectors.recipient_scope_q`); another service's invoice is a 404."""

import base64
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from api.models import TechnicalAccount
from api.services import api_application_ensure, technical_account_create
from invoices.models import InvoiceDocument
from structures.models import Membership
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient, get_token
from tests.factories import ServiceFactory
from tests.invoices.test_received_support import public_structure, received, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    mairie = public_structure(name="Mairie à deux services")
    voirie = ServiceFactory(structure=mairie, code="VOIRIE", label="Voirie")
    ecoles = ServiceFactory(structure=mairie, code="ECOLES", label="Écoles")
    mine = received(mairie, number="VOIRIE-1", service=voirie, service_code="VOIRIE")
    other = received(mairie, number="ECOLES-1", service=ecoles, service_code="ECOLES")
    for invoice in (mine, other):
        document = InvoiceDocument(
            invoice=invoice,
            kind=InvoiceDocument.Kind.FACTURX_PDF,
            filename=f"{invoice.number}.pdf",
            content_type="application/pdf",
            size=8,
            sha256="0" * 64,
        )
        document.file.save(f"{invoice.number}.pdf", ContentFile(b"%PDF-1.7"), save=False)
        document.save()
    return {"mairie": mairie, "voirie": voirie, "mine": mine, "other": other}


def _document(invoice) -> InvoiceDocument:
    return InvoiceDocument.objects.get(invoice=invoice)


def _status(client, url: str) -> int:
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the file is closed
    return response.status_code


def test_the_list_shows_only_the_agents_service(client, world):
    client.force_login(staff_of(world["mairie"], services=[world["voirie"]]))
    page = client.get(reverse("received:list")).content.decode()
    assert "VOIRIE-1" in page
    assert "ECOLES-1" not in page


def test_detail_and_every_download_of_another_service_are_404(client, world):
    client.force_login(staff_of(world["mairie"], services=[world["voirie"]]))
    mine, other = world["mine"], world["other"]
    assert client.get(reverse("received:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("received:detail", args=[other.pk])).status_code == 404
    assert _status(client, f"/factures/documents/{_document(mine).pk}/") == 200
    assert _status(client, f"/factures/documents/{_document(other).pk}/") == 404
    assert client.get(f"/flux/factures/{other.pk}/cii.xml").status_code == 404
    assert client.get(f"/flux/factures/{other.pk}/ubl.xml").status_code == 404
    action = reverse("received:process", args=[other.pk, "suspendre"])
    assert client.post(action, {"motif": "x"}).status_code == 404
    archive = client.get(reverse("received:zip"), {"factures": [mine.pk, other.pk]})
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert any(name.startswith("VOIRIE-1") for name in names)
    assert not any(name.startswith("ECOLES-1") for name in names)


def test_an_agent_without_assigned_services_sees_every_service(client, world):
    client.force_login(staff_of(world["mairie"]))
    assert client.get(reverse("received:detail", args=[world["other"].pk])).status_code == 200
    assert _status(client, f"/factures/documents/{_document(world['other']).pk}/") == 200


@pytest.fixture
def restricted_api(client, world) -> CproClient:
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")
    account = technical_account_create(
        structure=world["mairie"], login="tech-voirie", password="s3cret-voirie"
    )
    Membership.objects.get(user=account.user, structure=world["mairie"]).services.add(
        world["voirie"]
    )
    assert TechnicalAccount.objects.filter(login="tech-voirie").exists()
    return CproClient(client, get_token(client)["access_token"], "tech-voirie", "s3cret-voirie")


def test_api_recipient_endpoints_follow_the_same_scope(restricted_api, world):
    mine, other = world["mine"], world["other"]
    found = restricted_api.post("factures/v1/rechercher/recipiendaire", {}).json()
    assert [item["idFacture"] for item in found["listeFactures"]] == [mine.pk]
    consulted = restricted_api.post(
        "factures/v1/consulter/recipiendaire", {"identifiantFactureCPP": mine.pk}
    )
    assert consulted.json()["codeRetour"] == 0
    for path, body in [
        ("factures/v1/consulter/recipiendaire", {"identifiantFactureCPP": other.pk}),
        ("factures/v1/consulter/historique", {"idFacture": other.pk}),
        ("factures/v1/telecharger/groupe", {"format": "PDF", "listeFacture": [other.pk]}),
    ]:
        response = restricted_api.post(path, body)
        assert response.status_code == 400, (path, response.content)
        assert response.json()["codeRetour"] == 20001, path
    allowed = restricted_api.post(
        "factures/v1/telecharger/groupe", {"format": "PDF", "listeFacture": [mine.pk]}
    )
    assert allowed.json()["codeRetour"] == 0, allowed.content
    content = base64.b64decode(allowed.json()["fichierResultat"])
    assert zipfile.ZipFile(io.BytesIO(content)).namelist()
    json.dumps(allowed.json())
