"""Issue 14 #9: `telecharger/groupe` gives each invoice once however often it is listed (one
download event, one copy in the ZIP) and refuses more than MAX_GROUP_INVOICES distinct invoices."""

import base64
import io
import zipfile

import pytest

from api.views.factures.download import MAX_GROUP_INVOICES
from invoices.models import InvoiceEvent
from tests.api.test_factures import (  # noqa: F401 — fixtures
    recipient_account,
    recipient_api,
    recipient_structure,
    submit,
    supplier_ready,
)

pytestmark = pytest.mark.django_db
PATH = "factures/v1/telecharger/groupe"


def test_a_repeated_id_is_downloaded_once(submit, recipient_api):  # noqa: F811
    invoice = submit()
    items = [{"idFacture": invoice.pk}] * 5000
    response = recipient_api.post(PATH, {"format": "PDF", "listeFacture": items})
    assert response.json()["codeRetour"] == 0, response.content
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(response.json()["fichierResultat"])))
    assert len(archive.namelist()) == 1
    downloads = InvoiceEvent.objects.filter(invoice=invoice, action="chorus.invoice.downloaded")
    assert downloads.count() == 1


def test_more_distinct_invoices_than_the_bound_is_a_clear_400(recipient_api):  # noqa: F811
    items = [{"idFacture": n} for n in range(1, MAX_GROUP_INVOICES + 2)]
    response = recipient_api.post(PATH, {"format": "PDF", "listeFacture": items})
    assert response.status_code == 400
    assert response.json()["libelle"].startswith(f"listeFacture : {MAX_GROUP_INVOICES} factures")
    assert not InvoiceEvent.objects.filter(action="chorus.invoice.downloaded").exists()
