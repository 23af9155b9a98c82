"""Issue 14 item 2: stored files leave the server only through views that check the caller's
right to each one; no /media/ route in any mode; DEBUG off by default; French error pages."""
# ruff: noqa: F811  (pytest fixtures imported from tests.invoices.conftest)

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import loader
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from api.models import ApiFile
from api.services import technical_account_create
from invoices.choices import InvoiceStatus
from invoices.documents import invoice_document_store
from invoices.flux.services import flux_deposit
from invoices.models import InvoiceDocument
from support import services as support_services
from support.models import SollicitationAttachment
from tests.factories import MembershipFactory, StructureFactory, UserFactory
from tests.invoices.conftest import (  # noqa: F401  (fixtures)
    accept_terms,
    invoice_in,
    recipient,
    recipient_user,
    supplier,
    supplier_user,
)
from tests.invoices.test_uploads import sample_bytes

ROOT = Path(__file__).resolve().parent.parent.parent
PDF = b"%PDF-1.7\n% stored file of issue 14\n%%EOF\n"
PDF_SAMPLE = sample_bytes()


def _outsider(client: Client) -> None:
    other = MembershipFactory(structure=StructureFactory(name="Autre tenant"))
    accept_terms(other.user)
    client.force_login(other.user)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- no /media/ route ---------------------------------------------------------------------------
_SERVE_SCRIPT = textwrap.dedent(
    """
    import django, sys
    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import Resolver404, resolve
    print("DEBUG", settings.DEBUG)
    try:
        resolve(sys.argv[1])
        print("RESOLVED")
    except Resolver404:
        print("NO-ROUTE")
    print("STATUS", Client().get(sys.argv[1]).status_code)
    """
)


@pytest.mark.parametrize("debug", ["true", "false"])
def test_media_path_of_a_real_file_is_404_in_debug_and_production(tmp_path, debug):
    """A stored invoice PDF at its real, guessable path under MEDIA_URL is not served."""
    media = tmp_path / "media"
    relative = "invoices/1/1/facture-F-1-facturx.pdf"
    (media / relative).parent.mkdir(parents=True)
    (media / relative).write_bytes(PDF)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CHORUS_"))},
        "DJANGO_SETTINGS_MODULE": "chorus.settings.base",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_SECRET_KEY": "test-only-" + "k" * 50,
        "DJANGO_DEBUG": debug,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "CHORUS_VAR_DIR": str(tmp_path),
        "CHORUS_MEDIA_ROOT": str(media),
        "DATABASE_URL": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", _SERVE_SCRIPT, f"/media/{relative}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"DEBUG {debug == 'true'}" in result.stdout
    assert "NO-ROUTE" in result.stdout
    assert "STATUS 404" in result.stdout


def test_no_url_pattern_under_media():
    with pytest.raises(Resolver404):
        resolve("/media/invoices/1/1/facture.pdf")


