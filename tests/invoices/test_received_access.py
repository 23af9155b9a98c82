"""Who may reach the back-office, see an invoice, and process it (matrix)."""

import pytest
from django.urls import reverse

from invoices.choices import InvoiceStatus
from structures.choices import AccessLevel
from tests.factories import MembershipFactory, ServiceFactory, UserFactory
from tests.invoices.test_received_support import public_structure, received, staff_of

S = InvoiceStatus
pytestmark = pytest.mark.django_db

LIST_VIEWS = ["received:list", "received:export", "received:zip", "received:dashboard_index"]


@pytest.fixture
def invoice():
    return received(public_structure(name="Mairie A"))


@pytest.mark.parametrize("name", LIST_VIEWS)
def test_supplier_without_public_structure_is_redirected_with_a_message(client, name, invoice):
    supplier_user = UserFactory()
    MembershipFactory(user=supplier_user, structure=invoice.supplier)
    client.force_login(supplier_user)
    response = client.get(reverse(name), follow=True)
    assert response.redirect_chain[0][0] == reverse("structures:mine")
    assert "réservé aux agents" in response.content.decode()


def test_supplier_of_the_invoice_gets_404_on_received_detail_dashboard_and_process(client, invoice):
    supplier_user = UserFactory()
    MembershipFactory(user=supplier_user, structure=invoice.supplier)
    client.force_login(supplier_user)
    assert client.get(reverse("received:detail", args=[invoice.pk])).status_code == 404
    url = reverse("received:process", args=[invoice.pk, "suspend"])
    response = client.post(url, {"suspend-expected_status": S.MISE_A_DISPOSITION})
    assert response.status_code == 404
    dashboard = reverse("received:dashboard", args=[invoice.recipient_id])
    assert client.get(dashboard).status_code == 302  # no public structure at all
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_anonymous_user_is_sent_to_login(client, invoice):
    response = client.get(reverse("received:detail", args=[invoice.pk]))
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]


def test_staff_of_another_public_structure_gets_404(client, invoice):
    other = public_structure(name="Mairie B")
    client.force_login(staff_of(other))
    assert client.get(reverse("received:detail", args=[invoice.pk])).status_code == 404
    response = client.post(
        reverse("received:process", args=[invoice.pk, "mark_service_done"]),
        {"mark_service_done-expected_status": S.MISE_A_DISPOSITION},
    )
    assert response.status_code == 404
    assert client.get(reverse("received:dashboard", args=[invoice.recipient_id])).status_code == 404
    listing = client.get(reverse("received:list"))
    assert invoice.number not in listing.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_pending_membership_does_not_open_the_back_office(client, invoice):
    user = UserFactory()
    MembershipFactory(user=user, structure=invoice.recipient, pending=True)
    client.force_login(user)
    assert client.get(reverse("received:detail", args=[invoice.pk])).status_code == 404
    assert client.get(reverse("received:list")).status_code == 302


def test_consultation_staff_sees_the_invoice_but_not_the_form_and_post_is_403(client, invoice):
    client.force_login(staff_of(invoice.recipient, access_level=AccessLevel.CONSULTATION))
    page = client.get(reverse("received:detail", args=[invoice.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert invoice.number in content
    assert "Suspendre la facture" not in content
    assert "sans pouvoir la traiter" in content
    response = client.post(
        reverse("received:process", args=[invoice.pk, "suspend"]),
        {"suspend-expected_status": S.MISE_A_DISPOSITION, "suspend-reason": "Pièce manquante"},
    )
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_staff_not_assigned_to_the_service_can_neither_open_nor_process(client):
    """Same scope as the list (issue 14 #10): another service's invoice is a 404."""
    mairie = public_structure()
    finances, voirie = ServiceFactory(structure=mairie), ServiceFactory(structure=mairie)
    invoice = received(mairie, service=finances)
    client.force_login(staff_of(mairie, services=[voirie]))
    page = client.get(reverse("received:detail", args=[invoice.pk]))
    assert page.status_code == 404
    response = client.post(
        reverse("received:process", args=[invoice.pk, "mark_service_done"]),
        {"mark_service_done-expected_status": S.MISE_A_DISPOSITION},
    )
    assert response.status_code == 404
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_staff_assigned_to_the_service_can_process(client):
    mairie = public_structure()
    finances = ServiceFactory(structure=mairie)
    invoice = received(mairie, service=finances)
    client.force_login(staff_of(mairie, services=[finances]))
    response = client.post(
        reverse("received:process", args=[invoice.pk, "mark_service_done"]),
        {"mark_service_done-expected_status": S.MISE_A_DISPOSITION},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == S.SERVICE_FAIT


@pytest.mark.parametrize("status", [S.BROUILLON, S.DEPOSEE, S.EN_COURS_ACHEMINEMENT])
def test_invoices_never_made_available_are_not_visible(client, status):
    mairie = public_structure()
    invoice = received(mairie, status=status)
    client.force_login(staff_of(mairie))
    assert client.get(reverse("received:detail", args=[invoice.pk])).status_code == 404
    assert invoice.number not in client.get(reverse("received:list")).content.decode()
