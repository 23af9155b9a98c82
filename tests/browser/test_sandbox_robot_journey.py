"""Sandbox robots in a real browser: an integrator sets the scenario of a demo recipient in the
portal, its software deposits an invoice BY API (`/cpro/factures/v1/soumettre` on the live server,
with the sandbox OAuth application and a technical account), the clock is advanced in the portal,
and the robot's payment shows on the supplier's invoice timeline."""

import base64
import json
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from api.services import api_application_ensure, technical_account_create
from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from sandbox.demo import robots_demo_load
from sandbox.selectors import SANDBOX_ADMIN_GROUP
from structures.demo import ROBOT_HAPPY_SIRET, demo_load
from structures.models import Structure
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password
CLIENT_ID, CLIENT_SECRET = "chorus-sandbox", "chorus-sandbox-secret"
TECH_LOGIN, TECH_PASSWORD = "tech-integrateur", "sandbox-robot"
# The integrator's software talks to the live server directly, never through a proxy.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_post(url: str, data: bytes, headers: dict[str, str]) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with HTTP.open(request, timeout=30) as response:
        assert response.status == 200
        return json.loads(response.read())


def _soumettre_by_api(base_url: str, *, recipient_siret: str, number: str) -> dict:
    """What the integrator's software does: a PISTE token, then `factures/v1/soumettre`."""
    token = _http_post(
        f"{base_url}/api/oauth/token",
        urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": "openid",
            }
        ).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )["access_token"]
    account = base64.b64encode(f"{TECH_LOGIN}:{TECH_PASSWORD}".encode()).decode()
    payload = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": number,
        "idUtilisateurCourant": 0,
        "destinataire": {"codeDestinataire": recipient_siret, "codeServiceExecutant": "ROBOT"},
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
                "lignePosteDenomination": "Licence annuelle",
                "lignePosteQuantite": 1,
                "lignePosteUnite": "lot",
                "lignePosteMontantUnitaireHT": 800.0,
                "lignePosteTauxTva": "TVA20",
            }
        ],
        "montantTotal": {"montantHtTotal": 800.0, "montantTVA": 160.0, "montantTtcTotal": 960.0},
    }
    return _http_post(
        f"{base_url}/cpro/factures/v1/soumettre",
        json.dumps(payload).encode(),
        {
            "Authorization": f"Bearer {token}",
            "cpro-account": account,
            "Content-Type": "application/json;charset=utf-8",
        },
    )


def test_integrator_sets_a_robot_advances_the_clock_and_sees_the_payment(page: Page, live_server):
    demo_load()
    robots_demo_load()
    recipient = Structure.objects.get(identifier=ROBOT_HAPPY_SIRET)
    supplier = StructureFactory(name="Éditeur de logiciel (intégrateur)")
    user = UserFactory(email="integrateur@editeur.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    user.groups.add(Group.objects.get_or_create(name=SANDBOX_ADMIN_GROUP)[0])
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Bac à sable")
    technical_account_create(structure=supplier, login=TECH_LOGIN, password=TECH_PASSWORD)

    # 1. The integrator gives the demo recipient a "pay after 15 days" scenario.
    log_in(page, user.email)
    page.get_by_role("link", name="Bac à sable : horloge et robots").click()
    page.get_by_role("link", name=f"Régler le robot de {recipient.name}").click()
    page.get_by_label("Nom du scénario").fill("Paie à 15 jours")
    page.get_by_label("Règle 1", exact=True).select_option("PAY_AFTER")
    page.get_by_label("Règle 1 : jours").fill("15")
    page.get_by_label("Règle 2", exact=True).select_option("")
    page.get_by_role("button", name="Enregistrer le scénario").click()
    expect(page.get_by_text("Scénario du robot")).to_be_visible()
    expect(page.locator("#regles-actuelles")).to_have_text(
        "Mise en paiement 15 jour(s) après la réception"
    )

    # 2. The integrator's software deposits an invoice to that recipient BY API.
    answer = _soumettre_by_api(live_server.url, recipient_siret=recipient.siret, number="F-ROBOT-1")
    assert answer["codeRetour"] == 0, answer
    assert answer["numeroFacture"] == "F-ROBOT-1"
    draft = Invoice.objects.get(pk=answer["identifiantFactureCPP"])
    assert draft.supplier == supplier
    assert draft.deposit_mode == "SAISIE_API"
    assert draft.status == InvoiceStatus.MISE_A_DISPOSITION  # routed on commit
    page.goto(f"/factures/{draft.pk}/")
    expect(page.locator("#statut")).to_have_text("Mise à disposition du destinataire")

    # 3. The clock is advanced by 15 days in the portal: the robot pays.
    page.goto("/bac-a-sable/")
    page.get_by_label("Jours").fill("15")
    page.get_by_role("button", name="Avancer l'horloge").click()
    expect(page.get_by_text("Actions des robots destinataires : 1")).to_be_visible()

    # 4. The supplier's invoice timeline shows the robot's action.
    page.goto(f"/factures/{draft.pk}/")
    expect(page.locator("#statut")).to_have_text("Mise en paiement")
    expect(page.locator("#historique")).to_contain_text("Robot du bac à sable")
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.MISE_EN_PAIEMENT
    assert draft.payment_amount == draft.total_gross
