"""Manual entry ("Saisie manuelle"): drafts, lines formset, deposit, errors keep what was typed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.invoices.conftest import accept_terms
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db
# Routing now renders the PDF (weasyprint), which leaks its sRGB profile file handle: not ours.

CREATE = reverse("invoices:create")


def form_data(supplier, recipient_siret, *, action="brouillon", lines=None, **overrides):
    lines = lines if lines is not None else [("Ramettes A4", "10", "4,99", "20.00", "")]
    data = {
        "supplier": supplier.pk,
        "recipient_siret": recipient_siret,
        "service_code": "",
        "ej_number": "",
        "number": "F-2026-001",
        "type": "FACTURE",
        "cadre": "A1_FACTURE_FOURNISSEUR",
        "issue_date": timezone.localdate().isoformat(),
        "due_date": "",
        "currency": "EUR",
        "payment_mode": "",
        "comment": "",
        "lignes-TOTAL_FORMS": str(len(lines)),
        "lignes-INITIAL_FORMS": "0",
        "lignes-MIN_NUM_FORMS": "1",
        "lignes-MAX_NUM_FORMS": "200",
        "action": action,
    }
    for i, (designation, quantity, price, rate, exemption) in enumerate(lines):
        data |= {
            f"lignes-{i}-designation": designation,
            f"lignes-{i}-quantity": quantity,
            f"lignes-{i}-unit": "U",
            f"lignes-{i}-unit_price": price,
            f"lignes-{i}-vat_rate": rate,
            f"lignes-{i}-exemption_reason": exemption,
        }
    data.update(overrides)
    return data


@pytest.fixture
def logged(client, supplier_user):
    client.force_login(supplier_user)
    return client


def test_entry_page_shows_directory_link_and_buttons(logged):
    response = logged.get(CREATE)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/annuaire/"' in html
    assert "Enregistrer le brouillon" in html
    assert "Valider et envoyer" in html
    assert "Ajouter une ligne" in html
    assert "conditions-a-accepter" not in html  # terms accepted by the fixture


def test_entry_requires_login(client):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]


def test_save_draft_even_incomplete_and_edit_it(logged, supplier):
    data = form_data(supplier, "", number="", issue_date="")
    response = logged.post(CREATE, data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:edit", args=[invoice.pk])
    assert invoice.status == InvoiceStatus.BROUILLON
    assert str(invoice.total_gross) == "59.88"  # 10 × 4,99 = 49,90 + 20 %
    page = logged.get(response["Location"]).content.decode()
    assert 'value="Ramettes A4"' in page
    assert "59,88\u00a0€" in page

    data = form_data(supplier, "", number="F-9", lines=[("Autre", "1", "10", "10.00", "")])
    logged.post(reverse("invoices:edit", args=[invoice.pk]), data)
    invoice.refresh_from_db()
    assert invoice.number == "F-9"
    assert [line.designation for line in invoice.lines.all()] == ["Autre"]


def test_add_line_rerenders_with_one_more_empty_line_keeping_values(logged, supplier, recipient):
    data = form_data(supplier, recipient.siret, action="ajouter_ligne")
    response = logged.post(CREATE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not Invoice.objects.exists()
    assert 'name="lignes-TOTAL_FORMS" value="2"' in html
    assert 'name="lignes-1-designation"' in html
    assert 'value="Ramettes A4"' in html
    assert f'value="{recipient.siret}"' in html
    assert "errorlist" not in html  # the new empty line is not an error


def test_validate_and_send_routes_the_invoice(
    logged, supplier, recipient, django_capture_on_commit_callbacks
):
    service = ServiceFactory(structure=recipient, code="COMPTA")
    data = form_data(
        supplier,
        recipient.siret,
        action="envoyer",
        service_code="COMPTA",
        lines=[
            ("Ramettes", "10", "4.99", "20.00", ""),
            ("Formation", "1", "100", "0.00", "EXONERATION_261"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = logged.post(CREATE, data)
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("invoices:detail", args=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.service == service
    detail = logged.get(response["Location"]).content.decode()
    assert "Mise à disposition du destinataire" in detail


def test_wrong_siret_key_is_refused_and_everything_typed_is_kept(logged, supplier):
    data = form_data(supplier, "12345678901234", ej_number="EJ-77", comment="Merci")
    response = logged.post(CREATE, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert not Invoice.objects.exists()
    assert "SIRET du destinataire" in html
    assert "clé de contrôle" in html
    assert 'aria-invalid="true"' in html
    for kept in ('value="12345678901234"', 'value="EJ-77"', "Merci", 'value="Ramettes A4"'):
        assert kept in html


def test_bad_line_amount_names_line_and_field(logged, supplier, recipient):
    lines = [("Ramettes", "10", "4.99", "20.00", ""), ("Transport", "deux", "5", "20.00", "")]
    response = logged.post(CREATE, form_data(supplier, recipient.siret, lines=lines))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ligne 2 — quantité" in html
    assert 'value="deux"' in html
    assert not Invoice.objects.exists()


def test_zero_vat_without_exemption_reason_is_refused(logged, supplier, recipient):
    lines = [("Formation", "1", "100", "0.00", "")]
    response = logged.post(CREATE, form_data(supplier, recipient.siret, lines=lines))
    assert response.status_code == 400
    assert "motif d&#x27;exonération : obligatoire" in response.content.decode()


def test_missing_mandatory_ej_is_found_at_routing_and_shown_on_detail(
    logged, supplier, recipient, django_capture_on_commit_callbacks
):
    recipient.ej_required = True
    recipient.save()
    data = form_data(supplier, recipient.siret, action="envoyer")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged.post(CREATE, data)
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.A_RECYCLER
    html = logged.get(response["Location"]).content.decode()
    assert "À recycler" in html
    assert "N° d&#x27;engagement juridique : obligatoire pour ce destinataire." in html
    assert "Recycler la facture" in html


def test_duplicate_number_gives_clear_message_and_keeps_what_was_typed(logged, supplier, recipient):
    make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier,
        number="F-2026-001",
        recipient_siret=recipient.siret,
    )
    response = logged.post(CREATE, form_data(supplier, recipient.siret, action="envoyer"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "« F-2026-001 » a déjà été déposé" in html
    # Issue 18: an invalid submit writes nothing; what was typed is still on the page.
    assert not Invoice.objects.filter(status=InvoiceStatus.BROUILLON).exists()
    assert f'action="{CREATE}"' in html
    assert 'value="F-2026-001"' in html


def test_terms_not_accepted_explains_and_keeps_what_was_typed(client, supplier, recipient):
    user = UserFactory()
    MembershipFactory(user=user, structure=supplier)
    client.force_login(user)
    assert "conditions-a-accepter" in client.get(CREATE).content.decode()
    response = client.post(CREATE, form_data(supplier, recipient.siret, action="envoyer"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "acceptez les CGU et le mandat de facturation" in html
    assert reverse("accounts:terms") in html
    assert not Invoice.objects.exists()
    assert 'value="Ramettes A4"' in html


def test_supplier_choice_only_lists_the_users_structures(client, supplier, recipient):
    user = UserFactory()
    accept_terms(user)
    other = StructureFactory(name="Autre société")
    MembershipFactory(user=user, structure=supplier)
    MembershipFactory(user=user, structure=other)
    stranger = StructureFactory(name="Société étrangère")
    client.force_login(user)
    html = client.get(CREATE).content.decode()
    assert "Autre société" in html
    assert "Société étrangère" not in html
    response = client.post(CREATE, form_data(stranger, recipient.siret))
    assert response.status_code == 400
    assert not Invoice.objects.exists()


def test_user_without_structure_is_sent_to_my_space(client):
    client.force_login(UserFactory())
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response["Location"] == reverse("structures:mine")


def test_edit_is_404_for_another_tenant_and_redirects_when_not_a_draft(logged, supplier):
    foreign = make_invoice()
    assert logged.get(reverse("invoices:edit", args=[foreign.pk])).status_code == 404
    sent = make_invoice(status=InvoiceStatus.DEPOSEE, supplier=supplier)
    response = logged.get(reverse("invoices:edit", args=[sent.pk]))
    assert response["Location"] == reverse("invoices:detail", args=[sent.pk])


def test_recipient_lookup_shows_name_services_and_requirements(logged, recipient):
    recipient.service_code_required = True
    recipient.save()
    ServiceFactory(structure=recipient, code="ACHATS", label="Achats", ej_required=True)
    ServiceFactory(structure=recipient, code="FERME", is_active=False)
    url = reverse("invoices:recipient_lookup")
    html = logged.get(url, {"recipient_siret": recipient.siret}).content.decode()
    assert recipient.name in html
    assert "Code service : obligatoire" in html
    assert '<option value="ACHATS"' in html
    assert "FERME" not in html
    assert "(n° d'engagement obligatoire)" in html
    bad = logged.get(url, {"recipient_siret": "12345678901234"}).content.decode()
    assert "clé de contrôle" in bad
    private = StructureFactory()
    unknown = logged.get(url, {"recipient_siret": private.siret}).content.decode()
    assert "aucune structure publique active" in unknown


def test_invalid_submit_lists_every_error_at_once_and_writes_nothing(logged, supplier):
    """Issue 18 major 5: no number, no recipient, a line without price: three errors, no draft."""
    data = form_data(supplier, "", action="envoyer")
    data["number"] = ""
    data["lignes-0-unit_price"] = ""
    response = logged.post(CREATE, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Numéro de facture : obligatoire pour déposer" in html
    assert "SIRET du destinataire : obligatoire pour déposer" in html
    assert "Ligne 1 — prix unitaire HT" in html
    assert "erreurs à corriger" in html
    assert not Invoice.objects.exists()


def test_empty_draft_save_creates_nothing(logged, supplier):
    data = form_data(supplier, "", action="brouillon", lines=[("", "", "", "20.00", "")])
    data["number"] = ""
    response = logged.post(CREATE, data)
    assert response.status_code == 400
    assert "rien à enregistrer" in response.content.decode()
    assert not Invoice.objects.exists()
