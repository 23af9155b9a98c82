"""« Facture concernée »: the form says where a request about each invoice goes, by the rule that
routes it; an invoice that never reached a recipient goes to the support, and says so."""

import re

import pytest
from django.urls import reverse

from invoices.choices import InvoiceStatus
from support.choices import Addressee
from support.models import Sollicitation

pytestmark = pytest.mark.django_db


def _option(html: str, pk: int) -> str:
    found = re.search(rf'<option value="{pk}"[^>]*>([^<]*)</option>', html)
    assert found, html
    return found.group(1)


@pytest.fixture
def routed_and_unrouted(invoice_in):
    routed = invoice_in(InvoiceStatus.REJETEE, number="F-OK")
    unrouted = invoice_in(
        InvoiceStatus.A_RECYCLER, number="R-9", recipient=None, recipient_siret="11000201100044"
    )
    return routed, unrouted


def _post(client, invoice):
    return client.post(
        reverse("support:create"),
        {
            "category": "SUIVI",
            "subcategory": "SUIVI_REJET",
            "subject": "Question",
            "body": "Bonjour",
            "invoice": invoice.pk,
            "structure": "",
        },
    )


def test_the_form_says_where_each_request_goes_and_the_request_goes_there(
    client, supplier_user, recipient, routed_and_unrouted
):
    routed, unrouted = routed_and_unrouted
    client.force_login(supplier_user)
    html = client.get(reverse("support:create")).content.decode()
    assert _option(html, routed.pk).endswith(f"adressée à {recipient.name}")
    assert _option(html, unrouted.pk).endswith("adressée au support")
    assert "jamais atteint de destinataire" in html

    response = _post(client, unrouted)
    assert response.status_code == 302
    s = Sollicitation.objects.get(invoice=unrouted)
    assert s.addressee == Addressee.SUPPORT
    assert s.recipient_structure is None
    page = client.get(response["Location"]).content.decode()
    assert "envoyée au support de la plateforme" in page

    response = _post(client, routed)
    s = Sollicitation.objects.get(invoice=routed)
    assert s.addressee == Addressee.DESTINATAIRE
    assert s.recipient_structure == recipient
    page = client.get(response["Location"]).content.decode()
    assert f"envoyée à {recipient.name}, qui a reçu la facture" in page


def test_the_recipient_asking_about_its_received_invoice_is_told_it_goes_to_support(
    client, recipient_user, routed_and_unrouted
):
    routed, _ = routed_and_unrouted
    client.force_login(recipient_user)
    html = client.get(reverse("support:create")).content.decode()
    assert _option(html, routed.pk).endswith("adressée au support")
