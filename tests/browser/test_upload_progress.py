"""Issue 18 minor: an upload shows real progress (XMLHttpRequest upload events on a <progress>),
then the server's answer replaces the page, address and messages included."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.pages import log_in
from tests.browser.test_pdf_deposit_journey import SAMPLE
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms

pytestmark = pytest.mark.django_db(transaction=True)

# Records every state of the progress bar; the window outlives the page the answer replaces.
WATCH = """() => {
  window.__seen = [];
  new MutationObserver(() => {
    const bar = document.getElementById("upload-bar");
    if (bar) window.__seen.push([bar.value, bar.labels[0].textContent]);
  }).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
}"""


def test_pdf_upload_shows_progress_then_the_answer(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    log_in(page, user.email)
    page.goto(reverse("invoices:deposit_pdf"))
    page.get_by_label("Facture au format PDF (signée ou non)").set_input_files(str(SAMPLE))
    posts = []
    page.on("request", lambda r: posts.append(r.resource_type) if r.method == "POST" else None)
    page.evaluate(WATCH)
    page.get_by_role("button", name="Déposer le PDF et vérifier les informations").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("F20180027")
    assert posts == ["xhr"]
    seen = page.evaluate("window.__seen")
    assert seen, "no progress bar shown"
    assert seen[-1][0] == 100
    assert any(re.match(r"Envoi", label) for _value, label in seen)
    assert any("vérification en cours" in label for _value, label in seen)
    # The address is the answer's (the draft's page), and its scripts run again.
    assert page.url.rstrip("/") != f"{live_server.url}{reverse('invoices:deposit_pdf')}".rstrip("/")
    expect(page.get_by_label("Numéro de facture")).to_have_value("F20180027")
    assert page.evaluate("document.documentElement.classList.contains('menu-js')")
