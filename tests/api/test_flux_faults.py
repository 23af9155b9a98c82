"""Sandbox flux faults (issue 8): an integrator's rule makes a `deposer/flux` end IN_INCIDENTE
or IN_INTEGRE_PARTIEL, seen in consulterCR / consulterCRDetaille, the fault list and the request
log, all driven through the API."""

import io
import json
import zipfile

import pytest

from api.models.sandbox import FaultRule
from chorus.exceptions import ChorusError
from invoices.flux.services import flux_deposit
from invoices.models import Flux, FluxState, Invoice
from tests.api.test_flux_api import b64, deposit_payload, invoice_file
from tests.factories import ServiceFactory, StructureFactory

pytestmark = pytest.mark.django_db

CONTROL = "/integrateur/api/v1/"
DEPOSIT = "factures/v1/deposer/flux"


def control_post(api, path: str, body: dict):
    return api.client.post(
        CONTROL + path, data=json.dumps(body), content_type="application/json", headers=api.headers
    )


def control_get(api, path: str):
    return api.client.get(CONTROL + path, headers=api.headers)


@pytest.fixture
def supplier_structure(db):
    # BR-S-02: a seller invoicing standard-rated lines shows its VAT number.
    return StructureFactory(name="Fournisseur API", vat_number="FR40303265045")


@pytest.fixture
def recipient(db):
    structure = StructureFactory(public=True, name="Mairie du flux")
    ServiceFactory(structure=structure, code="DIRINFRA", label="Direction informatique")
    return structure


