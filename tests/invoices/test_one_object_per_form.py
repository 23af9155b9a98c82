"""One object per submitted form (issue 14 item 17): a form sent twice — a double or triple click,
in parallel on PostgreSQL — makes one credit note, one sollicitation, one deposited invoice and no
leftover draft."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from invoices.choices import InvoiceStatus, InvoiceType
from invoices.models import Invoice
from support import services as support_services
from support.models import Sollicitation
from tests.invoices.test_views_entry import CREATE, form_data


def together(count: int, action) -> list:
    """`action(i)` in `count` threads released at once, each with its own connection."""
    barrier, results = threading.Barrier(count), [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = action(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def logged_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def send_twice_or_in_parallel(parallel: bool, count: int, action) -> list:
    if parallel:
        return together(count, action)
    return [action(i) for i in range(count)]


def ask(user, invoice):
    return support_services.sollicitation_create(
        requester=user,
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Rejet",
        body="Pourquoi ce rejet ?",
        invoice_id=invoice.pk,
    )


# Sequential: the same form submitted again (SQLite and PostgreSQL) --------------------------------
@pytest.mark.django_db
def test_credit_note_form_sent_three_times_makes_one_draft(client, supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_EN_PAIEMENT, number="F-ORIG")
    client.force_login(supplier_user)
    url = reverse("invoices:credit_note", args=[invoice.pk])
    locations = {client.post(url, {"number": "AV-1"})["Location"] for _ in range(3)}
    note = Invoice.objects.get(type=InvoiceType.AVOIR)
    assert locations == {reverse("invoices:edit", args=[note.pk])}


@pytest.mark.django_db
def test_sollicitation_sent_three_times_is_one(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.REJETEE, number="F-REJ")
    assert len({ask(supplier_user, invoice).pk for _ in range(3)}) == 1
    assert Sollicitation.objects.count() == 1
    other = support_services.sollicitation_create(
        requester=supplier_user,
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Rejet",
        body="Une autre question.",
        invoice_id=invoice.pk,
    )
    assert Sollicitation.objects.count() == 2  # another text is another request
    assert other.pk != Sollicitation.objects.order_by("id").first().pk


@pytest.mark.django_db
def test_validate_and_send_three_times_deposits_once_and_leaves_no_draft(
    client, supplier_user, supplier, recipient, django_capture_on_commit_callbacks
):
    client.force_login(supplier_user)
    page = client.get(CREATE).content.decode()
    assert 'name="form_token"' in page  # the token travels with the form
    data = form_data(supplier, recipient.siret, action="envoyer", form_token=str(uuid.uuid4()))
    with django_capture_on_commit_callbacks(execute=True):
        responses = [client.post(CREATE, data) for _ in range(3)]
    invoice = Invoice.objects.get()
    assert invoice.status != InvoiceStatus.BROUILLON
    detail = reverse("invoices:detail", args=[invoice.pk])
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert {r["Location"] for r in responses} == {detail}
    # A new form (a new token) is a new invoice: here a duplicate number, refused, and an invalid
    # « Valider et envoyer » writes nothing (issue 18: no draft left behind).
    again = client.post(CREATE, {**data, "form_token": str(uuid.uuid4())})
    assert again.status_code == 400
    assert Invoice.objects.count() == 1


# Parallel clicks on PostgreSQL -----------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_credit_note_clicks_make_one_draft(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.MISE_EN_PAIEMENT, number="F-ORIG")
    url = reverse("invoices:credit_note", args=[invoice.pk])
    statuses = together(3, lambda i: logged_client(supplier_user).post(url, {}).status_code)
    assert statuses == [302, 302, 302]
    assert Invoice.objects.filter(type=InvoiceType.AVOIR).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_sollicitation_clicks_make_one(supplier_user, invoice_in):
    invoice = invoice_in(status=InvoiceStatus.REJETEE, number="F-REJ")
    question = {
        "category": "SUIVI",
        "subcategory": "SUIVI_REJET",
        "subject": "Rejet",
        "body": "Pourquoi ce rejet ?",
        "invoice": str(invoice.pk),
    }
    url = reverse("support:create")
    statuses = together(3, lambda i: logged_client(supplier_user).post(url, question).status_code)
    assert statuses == [302, 302, 302]
    assert Sollicitation.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_validate_and_send_deposits_once_and_leaves_no_draft(
    supplier_user, supplier, recipient
):
    data = form_data(supplier, recipient.siret, action="envoyer", form_token=str(uuid.uuid4()))
    statuses = together(3, lambda i: logged_client(supplier_user).post(CREATE, data).status_code)
    assert statuses == [302, 302, 302]
    invoice = Invoice.objects.get()
    assert invoice.status != InvoiceStatus.BROUILLON
