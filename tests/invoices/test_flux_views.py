"""/flux/ pages: upload with pré-contrôle, deposit, list, detail, JSON report, tenant isolation."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.flux.services import flux_process
from invoices.models import Flux
from tests.factories import MembershipFactory, StructureFactory
from tests.invoices.conftest import accept_terms
from tests.invoices.test_flux import _ubl

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    membership = MembershipFactory(structure=StructureFactory(vat_number="FR40303265045"))
    accept_terms(membership.user)
    client.force_login(membership.user)
    return membership


def test_precheck_shows_report_and_deposits_nothing(client, member):
    recipient = StructureFactory(public=True)
    data = _ubl(member.structure, recipient)
    response = client.post(
        reverse("flux:upload"),
        {
            "structure": member.structure.pk,
            "file": SimpleUploadedFile("f.xml", data),
            "precheck": "1",
        },
    )
    assert response.status_code == 200
    assert "Résultat du pré-contrôle" in response.content.decode()
    assert not Flux.objects.exists()


def test_bad_batch_rerenders_form_with_error_next_to_file(client, member):
    response = client.post(
        reverse("flux:upload"),
        {"structure": member.structure.pk, "file": SimpleUploadedFile("lot.zip", b"PK\x03\x04xx")},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Lot illisible" in response.content.decode()


def test_deposit_then_detail_and_json_report(client, member, django_capture_on_commit_callbacks):
    recipient = StructureFactory(public=True)
    data = _ubl(member.structure, recipient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("flux:upload"),
            {"structure": member.structure.pk, "file": SimpleUploadedFile("f.xml", data)},
        )
    flux = Flux.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("flux:detail", args=[flux.pk])
    page = client.get(reverse("flux:detail", args=[flux.pk])).content.decode()
    assert flux.numero in page
    assert "IN_INTEGRE" in page
    assert flux.numero in client.get(reverse("flux:list")).content.decode()
    body = json.loads(client.get(reverse("flux:report_json", args=[flux.pk])).content)
    assert body["etatCourantFlux"] == "IN_INTEGRE"
    assert body["integrated"] == 1
    invoice = flux.invoices.get()
    xml = client.get(reverse("flux:invoice_ubl", args=[invoice.pk]))
    assert xml.status_code == 200
    assert b"<cbc:ID>F-FLUX-1</cbc:ID>" in xml.content
    assert client.get(reverse("flux:invoice_cii", args=[invoice.pk])).status_code == 200


def test_other_tenant_flow_is_404(client, member):
    other = MembershipFactory()
    accept_terms(other.user)
    from invoices.flux.services import flux_deposit

    flux = flux_deposit(
        structure=other.structure, by=other.user, file=SimpleUploadedFile("f.xml", b"<x/>")
    )
    flux_process(flux_id=flux.pk)
    assert client.get(reverse("flux:detail", args=[flux.pk])).status_code == 404
    assert client.get(reverse("flux:report_json", args=[flux.pk])).status_code == 404


def test_invoice_pages_offer_cii_and_ubl_downloads_to_both_sides(client, invoice_in):
    from invoices.choices import InvoiceStatus

    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    supplier_member = MembershipFactory(structure=invoice.supplier).user
    recipient_member = MembershipFactory(structure=invoice.recipient).user
    for user, page in (
        (supplier_member, f"/factures/{invoice.pk}/"),
        (recipient_member, f"/factures-recues/{invoice.pk}/"),
    ):
        client.force_login(user)
        html = client.get(page).text
        assert f"/flux/factures/{invoice.pk}/cii.xml" in html
        assert f"/flux/factures/{invoice.pk}/ubl.xml" in html
        response = client.get(f"/flux/factures/{invoice.pk}/ubl.xml")
        assert response.status_code == 200
        assert b"<Invoice" in response.content or b":Invoice" in response.content


def test_rejected_flux_is_announced_as_a_refusal(
    client, member, django_capture_on_commit_callbacks
):
    """Issue 18 major 4: a flow refused at processing is not greeted with « reçu »."""
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("flux:upload"),
            {"structure": member.structure.pk, "file": SimpleUploadedFile("f.xml", b"<a>pas</a>")},
        )
    flux = Flux.objects.get()
    assert flux.state == "IN_REJETE"
    page = client.get(reverse("flux:detail", args=[flux.pk])).content.decode()
    assert f'message-error">Flux {flux.numero} rejeté' in page
    assert "traitement en cours" not in page
    # Told once: a reload shows the report, not the message again.
    assert (
        "rejeté : aucune facture"
        not in client.get(reverse("flux:detail", args=[flux.pk])).content.decode()
    )
