"""S3 — security headers and a strict Content-Security-Policy on representative pages."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from chorus.security import inline_hashes
from tests.factories import MembershipFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: (rest[0] if rest else "") for name, *rest in directives}


def _assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def supplier_client(client):
    membership = MembershipFactory(principal=True)
    invoice = make_invoice(supplier=membership.structure)
    client.force_login(membership.user)
    return client, invoice


@pytest.mark.parametrize("url", ["/", "/compte/login/", "/annuaire/", "/admin/login/", "/aide/"])
def test_public_pages_carry_the_strict_policy_and_headers(client, url):
    response = client.get(url, follow=True)  # the admin login may hand over to allauth
    assert response.status_code == 200
    _assert_common_headers(response)
    policy = _policy(response)
    for directive, value in STRICT.items():
        assert policy[directive] == value, (url, directive, policy[directive])
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_invoice_detail_carries_the_strict_policy(supplier_client):
    client, invoice = supplier_client
    response = client.get(f"/factures/{invoice.pk}/")
    assert response.status_code == 200
    _assert_common_headers(response)
    assert _policy(response) | STRICT == _policy(response)


def test_rendered_pages_have_no_inline_script_style_or_handler(supplier_client):
    client, invoice = supplier_client
    for url in ["/", "/factures/", f"/factures/{invoice.pk}/", "/assistant/", "/annuaire/"]:
        html = client.get(url).content.decode()
        assert not inline_hashes(html.encode()), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=|\shx-on", html), url


def test_templates_have_no_inline_script_style_or_handler():
    """A new template with an inline block would be blocked by the browser: fail here first.

    PDF templates are rendered by WeasyPrint, never served to a browser.
    """
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "pdf" in path.parts or "email" in path.parts or "account/email" in str(path):
            continue
        text = path.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"<style", text)
            or re.search(r"\sstyle=", text)
            or re.search(r"\son[a-z]+=|\shx-on", text)
        ):
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert not offenders


def test_swagger_ui_allows_exactly_its_own_inline_blocks_by_hash(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    _assert_common_headers(response)
    policy = _policy(response)
    hashes = inline_hashes(response.content)
    assert hashes["script-src"], "Swagger UI starts with an inline script"
    for directive, sources in hashes.items():
        assert policy[directive].split() == ["'self'", *sources]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    for directive in ("object-src", "base-uri", "frame-ancestors", "form-action"):
        assert policy[directive] == STRICT[directive]


def test_api_responses_carry_nosniff_and_the_policy(client):
    response = client.get("/cpro/transverses/v1/recuperer/pays")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert _policy(response)["frame-ancestors"] == "'none'"


def test_production_settings_send_hsts_and_secure_httponly_cookies(client, settings):
    """With the production values of tests/test_deploy_checks.py: HSTS one year + subdomains."""
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.get("/compte/login/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"]
    assert csrf["httponly"]
    assert csrf["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_HTTPONLY
