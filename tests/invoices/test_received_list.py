"""«Factures reçues» list: scope, filters, keyset pagination, CSV, ZIP; and the dashboard."""

import csv
import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoices.choices import InvoiceStatus, RoutingError
from invoices.models import InvoiceDocument
from tests.factories import ServiceFactory, StructureFactory
from tests.invoices.test_received_support import public_structure, received, staff_of

S = InvoiceStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def mairie():
    return public_structure(name="Mairie de Trifouilly")


@pytest.fixture
def staff(client, mairie):
    user = staff_of(mairie)
    client.force_login(user)
    return user


def _numbers(response) -> set[str]:
    return {invoice.number for invoice in response.context["invoices"]}


def test_list_shows_made_available_and_later_and_recipient_recycled_only(client, staff, mairie):
    visible = [
        received(mairie, status=status)
        for status in (
            S.MISE_A_DISPOSITION,
            S.SUSPENDUE,
            S.COMPLETEE,
            S.REJETEE,
            S.SERVICE_FAIT,
            S.MISE_EN_PAIEMENT,
        )
    ]
    sent_back = received(mairie, status=S.A_RECYCLER, routing_error=RoutingError.DESTINATAIRE)
    hidden = [
        received(mairie, status=status)
        for status in (S.BROUILLON, S.DEPOSEE, S.EN_COURS_ACHEMINEMENT)
    ]
    routing_refusal = received(
        mairie, status=S.A_RECYCLER, routing_error=RoutingError.SERVICE_INCONNU
    )
    other = received(public_structure())
    numbers = _numbers(client.get(reverse("received:list")))
    assert numbers == {i.number for i in [*visible, sent_back]}
    assert not numbers & {i.number for i in [*hidden, routing_refusal, other]}


def test_list_is_restricted_to_the_services_the_staff_member_handles(client, mairie):
    finances, voirie = ServiceFactory(structure=mairie), ServiceFactory(structure=mairie)
    mine = received(mairie, service=finances)
    received(mairie, service=voirie)
    received(mairie)
    client.force_login(staff_of(mairie, services=[finances]))
    assert _numbers(client.get(reverse("received:list"))) == {mine.number}


def test_filters_status_supplier_service_number_and_dates(client, staff, mairie):
    service = ServiceFactory(structure=mairie)
    dupont = StructureFactory(name="Fournitures Dupont")
    a = received(mairie, supplier=dupont, number="FA-001", service=service, days_ago=10)
    b = received(mairie, status=S.SUSPENDUE, number="FA-002", days_ago=2)
    url = reverse("received:list")
    assert _numbers(client.get(url, {"status": S.SUSPENDUE})) == {b.number}
    assert _numbers(client.get(url, {"supplier": "dupont"})) == {a.number}
    assert _numbers(client.get(url, {"supplier": dupont.identifier[:9]})) == {a.number}
    assert _numbers(client.get(url, {"service": service.pk})) == {a.number}
    assert _numbers(client.get(url, {"number": "002"})) == {b.number}
    since = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert _numbers(client.get(url, {"received_from": since})) == {b.number}


def test_deadline_filters_late_and_close(client, staff, mairie):
    late = received(mairie, days_ago=40)  # ETAT: 30 days
    close = received(mairie, days_ago=27)
    received(mairie, days_ago=3)
    received(mairie, status=S.MISE_EN_PAIEMENT, days_ago=60)  # paid: not late any more
    url = reverse("received:list")
    assert _numbers(client.get(url, {"deadline": "late"})) == {late.number}
    assert _numbers(client.get(url, {"deadline": "close"})) == {close.number}


