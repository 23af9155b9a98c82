"""Dates users see and dates the rules compare come from one clock (chorus.clock, the sandbox's):
advancing the simulated clock never makes a deposit fail, and the history reads in order."""

import datetime

import pytest
from django.utils import timezone

from chorus import clock
from invoices import services
from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from sandbox import services as sandbox_services
from support import services as support_services
from tests.factories import ServiceFactory
from tests.invoices.test_views_entry import CREATE, form_data

pytestmark = pytest.mark.django_db
DAYS = 12


@pytest.fixture
def advanced(db):
    """The default sandbox's clock moved DAYS days ahead of the real time."""
    sandbox_services.clock_advance(days=DAYS)
    simulated = clock.now()
    assert simulated - timezone.now() > datetime.timedelta(days=DAYS - 1)
    return simulated


def _near(value: datetime.datetime, expected: datetime.datetime) -> bool:
    return abs(value - expected) < datetime.timedelta(minutes=5)


def test_entry_form_defaults_to_the_simulated_date_and_deposit_accepts_it(
    client, supplier, supplier_user, recipient, advanced, django_capture_on_commit_callbacks
):
    client.force_login(supplier_user)
    page = client.get(CREATE).content.decode()
    simulated_day = timezone.localdate(advanced)
    assert f'value="{simulated_day.isoformat()}"' in page
    ServiceFactory(structure=recipient, code="COMPTA")
    data = form_data(supplier, recipient.siret, action="envoyer", service_code="COMPTA")
    data["issue_date"] = simulated_day.isoformat()  # in the real future
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert _near(invoice.deposited_at, advanced)
    assert _near(invoice.made_available_at, advanced)
    for event in invoice.events.all():
        assert _near(event.created_at, advanced), event


def test_a_date_after_the_simulated_today_is_still_refused(
    client, supplier, supplier_user, recipient, advanced
):
    client.force_login(supplier_user)
    data = form_data(supplier, recipient.siret, action="envoyer")
    data["issue_date"] = (timezone.localdate(advanced) + datetime.timedelta(days=1)).isoformat()
    response = client.post(CREATE, data)
    assert "ne peut pas être dans le futur" in response.content.decode()
    assert not Invoice.objects.exists()


def test_history_of_a_later_action_follows_the_clock_and_reads_in_order(invoice_in, recipient_user):
    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    services.invoice_event_create(invoice=invoice, action="chorus.invoice.made_available")
    sandbox_services.clock_advance(days=2)
    done = services.invoice_mark_service_done(invoice_id=invoice.pk, by=recipient_user)
    first, last = list(done.events.all())[-2:]
    assert last.to_status == InvoiceStatus.SERVICE_FAIT
    assert last.created_at - first.created_at >= datetime.timedelta(days=2) - datetime.timedelta(
        minutes=5
    )
    assert _near(last.created_at, clock.now())


def test_sollicitation_and_its_messages_are_dated_by_the_simulated_clock(
    supplier_user, recipient_user, invoice_in, advanced
):
    invoice = invoice_in(InvoiceStatus.REJETEE)
    sollicitation = support_services.sollicitation_create(
        requester=supplier_user,
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Rejet",
        body="Pourquoi ?",
        invoice_id=invoice.pk,
    )
    assert _near(sollicitation.created_at, advanced)
    assert _near(sollicitation.messages.get().created_at, advanced)
    reply = support_services.sollicitation_reply(
        sollicitation=sollicitation, by=recipient_user, body="Montant faux."
    )
    assert _near(reply.created_at, advanced)
    anonymous = support_services.sollicitation_create_anonymous(
        email="a@example.test",
        name="A",
        category="SUIVI",
        subcategory="SUIVI_REJET",
        subject="Question",
        body="Bonjour",
    )
    assert _near(anonymous.created_at, advanced)
