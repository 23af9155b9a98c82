"""Routing (DEPOSEE → EN_COURS_ACHEMINEMENT → MISE_A_DISPOSITION or A_RECYCLER), check by check."""

import datetime

import pytest

from invoices.choices import InvoiceStatus, OutboxKind, RoutingError
from invoices.models import Outbox
from invoices.services import invoice_route
from tests.factories import EngagementJuridiqueFactory, ServiceFactory, StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposited(invoice_in):
    def build(**kwargs):
        invoice = invoice_in(InvoiceStatus.DEPOSEE, **kwargs)
        Outbox.objects.create(invoice=invoice)
        return invoice

    return build


def assert_recycled(invoice, error, text):
    assert invoice.status == InvoiceStatus.A_RECYCLER
    assert invoice.routing_error == error
    assert text in invoice.routing_error_detail
    event = invoice.events.get(action="chorus.invoice.routing_refused")
    assert (event.from_status, event.to_status) == ("EN_COURS_ACHEMINEMENT", "A_RECYCLER")
    assert text in event.reason


def test_valid_invoice_is_made_available_to_the_recipient(deposited, recipient):
    invoice = invoice_route(invoice_id=deposited().pk)
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.recipient == recipient
    assert invoice.made_available_at is not None
    assert invoice.recipient_snapshot["siret"] == recipient.siret
    assert list(invoice.events.values_list("action", "to_status")) == [
        ("chorus.invoice.routing_started", "EN_COURS_ACHEMINEMENT"),
        ("chorus.invoice.made_available", "MISE_A_DISPOSITION"),
    ]
    assert (
        Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=invoice).processed_at is not None
    )


def test_unknown_recipient_siret_sends_to_recycle(deposited):
    invoice = invoice_route(invoice_id=deposited(recipient_siret="11000000000000").pk)
    assert_recycled(invoice, RoutingError.DESTINATAIRE_INCONNU, "11000000000000")
    assert (
        Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=invoice).processed_at is not None
    )


def test_inactive_recipient_sends_to_recycle(deposited, recipient):
    recipient.is_active = False
    recipient.save()
    assert_recycled(
        invoice_route(invoice_id=deposited().pk), RoutingError.DESTINATAIRE_INACTIF, "inactive"
    )


def test_private_recipient_sends_to_recycle(deposited):
    company = StructureFactory()
    invoice = invoice_route(invoice_id=deposited(recipient_siret=company.siret).pk)
    assert_recycled(invoice, RoutingError.DESTINATAIRE_NON_PUBLIC, "pas une entité publique")


def test_missing_mandatory_service_code_sends_to_recycle(deposited, recipient):
    recipient.service_code_required = True
    recipient.save()
    assert_recycled(
        invoice_route(invoice_id=deposited().pk),
        RoutingError.SERVICE_OBLIGATOIRE,
        "Code service : obligatoire",
    )


def test_unknown_service_code_sends_to_recycle(deposited):
    invoice = invoice_route(invoice_id=deposited(service_code="NOPE").pk)
    assert_recycled(invoice, RoutingError.SERVICE_INCONNU, "« NOPE » n'existe pas")


def test_inactive_service_sends_to_recycle(deposited, recipient):
    ServiceFactory(structure=recipient, code="DSI", is_active=False)
    invoice = invoice_route(invoice_id=deposited(service_code="DSI").pk)
    assert_recycled(invoice, RoutingError.SERVICE_INACTIF, "n'est pas actif")


def test_service_outside_its_validity_dates_sends_to_recycle(deposited, recipient):
    ServiceFactory(structure=recipient, code="OLD", valid_until=datetime.date(2000, 1, 1))
    invoice = invoice_route(invoice_id=deposited(service_code="OLD").pk)
    assert_recycled(invoice, RoutingError.SERVICE_INACTIF, "n'est pas actif")


