"""Admin: issued invoices and the outbox are read-only; only drafts can be deleted."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from invoices.choices import InvoiceStatus
from invoices.models import Invoice, Outbox

pytestmark = pytest.mark.django_db


def test_issued_invoice_page_is_read_only_with_lines_and_events(admin_client, invoice_in):
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    invoice.events.create(action="chorus.invoice.made_available", to_status="MISE_A_DISPOSITION")
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Prestation 1" in content
    assert "chorus.invoice.made_available" in content
    assert 'name="number"' not in content  # rendered as text, not as an input
    admin_client.post(url, {"number": "PIRATE"})
    invoice.refresh_from_db()
    assert invoice.number != "PIRATE"


def test_draft_page_lets_the_number_be_edited(admin_client, invoice_in):
    invoice = invoice_in(InvoiceStatus.BROUILLON)
    response = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert 'name="number"' in response.content.decode()


def test_only_drafts_can_be_deleted_from_the_admin(rf, admin_user, invoice_in):
    model_admin = site._registry[Invoice]
    request = rf.get("/")
    request.user = admin_user
    assert model_admin.has_delete_permission(request, invoice_in(InvoiceStatus.BROUILLON))
    assert not model_admin.has_delete_permission(request, invoice_in(InvoiceStatus.REJETEE))


def test_outbox_is_read_only(admin_client, invoice_in, rf, admin_user):
    row = Outbox.objects.create(invoice=invoice_in(InvoiceStatus.DEPOSEE))
    assert admin_client.get(reverse("admin:invoices_outbox_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:invoices_outbox_change", args=[row.pk])).status_code == 200
    )
    request = rf.get("/")
    request.user = admin_user
    model_admin = site._registry[Outbox]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
