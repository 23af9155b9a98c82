"""`factures/v1/deposer/flux`, `transverses/v1/consulterCR`, `consulterCRDetaille` and the
emulator's `emulateur/v1/precontrole`, with the payloads of OCA and CNF (chorus-pro.md §8)."""

import base64
import datetime

import pytest
from django.db import transaction

from api.models import IdempotencyRecord
from api.services import technical_account_create
from invoices.formats.ubl_writer import build_ubl
from invoices.models import Flux, FluxState, Invoice
from invoices.pdf import render_invoice_pdf
from invoices.services.common import party_snapshot
from tests.api.conftest import CproClient, get_token
from tests.factories import ServiceFactory, StructureFactory
from tests.invoices.factories import InvoiceFactory, add_lines

pytestmark = pytest.mark.django_db


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def invoice_file(supplier, recipient, *, number: str, service_code: str = "", kind="facturx"):
    """A valid Factur-X PDF (or UBL XML) from supplier to recipient, made by our own writers
    from a temporary invoice that is deleted afterwards."""
    with transaction.atomic():  # rolled back: nothing of the template invoice remains
        template = InvoiceFactory(
            supplier=supplier,
            number=number,
            issue_date=datetime.date(2025, 1, 15),
            recipient_siret=recipient.siret,
            service_code=service_code,
            supplier_snapshot=party_snapshot(supplier),
            recipient_snapshot=party_snapshot(recipient),
        )
        lines = add_lines(template)
        content = render_invoice_pdf(template) if kind == "facturx" else build_ubl(template, lines)
        transaction.set_rollback(True)
    return content


@pytest.fixture
def supplier_structure(db):
    # BR-S-02: a seller invoicing standard-rated lines shows its VAT number.
    return StructureFactory(name="Fournisseur API", vat_number="FR40303265045")


@pytest.fixture
def recipient(db):
    structure = StructureFactory(public=True, name="Mairie du flux")
    ServiceFactory(structure=structure, code="DIRINFRA", label="Direction informatique")
    return structure


def deposit_payload(content: bytes, *, name="facture.xml", syntax="IN_DP_E1_UBL_INVOICE"):
    # OCA-16 sends exactly these four keys; CNF adds idUtilisateurCourant: 0.
    return {
        "fichierFlux": b64(content),
        "nomFichier": name,
        "syntaxeFlux": syntax,
        "avecSignature": False,
    }


