"""Issue 18 major 2: after an error, « Nous contacter » shows a (new) verification question that
the hidden token expects, and the visitor gets through without reloading (and retyping)."""

import re

import pytest
from playwright.sync_api import Page, expect

from support.models import Sollicitation

pytestmark = pytest.mark.django_db(transaction=True)


def _question(page: Page) -> tuple[int, int]:
    label = page.locator("label[for=id_captcha_answer]").inner_text()
    found = re.search(r"(\d+) \+ (\d+)", label)
    assert found, f"question de vérification absente : « {label} »"
    return int(found.group(1)), int(found.group(2))


def test_contact_keeps_a_question_after_an_error(page: Page, live_server):
    page.goto("/")
    page.get_by_role("link", name="Nous contacter").click()
    page.get_by_label("Nom et prénom").fill("Jeanne Visiteuse")
    page.get_by_label("Adresse e-mail").fill("jeanne@example.test")
    page.get_by_label("Catégorie :", exact=True).select_option("COMPTE")
    page.get_by_label("Sous-catégorie").select_option("COMPTE_ACTIVATION")
    page.get_by_label("Objet").fill("Pas d'e-mail d'activation")
    # No message and a wrong answer: two errors.
    a, b = _question(page)
    page.get_by_label(re.compile("Question de vérification")).fill(str(a + b + 1))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("body")).to_contain_text("la réponse est incorrecte")
    # The question is back, what was typed is kept; the new question's answer is accepted.
    a, b = _question(page)
    expect(page.get_by_label("Objet")).to_have_value("Pas d'e-mail d'activation")
    page.get_by_label("Message").fill("Je n'ai rien reçu.")
    page.get_by_label(re.compile("Question de vérification")).fill(str(a + b))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("heading", name="Sollicitation envoyée")).to_be_visible()
    assert Sollicitation.objects.filter(contact_email="jeanne@example.test").exists()
