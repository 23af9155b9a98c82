"""Issue 2's journey in a real browser.

Sign up, activate by the captured e-mail, create the company structure from its SIRET, a colleague
asks to be attached, the principal manager approves, the colleague sees the structure.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import SandboxEmail
from structures.choices import CompanyCategory
from tests.factories import CompanyRecordFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Verger-Lumiere-2026"
COLLEAGUE_PASSWORD = "motdepasse-solide-42"  # UserFactory's password


def _activation_link(email: str) -> str:
    message = SandboxEmail.objects.filter(to__contains=email).latest("sent_at")
    match = re.search(r"https?://\S+/compte/confirm-email/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def _log_in(page: Page, email: str, password: str) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    if page.get_by_role("button", name="Se déconnecter").count():  # allauth's confirmation page
        page.get_by_role("button", name="Se déconnecter").click()


def test_signup_activation_structure_creation_and_attachment(page: Page, live_server):
    company = CompanyRecordFactory(
        siret="84512390000019", name="Boulangerie des Tilleuls", category=CompanyCategory.MICRO
    )
    colleague = UserFactory(email="colleague@example.test", first_name="Chloé", last_name="Martin")

    # 1. Sign up; the activation e-mail is captured by the sandbox mailbox.
    page.goto("/")
    expect(page.locator("#bandeau-emulation")).to_contain_text("ceci n'est pas Chorus Pro")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Adresse e-mail").fill("gerant@boulangerie.test")
    page.get_by_label("Prénom").fill("Paul")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Durand")
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", name="Activez votre compte")).to_be_visible()

    # 2. Activate through the link of the captured e-mail (same browser session: logged in).
    page.goto(_activation_link("gerant@boulangerie.test"))
    expect(page).to_have_url(re.compile(r"/structures/$"))

    # 3. Create the structure from its SIRET, pre-filled from the local register.
    page.get_by_role("link", name="Créer une structure").click()
    page.get_by_label("Identifiant (SIRET, n° de TVA…)").fill("845 123 900 00019")
    page.get_by_role("button", name="Rechercher dans le répertoire").click()
    expect(page.get_by_label("Raison sociale")).to_have_value(company.name)
    page.get_by_role("button", name="Créer la structure").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(company.name)
    expect(page.get_by_text("Gestionnaire principal").first).to_be_visible()
    structure_url = page.url
    _log_out(page)

    # 4. A colleague asks to be attached to that structure.
    _log_in(page, colleague.email, COLLEAGUE_PASSWORD)
    page.get_by_role("link", name="Demander un rattachement").click()
    page.get_by_label("Identifiant de la structure (SIRET…)").fill("84512390000019")
    page.get_by_role("button", name="Rechercher la structure").click()
    page.get_by_label("Message au gestionnaire principal (facultatif)").fill("Je tiens la caisse.")
    page.get_by_role("button", name="Confirmer la demande de rattachement").click()
    expect(page.get_by_text(company.name).first).to_be_visible()
    # Not yet a member: the structure page is not reachable.
    response = page.goto(structure_url)
    assert response is not None
    assert response.status == 404
    page.goto("/")
    _log_out(page)

    # 5. The principal manager approves the request.
    _log_in(page, "gerant@boulangerie.test", PASSWORD)
    page.goto(structure_url)
    page.get_by_role("button", name=f"Accepter la demande de {colleague.email}").click()
    expect(page.locator(".messages")).to_be_visible()
    _log_out(page)

    # 6. The colleague now sees the structure in their space and can open it.
    _log_in(page, colleague.email, COLLEAGUE_PASSWORD)
    expect(page.get_by_role("link", name=re.compile(company.name)).first).to_be_visible()
    response = page.goto(structure_url)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text(company.name)
    assert SandboxEmail.objects.filter(to__contains=colleague.email, subject__contains="validé")