def batch(*files: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def deposit(api, content: bytes, capture, **kwargs) -> str:
    with capture(execute=True):  # the outbox processes the flow after commit
        response = api.post(DEPOSIT, deposit_payload(content, **kwargs))
    assert response.status_code == 200, response.content
    return response.json()["numeroFluxDepot"]


def add_rule(api, kind: str, **extra) -> dict:
    response = control_post(api, "faults", {"effet": kind, "chemin": DEPOSIT, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_incident_rule_ends_the_flow_in_incident_with_a_technical_error_then_recovers(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    rule = add_rule(api, "flux_incidente", appelsRestants=1)
    xml = invoice_file(supplier_structure, recipient, number="F-INC-1", kind="ubl")

    numero = deposit(api, xml, django_capture_on_commit_callbacks)

    state = api.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert state["codeRetour"] == 0
    assert state["etatCourantFlux"] == "IN_INCIDENTE"
    detail = api.post("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}).json()
    assert detail["etatCourantDepotFlux"] == "IN_INCIDENTE"
    assert detail["listeErreurDP"] == []
    [technical] = detail["listeErreurTechnique"]
    assert technical["codeErreur"] == "EMU-FAULT"
    assert "Flux en incident" in technical["libelleErreur"]
    assert technical["natureErreur"] == "TECHNIQUE"
    assert not Invoice.objects.filter(number="F-INC-1").exists()
    assert Flux.objects.get().forced_outcome == FluxState.IN_INCIDENTE

    # The rule shows as applied, counted down, in the fault list and the request log.
    [listed] = control_get(api, "faults").json()["pannes"]
    assert listed["id"] == rule["id"]
    assert (listed["declenchements"], listed["appelsRestants"]) == (1, 0)
    assert listed["appliquee"] is True
    entries = control_get(api, "requests").json()["requetes"]
    [logged] = [e for e in entries if e["path"] == "/cpro/" + DEPOSIT]
    assert logged["status_code"] == 200
    assert logged["fault"] == f"flux_incidente (règle n° {rule['id']})"

    # Its only call consumed, the next deposit is integrated normally.
    numero = deposit(api, xml, django_capture_on_commit_callbacks, name="bis.xml")
    again = api.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert again["etatCourantFlux"] == "IN_INTEGRE"
    assert Invoice.objects.filter(number="F-INC-1").count() == 1


def test_partial_rule_integrates_only_the_first_invoice_and_refuses_the_others(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    add_rule(api, "flux_partiel")
    files = [
        (f"f{n}.xml", invoice_file(supplier_structure, recipient, number=f"F-P-{n}", kind="ubl"))
        for n in (1, 2, 3)
    ]

    numero = deposit(api, batch(*files), django_capture_on_commit_callbacks, name="lot.zip")

    detail = api.post("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}).json()
    assert detail["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    assert detail["listeErreurTechnique"] == []
    refused = {e["numeroDP"]: e["libelleErreurDP"] for e in detail["listeErreurDP"]}
    assert set(refused) == {"F-P-2", "F-P-3"}
    for message in refused.values():
        assert message.startswith("EMU-FAULT Refus simulé par une panne injectée")
    flux = Flux.objects.get()
    assert [i.number for i in flux.invoices.all()] == ["F-P-1"]
    assert not Invoice.objects.filter(number__in=["F-P-2", "F-P-3"]).exists()
    assert flux.report["integrated"] == 1
    assert flux.report["total"] == 3


def test_partial_rule_refuses_only_after_a_valid_invoice_was_integrated(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    add_rule(api, "flux_partiel")
    stranger = StructureFactory.build(public=True, identifier="73282932000074")
    invalid = invoice_file(supplier_structure, stranger, number="F-KO-1", kind="ubl")
    valid = invoice_file(supplier_structure, recipient, number="F-OK-1", kind="ubl")
    other = invoice_file(supplier_structure, recipient, number="F-OK-2", kind="ubl")
    content = batch(("a.xml", invalid), ("b.xml", valid), ("c.xml", other))

    numero = deposit(api, content, django_capture_on_commit_callbacks, name="lot.zip")

    detail = api.post("transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}).json()
    assert detail["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    refused = {e["numeroDP"]: e["libelleErreurDP"] for e in detail["listeErreurDP"]}
    assert "CHORUS-002" in refused["F-KO-1"]  # its own refusal, not the injected one
    assert "EMU-FAULT" not in refused["F-KO-1"]
    assert "EMU-FAULT" in refused["F-OK-2"]
    assert [i.number for i in Flux.objects.get().invoices.all()] == ["F-OK-1"]


def test_flux_rule_leaves_other_endpoints_alone(api):
    control_post(api, "faults", {"effet": "flux_incidente", "chemin": "*"})
    response = api.get("transverses/v1/health-check")
    assert response.status_code == 200
    assert FaultRule.objects.get().hits == 0


def test_a_refused_deposit_consumes_no_call_of_the_rule(api):
    add_rule(api, "flux_incidente", appelsRestants=1)
    response = api.post(DEPOSIT, deposit_payload(b"<a/>", syntax="IN_DP_INCONNU"))
    assert response.status_code == 400
    assert "syntaxeFlux" in response.json()["libelle"]
    empty = api.post(DEPOSIT, {"fichierFlux": b64(b""), "nomFichier": "vide.xml"})
    assert empty.status_code == 400
    rule = FaultRule.objects.get()
    assert (rule.hits, rule.remaining_calls) == (0, 1)
    assert not Flux.objects.exists()


def test_a_disabled_flux_rule_does_nothing(
    api, supplier_structure, recipient, django_capture_on_commit_callbacks
):
    rule = add_rule(api, "flux_incidente")
    control_post(api, f"faults/{rule['id']}", {"active": False})
    xml = invoice_file(supplier_structure, recipient, number="F-OFF-1", kind="ubl")
    numero = deposit(api, xml, django_capture_on_commit_callbacks)
    state = api.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert state["etatCourantFlux"] == "IN_INTEGRE"
    assert Flux.objects.get().forced_outcome == ""


def test_flux_deposit_refuses_an_unknown_forced_outcome(supplier_account):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ChorusError) as error:
        flux_deposit(
            structure=supplier_account.structure,
            by=supplier_account.user,
            file=SimpleUploadedFile("f.xml", b"<a/>"),
            forced_outcome="IN_REJETE",
        )
    assert error.value.field == "forced_outcome"
    assert "IN_INCIDENTE ou IN_INTEGRE_PARTIEL" in error.value.message
