"""Issue 18 minor: an oversized upload is refused in the browser before it is sent."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_oversized_pdf_refused_before_sending(page: Page, live_server):
    supplier = StructureFactory(name="Fournitures Dupont")
    user = UserFactory(email="compta@dupont.test")
    MembershipFactory(user=user, structure=supplier)
    page.goto("/compte/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.goto(reverse("invoices:deposit_pdf"))
    big = {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" * 2_800_000}
    page.get_by_label("Facture au format PDF (signée ou non)").set_input_files(big)
    refusal = page.locator(".upload-refused")
    expect(refusal).to_contain_text("facture.pdf : 10,7 Mo, la limite est 10 Mo par fichier")
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").last.click()
    page.wait_for_timeout(300)
    assert posts == []  # nothing sent
