"""Invoice detail and the supplier's actions: recycle, complete, rejection, credit note."""

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices import services
from invoices.choices import InvoiceStatus, InvoiceType, RoutingError
from invoices.models import Invoice
from tests.factories import UserFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db

POST_ACTIONS = [
    "recycle",
    "complete",
    "acknowledge_rejection",
    "process_rejection",
    "acknowledge_suspension",
    "credit_note",
]


@pytest.fixture
def logged(client, supplier_user):
    client.force_login(supplier_user)
    return client


def detail_html(client, invoice) -> str:
    response = client.get(reverse("invoices:detail", args=[invoice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_detail_shows_identity_lines_totals_status_and_timeline(
    logged, supplier, supplier_user, invoice_in
):
    invoice = invoice_in(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier_snapshot={"name": "Fournitures Dupont", "siret": supplier.siret, "city": "PARIS"},
    )
    services.invoice_event_create(
        invoice=invoice,
        action="chorus.invoice.deposited",
        actor=supplier_user,
        from_status="BROUILLON",
        to_status="DEPOSEE",
    )
    services.invoice_event_create(
        invoice=invoice,
        action="chorus.invoice.made_available",
        from_status="EN_COURS_ACHEMINEMENT",
        to_status="MISE_A_DISPOSITION",
    )
    html = detail_html(logged, invoice)
    assert "Fournitures Dupont" in html
    assert supplier.siret in html
    assert "Prestation 1" in html
    assert "240,00\u00a0€" in html  # total TTC (French format: no-break space)
    assert 'id="statut">Mise à disposition du destinataire' in html
    assert "Facture déposée" in html
    assert supplier_user.get_full_name() in html
    assert "Système" in html
    assert "Créer un avoir" in html
    assert "Recycler la facture" not in html


@pytest.mark.parametrize("name", ["detail", "edit", *POST_ACTIONS])
def test_another_tenants_invoice_is_a_404(client, name):
    invoice = make_invoice(status=InvoiceStatus.REJETEE)
    client.force_login(UserFactory())
    url = reverse(f"invoices:{name}", args=[invoice.pk])
    response = client.post(url) if name in POST_ACTIONS else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("name", POST_ACTIONS)
def test_actions_are_post_only(logged, invoice_in, name):
    invoice = invoice_in(status=InvoiceStatus.REJETEE)
    assert logged.get(reverse(f"invoices:{name}", args=[invoice.pk])).status_code == 405


def test_recipient_member_does_not_get_the_supplier_page(client, recipient_user, invoice_in):
    invoice = invoice_in()
    client.force_login(recipient_user)
    assert client.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 404


def test_recycle_corrects_routing_data_and_routes_again(
    logged, invoice_in, recipient, django_capture_on_commit_callbacks
):
    invoice = invoice_in(
        status=InvoiceStatus.A_RECYCLER,
        recipient=None,
        recipient_siret="",
        routing_error=RoutingError.EJ_OBLIGATOIRE,
        routing_error_detail="N° d'engagement juridique : obligatoire pour ce destinataire.",
    )
    html = detail_html(logged, invoice)
    assert "obligatoire pour ce destinataire" in html
    assert "Recycler la facture" in html
    url = reverse("invoices:recycle", args=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = logged.post(
            url, {"recipient_siret": recipient.siret, "service_code": "", "ej_number": "EJ-1"}
        )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.ej_number == "EJ-1"
    assert "est recyclée et mise à disposition" in detail_html(logged, invoice)


def test_recycle_with_bad_siret_keeps_typed_values(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.A_RECYCLER, recipient=None)
    response = logged.post(
        reverse("invoices:recycle", args=[invoice.pk]),
        {"recipient_siret": "12345678901235", "ej_number": "EJ-TYPED"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "clé de contrôle" in html
    assert 'value="EJ-TYPED"' in html
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.A_RECYCLER


def test_complete_a_suspended_invoice(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE, suspension_reason="Bon de livraison ?")
    html = detail_html(logged, invoice)
    assert "Bon de livraison ?" in html
    assert "Compléter la facture" in html
    url = reverse("invoices:complete", args=[invoice.pk])
    empty = logged.post(url, {"comment": ""})
    assert empty.status_code == 400
    assert "Commentaire : obligatoire pour compléter la facture." in empty.content.decode()
    response = logged.post(url, {"comment": "Bon de livraison joint."})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPLETEE
    assert "Bon de livraison joint." in detail_html(logged, invoice)


def test_acknowledge_then_process_a_rejection(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.REJETEE, rejection_reason="DOUBLE_FACTURATION")
    html = detail_html(logged, invoice)
    assert "Double facturation" in html
    assert "Acquitter le rejet" in html
    assert "Traiter le rejet" in html
    logged.post(reverse("invoices:acknowledge_rejection", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.rejection_acknowledged_at is not None
    assert "Acquitter le rejet" not in detail_html(logged, invoice)
    response = logged.post(reverse("invoices:process_rejection", args=[invoice.pk]), follow=True)
    assert "ne figure plus dans la synthèse" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.rejection_processed_at is not None
    assert invoice.status == InvoiceStatus.REJETEE


def test_refused_action_shows_the_service_message(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    response = logged.post(reverse("invoices:process_rejection", args=[invoice.pk]), follow=True)
    html = response.content.decode()
    assert "statut « Mise à disposition du destinataire » : action « traiter le rejet »" in html
    invoice.refresh_from_db()
    assert invoice.rejection_processed_at is None


def test_acknowledge_suspension(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.SUSPENDUE)
    logged.post(reverse("invoices:acknowledge_suspension", args=[invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.suspension_acknowledged_at is not None


def test_credit_note_creates_a_draft_and_opens_it(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_EN_PAIEMENT, number="F-ORIG")
    response = logged.post(reverse("invoices:credit_note", args=[invoice.pk]), {"number": "AV-1"})
    note = Invoice.objects.get(type=InvoiceType.AVOIR)
    assert response["Location"] == reverse("invoices:edit", args=[note.pk])
    assert note.credited_invoice == invoice
    assert note.number == "AV-1"
    page = logged.get(response["Location"]).content.decode()
    assert "Avoir sur la facture" in page
    assert 'value="Prestation 1"' in page


def test_credit_note_with_a_bad_number_names_the_field(logged, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    url = reverse("invoices:credit_note", args=[invoice.pk])
    response = logged.post(url, {"number": "AV 1 !"})
    assert response.status_code == 400
    assert "Numéro de facture : 1 à 20 caractères" in response.content.decode()
    assert not Invoice.objects.filter(type=InvoiceType.AVOIR).exists()


def test_credit_note_refused_on_a_credit_note(logged, invoice_in):
    original = invoice_in(status=InvoiceStatus.MISE_A_DISPOSITION)
    note = invoice_in(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        type=InvoiceType.AVOIR,
        credited_invoice=original,
        deposited_at=timezone.now(),
    )
    assert "Créer un avoir" not in detail_html(logged, note)
    url = reverse("invoices:credit_note", args=[note.pk])
    response = logged.post(url, {"number": ""}, follow=True)
    assert "Un avoir ne peut pas faire l&#x27;objet d&#x27;un avoir." in response.content.decode()


@pytest.mark.parametrize(
    ("status", "tone", "current"),
    [
        (InvoiceStatus.A_RECYCLER, "wait", "Déposée"),
        (InvoiceStatus.REJETEE, "ko", "Mise à disposition"),
        (InvoiceStatus.MISE_EN_PAIEMENT, "ok", "Mise en paiement"),
    ],
)
def test_status_pill_coloured_by_meaning_with_five_step_progress(
    logged, invoice_in, status, tone, current
):
    html = detail_html(logged, invoice_in(status=status))
    assert f'class="badge badge-{tone}" id="statut"' in html
    assert html.count('class="step ') == 5
    assert f'aria-current="step">{current}<' in html


def test_rejected_invoice_explains_acknowledge_process_and_next_step(logged, invoice_in):
    html = detail_html(logged, invoice_in(status=InvoiceStatus.REJETEE))
    assert 'id="suite-rejet"' in html
    assert "vous pouvez le réutiliser" in html
    assert reverse("invoices:create") in html
    assert "Acquitter le rejet" in html
    assert "Traiter le rejet" in html
