"""Integrator page in a real browser: enable a fault, see the API answer 503, and find the call
in the request log."""

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from api.services import api_application_ensure, technical_account_create
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient, get_token
from tests.browser.pages import log_in
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"  # UserFactory's password


def test_integrator_enables_a_fault_and_sees_the_503_in_the_log(page: Page, live_server):
    supplier = StructureFactory(name="Fournisseur de démonstration")
    user = UserFactory(email="integrateur@fournisseur.test")
    MembershipFactory(user=user, structure=supplier, principal=True)
    accept_terms(user)
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Bac à sable")
    technical_account_create(structure=supplier, login="tech-fournisseur", password="sandbox")

    log_in(page, user.email)
    page.get_by_role("link", name="Espace intégrateur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace intégrateur")
    page.get_by_label("Effet", exact=True).select_option("503")
    page.get_by_label("Seulement les N prochains appels (vide : sans limite)").fill("1")
    page.get_by_role("button", name="Enregistrer la panne").click()
    expect(page.get_by_text("Panne simulée enregistrée.")).to_be_visible()

    client = Client()
    api = CproClient(client, get_token(client)["access_token"], "tech-fournisseur", "sandbox")
    assert api.get("transverses/v1/health-check").status_code == 503
    assert api.get("transverses/v1/health-check").status_code == 200

    page.reload()
    log = page.locator("#journal-requetes tbody")
    expect(log.get_by_role("row")).to_have_count(2)
    expect(log.get_by_role("row").last).to_contain_text("/cpro/transverses/v1/health-check")
    expect(log.get_by_role("row").last).to_contain_text("503")
    expect(log.get_by_role("row").first).to_contain_text("200")
