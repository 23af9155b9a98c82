"""«Factures émises»: tenant isolation, filters, Synthèse, keyset pagination, CSV export."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from tests.factories import StructureFactory, UserFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db

ISSUED = reverse("invoices:issued")
EXPORT = reverse("invoices:export_csv")


@pytest.fixture
def logged(client, supplier_user):
    client.force_login(supplier_user)
    return client


def numbers(response) -> list[str]:
    return [invoice.number for invoice in response.context["invoices"]]


def test_list_shows_only_the_users_structures_invoices(logged, invoice_in):
    mine = invoice_in(number="F-MINE")
    make_invoice(status=InvoiceStatus.MISE_A_DISPOSITION, number="F-OTHER")
    response = logged.get(ISSUED)
    assert response.status_code == 200
    assert numbers(response) == ["F-MINE"]
    html = response.content.decode()
    assert reverse("invoices:detail", args=[mine.pk]) in html
    assert "Mise à disposition du destinataire" in html
    assert "F-OTHER" not in html


def test_outsider_sees_an_empty_list(client, invoice_in):
    invoice_in()
    client.force_login(UserFactory())
    response = client.get(ISSUED)
    assert numbers(response) == []
    assert "Aucune facture ne correspond" in response.content.decode()


def test_filters_status_recipient_number_dates_and_amounts(logged, supplier, recipient, invoice_in):
    today = timezone.localdate()
    invoice_in(number="F-A", status=InvoiceStatus.MISE_A_DISPOSITION)
    invoice_in(
        number="F-B",
        status=InvoiceStatus.SERVICE_FAIT,
        issue_date=today - datetime.timedelta(days=40),
    )
    other = StructureFactory(public=True, name="Conseil régional")
    make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier,
        recipient=other,
        recipient_siret=other.siret,
        number="G-C",
    )
    Invoice.objects.filter(number="G-C").update(total_gross=Decimal("1000.00"))

    assert numbers(logged.get(ISSUED, {"statut": "SERVICE_FAIT"})) == ["F-B"]
    assert sorted(numbers(logged.get(ISSUED, {"destinataire": "trifouilly"}))) == ["F-A", "F-B"]
    assert numbers(logged.get(ISSUED, {"destinataire": other.siret[:9]})) == ["G-C"]
    assert numbers(logged.get(ISSUED, {"numero": "g-"})) == ["G-C"]
    recent = {"du": (today - datetime.timedelta(days=7)).isoformat(), "au": today.isoformat()}
    assert sorted(numbers(logged.get(ISSUED, recent))) == ["F-A", "G-C"]
    assert numbers(logged.get(ISSUED, {"montant_min": "500"})) == ["G-C"]
    assert sorted(numbers(logged.get(ISSUED, {"montant_max": "240"}))) == ["F-A", "F-B"]


def test_inconsistent_filters_are_explained(logged):
    response = logged.get(
        ISSUED, {"montant_min": "50", "montant_max": "10", "du": "2026-02-01", "au": "2026-01-01"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "le maximum est inférieur au minimum" in html
    assert "la date de fin précède la date de début" in html


def test_synthese_lists_returned_invoices_not_yet_processed(logged, invoice_in):
    invoice_in(number="R-1", status=InvoiceStatus.A_RECYCLER, recipient=None)
    invoice_in(number="R-2", status=InvoiceStatus.SUSPENDUE)
    invoice_in(number="R-3", status=InvoiceStatus.REJETEE)
    invoice_in(number="R-4", status=InvoiceStatus.REJETEE, rejection_processed_at=timezone.now())
    invoice_in(number="OK-1", status=InvoiceStatus.MISE_A_DISPOSITION)
    response = logged.get(ISSUED, {"synthese": "on"})
    assert sorted(numbers(response)) == ["R-1", "R-2", "R-3"]
    assert response.context["returned_count"] == 3
    assert "Synthèse : 3 factures à traiter" in logged.get(ISSUED).content.decode()


def _walk(client, size):
    seen, response = [], client.get(ISSUED, {"par_page": size})
    seen += numbers(response)
    assert not response.context["previous_cursor"]
    while response.context["next_cursor"]:
        response = client.get(ISSUED, {"par_page": size, "apres": response.context["next_cursor"]})
        seen += numbers(response)
    return seen, response


def test_keyset_pagination_walks_all_invoices_without_gaps(logged, supplier):
    for i in range(23):
        make_invoice(supplier=supplier, number=f"P-{i:02d}")
    seen, last = _walk(logged, 10)
    assert seen == [f"P-{i:02d}" for i in reversed(range(23))]
    back = logged.get(ISSUED, {"par_page": 10, "avant": last.context["previous_cursor"]})
    assert numbers(back) == [f"P-{i:02d}" for i in range(12, 2, -1)]


def test_page_costs_the_same_number_of_queries_whatever_its_size(
    logged, supplier, recipient, django_assert_num_queries, django_assert_max_num_queries
):
    for i in range(60):
        make_invoice(
            status=InvoiceStatus.MISE_A_DISPOSITION,
            supplier=supplier,
            recipient=recipient,
            recipient_siret=recipient.siret,
            number=f"Q-{i:02d}",
        )
    logged.get(ISSUED)  # warm the session
    # session, user, supplier ids and page rows, Synthèse count (+ site-wide context, savepoints):
    # no N+1.
    with django_assert_max_num_queries(10) as small:
        assert len(numbers(logged.get(ISSUED, {"par_page": 10}))) == 10
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(numbers(logged.get(ISSUED, {"par_page": 50}))) == 50


def test_bad_cursor_falls_back_to_the_first_page(logged, invoice_in):
    invoice_in(number="F-1")
    assert numbers(logged.get(ISSUED, {"apres": "n'importe quoi"})) == ["F-1"]


def test_csv_export_of_the_filtered_list(logged, invoice_in):
    invoice_in(number="F-CSV", status=InvoiceStatus.SERVICE_FAIT)
    invoice_in(number="F-HIDDEN", status=InvoiceStatus.MISE_A_DISPOSITION)
    make_invoice(status=InvoiceStatus.SERVICE_FAIT, number="F-OTHER-TENANT")
    response = logged.get(EXPORT, {"statut": "SERVICE_FAIT"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffNuméro;Type;Statut;")
    rows = body.strip().splitlines()
    assert len(rows) == 2
    assert rows[1].startswith("F-CSV;Facture;Service fait;Fournitures Dupont;")
    assert rows[1].endswith(";200,00;40,00;240,00;" + rows[1].rsplit(";", 1)[1])


def test_csv_export_refuses_bad_filters(logged):
    response = logged.get(EXPORT, {"montant_min": "abc"})
    assert response.status_code == 400
    assert "Filtres invalides" in response.content.decode()


def test_list_and_export_require_login(client):
    assert client.get(ISSUED).status_code == 302
    assert client.get(EXPORT).status_code == 302