def test_known_active_service_is_resolved(deposited, recipient):
    service = ServiceFactory(structure=recipient, code="DSI")
    invoice = invoice_route(invoice_id=deposited(service_code="DSI").pk)
    assert (invoice.status, invoice.service) == (InvoiceStatus.MISE_A_DISPOSITION, service)


def test_ej_or_service_required_with_neither_sends_to_recycle(deposited, recipient):
    recipient.ej_or_service_required = True
    recipient.save()
    assert_recycled(
        invoice_route(invoice_id=deposited().pk),
        RoutingError.EJ_OU_SERVICE_OBLIGATOIRE,
        "l'un des deux",
    )


def test_ej_or_service_required_is_satisfied_by_an_ej(deposited, recipient):
    recipient.ej_or_service_required = True
    recipient.save()
    invoice = invoice_route(invoice_id=deposited(ej_number="EJ-1").pk)
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION


def test_missing_ej_required_by_the_structure_sends_to_recycle(deposited, recipient):
    recipient.ej_required = True
    recipient.save()
    assert_recycled(
        invoice_route(invoice_id=deposited().pk), RoutingError.EJ_OBLIGATOIRE, "obligatoire"
    )


def test_missing_ej_required_by_the_service_sends_to_recycle(deposited, recipient):
    ServiceFactory(structure=recipient, code="ACHATS", ej_required=True)
    invoice = invoice_route(invoice_id=deposited(service_code="ACHATS").pk)
    assert_recycled(invoice, RoutingError.EJ_OBLIGATOIRE, "ce service")


def test_ej_not_matching_the_format_rule_sends_to_recycle(deposited, recipient):
    recipient.ej_format_regex = r"\d{10}"
    recipient.ej_format_label = "10 chiffres"
    recipient.save()
    invoice = invoice_route(invoice_id=deposited(ej_number="ABC").pk)
    assert_recycled(invoice, RoutingError.EJ_FORMAT, "10 chiffres")


def test_ej_unknown_to_a_recipient_that_publishes_its_ejs_sends_to_recycle(deposited, recipient):
    EngagementJuridiqueFactory(structure=recipient, number="1000000001")
    invoice = invoice_route(invoice_id=deposited(ej_number="1000000002").pk)
    assert_recycled(invoice, RoutingError.EJ_INCONNU, "inconnu")


def test_ej_of_another_supplier_sends_to_recycle(deposited, recipient):
    EngagementJuridiqueFactory(
        structure=recipient, number="1000000001", supplier_siret="99999999999999"
    )
    invoice = invoice_route(invoice_id=deposited(ej_number="1000000001").pk)
    assert_recycled(invoice, RoutingError.EJ_CREANCIER_DIFFERENT, "créancier différent")


def test_ej_of_this_supplier_is_accepted(deposited, recipient, supplier):
    EngagementJuridiqueFactory(
        structure=recipient, number="1000000001", supplier_siret=supplier.siret
    )
    invoice = invoice_route(invoice_id=deposited(ej_number="1000000001").pk)
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION


def test_any_ej_is_accepted_when_the_recipient_publishes_none(deposited):
    invoice = invoice_route(invoice_id=deposited(ej_number="LIBRE-1").pk)
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION


def test_routing_twice_makes_a_single_transition(deposited):
    invoice = deposited()
    invoice_route(invoice_id=invoice.pk)
    again = invoice_route(invoice_id=invoice.pk)
    assert again.status == InvoiceStatus.MISE_A_DISPOSITION
    assert again.events.filter(action="chorus.invoice.made_available").count() == 1
    assert again.events.filter(action="chorus.invoice.routing_started").count() == 1


@pytest.mark.parametrize(
    "status", [InvoiceStatus.BROUILLON, InvoiceStatus.REJETEE, InvoiceStatus.ERREUR_TECHNIQUE]
)
def test_routing_an_invoice_not_due_does_nothing(invoice_in, status):
    invoice = invoice_in(status)
    assert invoice_route(invoice_id=invoice.pk).status == status
    assert not invoice.events.exists()
