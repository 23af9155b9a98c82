"""S3 in a real browser: the strict CSP blocks nothing the pages need (no violation reported).

Chromium reports every blocked inline script, style, eval or resource on the console; a page that
needs one would be broken for users, so any such message fails the test.
"""

import re

import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def violations(page):
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"pageerror: {error}"))
    return found


@pytest.mark.parametrize("url", ["/", "/compte/login/", "/annuaire/", "/aide/", "/admin/login/"])
def test_pages_load_without_csp_violation(page, violations, url):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_assistant_htmx_form_works_and_resets_under_the_policy(page, violations):
    page.goto("/assistant/")
    page.get_by_label("Votre question").fill("Comment déposer une facture ?")
    page.get_by_role("button", name="Demander").click()
    page.locator("#conversation").get_by_text("Comment déposer une facture ?").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Votre question").input_value() == ""  # reset by static/js/chorus.js
    assert page.url.endswith("/assistant/")  # htmx swapped, no full page load
    assert violations == []


def test_swagger_ui_renders_under_its_hashed_policy(page, violations):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Chorus Pro" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []


def test_admin_pages_work_under_the_policy(page, violations):
    UserFactory(email="admin@example.test", is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    if "/compte/login/" in page.url:  # the admin login handed over to allauth
        page.get_by_label("Adresse e-mail").fill("admin@example.test")
        page.get_by_label(re.compile(r"^Mot de passe\s*:?$")).fill("motdepasse-solide-42")
        page.get_by_role("button", name="Se connecter").click()
        page.goto("/admin/invoices/invoice/")
    else:
        page.locator("#id_username").fill("admin@example.test")
        page.locator("#id_password").fill("motdepasse-solide-42")
        page.locator("input[type=submit]").click()
        page.goto("/admin/invoices/invoice/")
    page.wait_for_load_state("networkidle")
    assert "/admin/invoices/invoice/" in page.url
    page.goto("/admin/structures/structure/add/")
    page.wait_for_load_state("networkidle")
    assert violations == []


def test_the_violation_detector_sees_a_blocked_inline_script(page, violations, settings):
    """Without its hashes, Swagger UI's inline script is blocked and reported: the check works."""
    settings.CHORUS_CSP_HASHED_PATHS = []
    page.goto("/api/docs/")
    page.wait_for_load_state("networkidle")
    assert any("script" in message for message in violations)