def test_invalid_filter_is_shown_in_french_with_what_was_typed(client, staff, mairie):
    received(mairie)
    response = client.get(
        reverse("received:list"), {"received_from": "2026-03-01", "received_to": "2026-01-01"}
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "doit être postérieure ou égale à la date de début" in content
    assert 'value="2026-03-01"' in content
    response = client.get(reverse("received:list"), {"received_from": "hier"})
    assert "Mise à disposition du : date invalide" in response.content.decode()


def test_keyset_pagination_walks_every_invoice_once(client, staff, mairie):
    invoices = [received(mairie) for _ in range(25)]
    first = client.get(reverse("received:list"))
    assert len(first.context["invoices"]) == 20
    assert first.context["next_url"]
    second = client.get(reverse("received:list") + first.context["next_url"])
    seen = _numbers(first) | _numbers(second)
    assert seen == {invoice.number for invoice in invoices}
    assert not second.context["next_url"]


def test_list_query_count_does_not_depend_on_page_size(
    client, staff, mairie, django_assert_num_queries
):
    service = ServiceFactory(structure=mairie)
    for _ in range(110):
        received(mairie, service=service, supplier=StructureFactory())
    url = reverse("received:list")
    client.get(url, {"taille": 20})  # warm up caches
    with CaptureQueriesContext(connection) as small:
        response = client.get(url, {"taille": 20})
    assert len(response.context["invoices"]) == 20
    # session, user, memberships, assigned services, structure services, invoices, savepoints
    # (+ whatever the site-wide context processors need): a constant, at most 10.
    assert len(small) <= 10
    with django_assert_num_queries(len(small)):
        response = client.get(url, {"taille": 100})
    assert len(response.context["invoices"]) == 100
    with django_assert_num_queries(len(small)):
        client.get(url + response.context["next_url"])


def test_csv_export_follows_the_filters(client, staff, mairie):
    a = received(mairie, number="CSV-1")
    received(mairie, status=S.SUSPENDUE, number="CSV-2")
    response = client.get(reverse("received:export"), {"status": S.MISE_A_DISPOSITION})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Identifiant", "Numéro"]
    assert [row[1] for row in rows[1:]] == [a.number]
    assert rows[1][-1] == "240,00"


def test_zip_contains_a_summary_and_the_stored_documents_of_each_selected_invoice(
    client, staff, mairie
):
    a = received(mairie, number="ZIP-1")
    b = received(mairie, number="ZIP-2")
    document = InvoiceDocument(
        invoice=a,
        kind=InvoiceDocument.Kind.FACTURX_PDF,
        filename="ZIP-1.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
    )
    document.file.save("ZIP-1.pdf", ContentFile(b"%PDF-1.7"), save=False)
    document.save()
    foreign = received(public_structure(), number="ZIP-X")
    response = client.get(reverse("received:zip"), {"factures": [a.pk, b.pk, foreign.pk]})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert names == {
        f"ZIP-1_{a.pk}/resume.json",
        f"ZIP-1_{a.pk}/ZIP-1.pdf",
        f"ZIP-2_{b.pk}/resume.json",
    }
    summary = json.loads(archive.read(f"ZIP-1_{a.pk}/resume.json"))
    assert summary["numero"] == "ZIP-1"
    assert summary["total_ttc"] == "240.00"
    assert len(summary["lignes"]) == 1
    assert archive.read(f"ZIP-1_{a.pk}/ZIP-1.pdf") == b"%PDF-1.7"


def test_zip_without_selection_explains(client, staff, mairie):
    response = client.get(reverse("received:zip"), follow=True)
    assert "sélectionnez au moins une facture" in response.content.decode()


def test_detail_shows_lines_totals_timeline_and_deadline(client, staff, mairie):
    invoice = received(mairie, days_ago=40)
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    assert "Prestation 1" in page
    assert "240.00" in page or "240,00" in page
    assert "Mise à disposition du destinataire" in page  # timeline
    due = (timezone.localdate() - datetime.timedelta(days=10)).strftime("%d/%m/%Y")
    assert due in page
    assert "10 jours de retard" in page
    assert "Indemnité forfaitaire" in page


def test_dashboard_counts_average_and_deadlines(client, staff, mairie):
    received(mairie, days_ago=40)  # late
    received(mairie, days_ago=27)  # close
    received(mairie, status=S.SUSPENDUE)
    paid = received(mairie, status=S.MISE_EN_PAIEMENT, days_ago=12)
    paid.__class__.objects.filter(pk=paid.pk).update(
        payment_date=timezone.localdate() - datetime.timedelta(days=2),
        payment_amount=Decimal("240.00"),
    )
    response = client.get(reverse("received:dashboard", args=[mairie.pk]))
    board = response.context["board"]
    assert board.total == 4
    assert {code: count for code, _, count in board.by_status} == {
        S.MISE_A_DISPOSITION: 2,
        S.SUSPENDUE: 1,
        S.MISE_EN_PAIEMENT: 1,
    }
    assert board.average_processing_days == Decimal("10.0")
    assert len(board.late) == 1
    assert len(board.close) == 1
    content = response.content.decode()
    assert "<caption>Nombre de factures par statut</caption>" in content
    assert "<svg" in content


def test_dashboard_index_redirects_to_the_only_structure(client, staff, mairie):
    response = client.get(reverse("received:dashboard_index"))
    assert response["Location"] == reverse("received:dashboard", args=[mairie.pk])


def test_detail_explains_when_the_deadline_cannot_be_computed(client):
    mairie = public_structure(public_category="")
    invoice = received(mairie)
    client.force_login(staff_of(mairie))
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    assert "Délai non calculable" in page


def test_suspension_period_from_events_postpones_the_due_date_on_the_detail(client, staff, mairie):
    invoice = received(mairie, days_ago=40, status=S.COMPLETEE)
    now = timezone.now()
    for days_ago, status in ((35, S.SUSPENDUE), (20, S.COMPLETEE)):
        event = invoice.events.create(action="test", to_status=status)
        invoice.events.filter(pk=event.pk).update(created_at=now - datetime.timedelta(days_ago))
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    due = (timezone.localdate() + datetime.timedelta(days=5)).strftime("%d/%m/%Y")
    assert "15 jours (délai arrêté)" in page
    assert due in page  # 40 days ago + 30 + 15 suspended days


def test_dashboard_index_lists_every_public_structure_of_the_agent(client, mairie):
    other = public_structure(name="Hôpital de Trifouilly")
    user = staff_of(mairie)
    staff_of_other = staff_of(other)
    other_membership = staff_of_other.memberships.get()
    other_membership.user = user
    other_membership.save()
    client.force_login(user)
    content = client.get(reverse("received:dashboard_index")).content.decode()
    assert mairie.name in content
    assert other.name in content
