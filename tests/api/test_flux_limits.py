"""One size limit per kind of file, the same on the portal and the API, named in every error
(issue 16 point 8; limits in chorus/limits.py, stated in docs/api.md)."""

import base64
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from chorus.exceptions import ChorusError
from chorus.limits import FLUX_FILE_MAX_BYTES, INVOICE_FILE_MAX_BYTES, MB, in_mo
from invoices.flux.services import flux_precheck
from invoices.formats.validate import validate_document
from invoices.models import Flux

pytestmark = pytest.mark.django_db


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_the_api_request_limit_carries_a_full_flux(settings):
    assert len(b64(b"0" * FLUX_FILE_MAX_BYTES)) + 4096 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_12_mb_flux_is_read_not_refused_as_10_mb(api):
    members = io.BytesIO()
    with zipfile.ZipFile(members, "w", zipfile.ZIP_STORED) as archive:
        for name in ("a.xml", "b.xml"):
            archive.writestr(name, b"<x>" + b"a" * (6 * MB) + b"</x>")
    assert len(members.getvalue()) > 12 * MB
    response = api.post(
        "emulateur/v1/precontrole", {"fichierFlux": b64(members.getvalue()), "nomFichier": "l.zip"}
    )
    assert response.status_code == 200, response.content[:300]
    assert response.json()["rapport"]["total"] == 2


def test_a_request_over_the_server_limit_on_a_flux_names_the_flux_limit(api):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024):
        response = api.post(
            "factures/v1/deposer/flux",
            {"fichierFlux": b64(b"x" * 4096), "nomFichier": "f.xml", "syntaxeFlux": ""},
        )
    assert response.status_code == 413
    assert in_mo(FLUX_FILE_MAX_BYTES) in response.json()["libelle"]
    assert Flux.objects.count() == 0


def test_portal_flux_over_the_limit_names_the_same_limit():
    with pytest.raises(ChorusError, match=in_mo(FLUX_FILE_MAX_BYTES)):
        flux_precheck(file=SimpleUploadedFile("gros.zip", b"0" * (FLUX_FILE_MAX_BYTES + 1)))


@pytest.mark.parametrize("head", [b"<x>", b"%PDF-1.7\n"])
def test_one_invoice_file_over_its_limit_is_refused_naming_it(head):
    report, _ = validate_document(head + b"a" * INVOICE_FILE_MAX_BYTES, "gros")
    finding = report.errors[0]
    assert finding.rule_id == "FMT-002"
    assert in_mo(INVOICE_FILE_MAX_BYTES) in finding.message_fr
