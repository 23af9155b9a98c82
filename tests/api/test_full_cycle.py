"""The full cycle through the API alone (issue 7, "done when"): token → deposer/flux with a
Factur-X PDF → consulterCR until IN_INTEGRE → rechercher/fournisseur → the recipient's technical
account sets MISE_EN_PAIEMENT with traiter/recue → the supplier sees it in consulter/historique."""

import base64

import pytest

from api.services import api_application_ensure, technical_account_create
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient
from tests.api.test_flux_api import invoice_file
from tests.factories import ServiceFactory, StructureFactory

pytestmark = pytest.mark.django_db


def token(client) -> str:
    response = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid",
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def test_facturx_flow_goes_from_deposit_to_payment_through_the_api_alone(
    client, django_capture_on_commit_callbacks
):
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Intégrateur")
    supplier = StructureFactory(name="Fournisseur cycle", vat_number="FR40303265045")
    recipient = StructureFactory(public=True, name="Ministère du cycle")
    ServiceFactory(structure=recipient, code="SERV_CYCLE", label="Service du cycle")
    technical_account_create(structure=supplier, login="tech-cycle-f", password="sandbox")
    technical_account_create(structure=recipient, login="tech-cycle-r", password="sandbox")
    pdf = invoice_file(supplier, recipient, number="FX-CYCLE-1", service_code="SERV_CYCLE")

    fournisseur = CproClient(client, token(client), "tech-cycle-f", "sandbox")
    with django_capture_on_commit_callbacks(execute=True):
        deposit = fournisseur.post(
            "factures/v1/deposer/flux",
            {
                "fichierFlux": base64.b64encode(pdf).decode(),
                "nomFichier": "factur-x_chorus_facture_FX-CYCLE-1.pdf",
                "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
                "avecSignature": False,
            },
        )
    assert deposit.status_code == 200, deposit.content
    numero = deposit.json()["numeroFluxDepot"]

    for _ in range(5):  # the client polls until a final state (OCA-16)
        state = fournisseur.post(
            "transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero}
        ).json()
        if state["etatCourantDepotFlux"] in ("IN_INTEGRE", "IN_INTEGRE_PARTIEL", "IN_REJETE"):
            break
    assert state["etatCourantDepotFlux"] == "IN_INTEGRE", state
    assert state["listeErreurDP"] == []
    cr = fournisseur.post("transverses/v1/consulterCR", {"numeroFluxDepot": numero}).json()
    assert cr["etatCourantFlux"] == "IN_INTEGRE"

    found = fournisseur.post("factures/v1/rechercher/fournisseur", {"numeroFluxDepot": numero})
    [item] = found.json()["listeFactures"]
    assert item["numeroFacture"] == "FX-CYCLE-1"
    assert item["numeroFluxDepot"] == numero
    invoice_id = item["identifiantFactureCPP"]
    assert isinstance(invoice_id, int)

    destinataire = CproClient(client, token(client), "tech-cycle-r", "sandbox")
    received = destinataire.post(
        "factures/v1/rechercher/recipiendaire", {"typeDemandePaiement": "FACTURE"}
    ).json()
    assert [f["idFacture"] for f in received["listeFactures"]] == [invoice_id]
    paid = destinataire.post(
        "factures/v1/traiter/recue", {"idFacture": invoice_id, "nouveauStatut": "MISE_EN_PAIEMENT"}
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["nouveauStatut"] == "MISE_EN_PAIEMENT"

    history = fournisseur.post("factures/v1/consulter/historique", {"idFacture": invoice_id})
    data = history.json()
    assert data["idFacture"] == invoice_id
    assert data["statutCourantCode"] == "MISE_EN_PAIEMENT"
    codes = [s["histoStatutCode"] for s in data["historiquesDesStatuts"]["histoStatut"]]
    assert codes[0] == "MISE_EN_PAIEMENT"
    assert "DEPOSEE" in codes