# --- each stored-file kind: its owner downloads it, another tenant gets 404 ---------------------
@pytest.mark.django_db
@pytest.mark.parametrize("kind", [k for k, _ in InvoiceDocument.Kind.choices])
def test_invoice_documents_owner_and_recipient_download_other_tenant_404(
    client, supplier_user, recipient_user, invoice_in, kind
):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    document = invoice_document_store(
        invoice=invoice, kind=kind, content=PDF, filename="doc.pdf", content_type="application/pdf"
    )
    url = reverse("invoices:document_download", args=[document.pk])
    for user in (supplier_user, recipient_user):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert _body(response) == PDF
    _outsider(client)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_flux_file_owner_downloads_other_tenant_404(client, supplier, supplier_user):
    data = b"<Invoice/>"
    flux = flux_deposit(
        structure=supplier, by=supplier_user, file=SimpleUploadedFile("lot.xml", data)
    )
    url = reverse("flux:file", args=[flux.pk])
    client.force_login(supplier_user)
    assert url in client.get(reverse("flux:detail", args=[flux.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="lot.xml"'
    assert _body(response) == data
    _outsider(client)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_sollicitation_attachment_owner_downloads_other_tenant_404(client, supplier_user):
    sollicitation = support_services.sollicitation_create(
        requester=supplier_user,
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Rejet",
        body="Pourquoi ?",
        files=[SimpleUploadedFile("preuve.pdf", sample_bytes(), content_type="application/pdf")],
    )
    item = SollicitationAttachment.objects.get(message__sollicitation=sollicitation)
    url = reverse("support:attachment", args=[sollicitation.pk, item.pk])
    client.force_login(supplier_user)
    response = client.get(url)
    assert response.status_code == 200
    assert _body(response) == sample_bytes()
    _outsider(client)
    assert client.get(url).status_code == 404


def _api_file(structure) -> ApiFile:
    account = technical_account_create(structure=structure, login="tech-x", password="sandbox")
    return ApiFile.objects.create(
        account=account,
        structure=structure,
        file=ContentFile(PDF, name="api.pdf"),
        filename="api.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )


@pytest.mark.django_db
def test_admin_pages_link_files_through_a_permission_checked_view(
    client, supplier, supplier_user, invoice_in
):
    """Django's admin shows a FileField as a link to `file.url` (/media/...): replaced."""
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    document = invoice_document_store(
        invoice=invoice,
        kind=InvoiceDocument.Kind.ORIGINAL,
        content=PDF,
        filename="doc.pdf",
        content_type="application/pdf",
    )
    api_file = _api_file(supplier)
    sollicitation = support_services.sollicitation_create(
        requester=supplier_user,
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Rejet",
        body="Pourquoi ?",
        files=[SimpleUploadedFile("preuve.pdf", PDF_SAMPLE, content_type="application/pdf")],
    )
    attachment = SollicitationAttachment.objects.get(message__sollicitation=sollicitation)
    flux = flux_deposit(structure=supplier, by=supplier_user, file=SimpleUploadedFile("f.xml", PDF))
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    for obj, content in (
        (document, PDF),
        (api_file, PDF),
        (attachment, PDF_SAMPLE),
        (flux, PDF),
    ):
        opts = obj._meta
        page = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert page.status_code == 200
        html = page.content.decode()
        assert "/media/" not in html
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_file", args=[obj.pk])
        assert url in html
        response = client.get(url)
        assert response.status_code == 200
        assert _body(response) == content
    # Staff without the view permission on the model: refused, in French.
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_invoice"))
    client.force_login(staff)
    refused = client.get(reverse("admin:invoices_invoicedocument_file", args=[document.pk]))
    assert refused.status_code == 403
    assert "Accès refusé" in refused.content.decode()  # templates/403.html, in French
    client.logout()
    url = reverse("admin:api_apifile_file", args=[api_file.pk])
    assert client.get(url).status_code == 302  # admin login


# --- DEBUG off by default, static files still served, French error pages -------------------------
def test_make_dotenv_writes_debug_off():
    out = subprocess.run(
        ["sh", "scripts/make-dotenv"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    values = dict(
        line.split("=", 1) for line in out.splitlines() if line and not line.startswith("#")
    )
    assert values["DJANGO_DEBUG"] == "false"
    assert values["DJANGO_SECURE_COOKIES"] == "false"  # plain http on 127.0.0.1
    assert len(values["DJANGO_SECRET_KEY"]) >= 50


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_with_debug_off_unless_asked():
    def runserver_line(*args: str) -> str:
        out = subprocess.run(
            ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        return out.split("manage.py load_demo", 1)[1]

    assert "DJANGO_DEBUG=false" in runserver_line()
    assert "DJANGO_DEBUG=true" in runserver_line("DEBUG=1")


def test_static_files_served_with_debug_off(settings):
    """As `make run` serves them: DEBUG off, WhiteNoise from the finders, no collectstatic."""
    settings.WHITENOISE_AUTOREFRESH = False  # the base setting outside DEBUG (test.py turns it on)
    assert settings.DEBUG is False
    assert settings.WHITENOISE_USE_FINDERS is True
    response = Client().get("/static/css/chorus.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)


@pytest.mark.django_db
def test_404_page_is_french_with_the_emulation_banner(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "ceci n'est pas Chorus Pro" in html
    assert "Not Found" not in html


@pytest.mark.parametrize(
    ("template", "title"),
    [
        ("500.html", "Erreur du serveur"),
        ("400.html", "Requête incorrecte"),
        ("403_csrf.html", "Formulaire expiré"),
    ],
)
def test_error_pages_render_without_request_or_database(template, title):
    """Django renders these with no context processor: they must not need one."""
    html = loader.get_template(template).render()
    assert title in html
    assert "ceci n'est pas Chorus Pro" in html
    assert 'lang="fr"' in html


@pytest.mark.django_db
def test_400_for_a_bad_host_is_french(client):
    response = client.get("/", HTTP_HOST="attaquant.example")
    assert response.status_code == 400
    assert "Requête incorrecte" in response.content.decode()


def test_no_code_or_template_links_to_a_stored_file_url():
    """`FileField.url` points under MEDIA_URL, which nothing serves: links go to the views."""
    offenders = []
    for pattern in ("*.py", "*.html", "*.txt"):
        for path in ROOT.rglob(pattern):
            relative = path.relative_to(ROOT)
            if relative.parts[0] in {".venv", "tests", "node_modules", "staticfiles", "var"}:
                continue
            if relative == Path("chorus/files.py"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if re.search(r"\bfile\.url\b|MEDIA_URL\s*,|static\(settings\.MEDIA", text):
                offenders.append(str(relative))
    assert offenders == []