def test_deposer_flux_answers_the_flow_number_and_integrates_after_commit(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    xml = invoice_file(supplier_structure, recipient, number="F-FLUX-API-1", kind="ubl")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("factures/v1/deposer/flux", deposit_payload(xml))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["codeRetour"] == 0
    assert data["libelle"] == "GCU_MSG_01_000"
    flux = Flux.objects.get()
    assert data["numeroFluxDepot"] == flux.numero
    assert data["dateDepot"] == datetime.date.fromisoformat(data["dateDepot"]).isoformat()
    assert data["syntaxeFlux"] == "IN_DP_E1_UBL_INVOICE"
    assert flux.supplier == supplier_structure
    assert flux.state == FluxState.IN_INTEGRE
    invoice = flux.invoices.get()
    assert invoice.number == "F-FLUX-API-1"
    assert invoice.recipient == recipient


def test_consulter_cr_follows_the_flow_until_integrated(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    xml = invoice_file(supplier_structure, recipient, number="F-CR-1", kind="ubl")
    numero = api.post("factures/v1/deposer/flux", deposit_payload(xml)).json()["numeroFluxDepot"]
    received = api.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert received["etatCourantFlux"] == "IN_RECU"
    assert received["nomFichierFlux"] == "facture.xml"

    from invoices.flux.services import flux_process

    flux_process(flux_id=Flux.objects.get().pk)
    data = api.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert data["codeRetour"] == 0
    assert data["libelle"] == "TRA_MSG_00.000"
    assert data["etatCourantFlux"] == "IN_INTEGRE"
    assert data["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert data["numeroFluxDepot"] == numero
    datetime.datetime.fromisoformat(data["dateHeureEtatCourantFlux"])


def test_consulter_cr_detaille_lists_the_refused_invoice_with_our_findings(
    api, supplier_structure, django_capture_on_commit_callbacks
):
    stranger = StructureFactory.build(public=True, identifier="73282932000074")
    xml = invoice_file(supplier_structure, stranger, number="F-KO-1", kind="ubl")
    with django_capture_on_commit_callbacks(execute=True):
        numero = api.post("factures/v1/deposer/flux", deposit_payload(xml)).json()[
            "numeroFluxDepot"
        ]
    data = api.post("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}).json()
    assert data["codeRetour"] == 0
    assert data["etatCourantDepotFlux"] == "IN_REJETE"
    [error] = data["listeErreurDP"]
    assert error["numeroDP"] == "F-KO-1"
    assert error["identifiantDestinataire"] == "73282932000074"
    assert error["identifiantFournisseur"] == supplier_structure.siret
    assert "CHORUS-002" in error["libelleErreurDP"]
    assert data["listeErreurTechnique"] == []
    assert not Invoice.objects.filter(number="F-KO-1").exists()


def test_unreadable_file_is_a_technical_error(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        numero = api.post(
            "factures/v1/deposer/flux", deposit_payload(b"<a><b></a>", name="ko.xml")
        ).json()["numeroFluxDepot"]
    data = api.post("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}).json()
    assert data["etatCourantDepotFlux"] == "IN_REJETE"
    assert data["listeErreurDP"] == []
    assert data["listeErreurTechnique"]
    first = data["listeErreurTechnique"][0]
    assert first["codeErreur"]
    assert first["libelleErreur"].startswith("ko.xml : ")
    assert first["natureErreur"] == "TECHNIQUE"


def test_another_structures_flow_is_unknown(
    client, api, supplier_structure, recipient, sandbox_app
):
    xml = invoice_file(supplier_structure, recipient, number="F-SECRET", kind="ubl")
    numero = api.post("factures/v1/deposer/flux", deposit_payload(xml)).json()["numeroFluxDepot"]
    technical_account_create(structure=StructureFactory(), login="tech-autre", password="sandbox")
    other = CproClient(client, get_token(client)["access_token"], "tech-autre", "sandbox")
    for path in ("transverses/v1/consulterCR", "transverses/v1/consulterCRDetaille"):
        response = other.post(path, {"numeroFluxDepot": numero})
        assert response.status_code == 400
        assert response.json()["codeRetour"] == 20001
        assert "F-SECRET" not in response.content.decode()
        assert "numeroFluxDepot" in response.json()["libelle"]


@pytest.mark.parametrize("numero", ["", "CPP99999999", "n'importe quoi", None])
def test_unknown_or_missing_flow_number_is_a_business_error(api, numero):
    body = {} if numero is None else {"numeroFluxDepot": numero}
    response = api.post("transverses/v1/consulterCR", body)
    assert response.status_code == 400
    assert "numeroFluxDepot" in response.json()["libelle"]


def test_idempotency_key_replays_the_first_flow(api, supplier_structure, recipient):
    xml = invoice_file(supplier_structure, recipient, number="F-IDEM", kind="ubl")
    first = api.post("factures/v1/deposer/flux", deposit_payload(xml), **{"Idempotency-Key": "k1"})
    again = api.post("factures/v1/deposer/flux", deposit_payload(xml), **{"Idempotency-Key": "k1"})
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Flux.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"nomFichier": "f.xml", "syntaxeFlux": "IN_DP_E1_UBL_INVOICE"}, "fichierFlux"),
        ({"fichierFlux": "pas du base64 !", "nomFichier": "f.xml"}, "fichierFlux"),
        ({"fichierFlux": b64(b"<x/>"), "syntaxeFlux": "IN_DP_INCONNU"}, "syntaxeFlux"),
    ],
)
def test_bad_deposit_names_the_field_and_stores_nothing(api, payload, field):
    response = api.post("factures/v1/deposer/flux", payload)
    assert response.status_code == 400
    assert field in response.json()["libelle"]
    assert Flux.objects.count() == 0


def test_oversized_flow_is_413(api, settings, monkeypatch):
    monkeypatch.setattr("api.views.flux.MAX_UPLOAD_BYTES", 10)
    response = api.post("factures/v1/deposer/flux", deposit_payload(b"x" * 100))
    assert response.status_code == 413
    assert Flux.objects.count() == 0


def test_precontrole_returns_findings_and_deposits_nothing(api, supplier_structure):
    stranger = StructureFactory.build(public=True, identifier="73282932000074")
    xml = invoice_file(supplier_structure, stranger, number="F-PRE", kind="ubl")
    response = api.post(
        "emulateur/v1/precontrole", {"fichierFlux": b64(xml), "nomFichier": "p.xml"}
    )
    assert response.status_code == 200
    report = response.json()["rapport"]
    assert report["total"] == 1
    assert report["valid"] == 0
    rules = {f["rule_id"] for f in report["documents"][0]["findings"]}
    assert "CHORUS-002" in rules
    assert Flux.objects.count() == 0
    assert not Invoice.objects.filter(number="F-PRE").exists()


def test_flow_endpoints_require_the_technical_account(client, sandbox_app):
    token = get_token(client)["access_token"]
    response = client.post(
        "/cpro/transverses/v1/consulterCR",
        data="{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
