"""Recipient actions (traiter la facture reçue) and supplier actions (recycler, compléter…)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import InvoiceStatus, OutboxKind, RejectionReason, RoutingError
from invoices.models import Outbox
from tests.factories import MembershipFactory, ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
S = InvoiceStatus
TODAY = timezone.localdate

RECIPIENT_ACTIONS = {
    "suspend": (
        services.invoice_suspend,
        {"reason": "Bon de livraison manquant"},
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT},
        S.SUSPENDUE,
        "chorus.invoice.suspended",
    ),
    "reject": (
        services.invoice_reject,
        {"reason": RejectionReason.MONTANT_ERRONE, "comment": "Total faux"},
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT, S.MANDATEE},
        S.REJETEE,
        "chorus.invoice.rejected",
    ),
    "send_to_recycle": (
        services.invoice_send_to_recycle,
        {"comment": "Mauvais service"},
        {S.MISE_A_DISPOSITION, S.COMPLETEE},
        S.A_RECYCLER,
        "chorus.invoice.sent_to_recycle",
    ),
    "service_done": (
        services.invoice_mark_service_done,
        {},
        {S.MISE_A_DISPOSITION, S.COMPLETEE},
        S.SERVICE_FAIT,
        "chorus.invoice.service_done",
    ),
    "mandate": (
        services.invoice_mandate,
        {"mandate_number": "MDT-2026-42"},
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT},
        S.MANDATEE,
        "chorus.invoice.mandated",
    ),
    "to_accounting": (
        services.invoice_make_available_to_accounting,
        {},
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT, S.MANDATEE},
        S.MISE_A_DISPOSITION_COMPTABLE,
        "chorus.invoice.made_available_to_accounting",
    ),
    "accounted": (
        services.invoice_mark_accounted,
        {},
        {
            S.MISE_A_DISPOSITION,
            S.COMPLETEE,
            S.SERVICE_FAIT,
            S.MANDATEE,
            S.MISE_A_DISPOSITION_COMPTABLE,
        },
        S.COMPTABILISEE,
        "chorus.invoice.accounted",
    ),
    "paid": (
        services.invoice_mark_paid,
        {"on": "today", "amount": "240.00"},
        {
            S.MISE_A_DISPOSITION,
            S.COMPLETEE,
            S.SERVICE_FAIT,
            S.MANDATEE,
            S.MISE_A_DISPOSITION_COMPTABLE,
            S.COMPTABILISEE,
        },
        S.MISE_EN_PAIEMENT,
        "chorus.invoice.paid",
    ),
}
# Statuses in which the invoice has a recipient (the recipient's actions can be tried).
WITH_RECIPIENT = [s for s in S.values if s not in (S.BROUILLON, S.DEPOSEE, S.EN_COURS_ACHEMINEMENT)]
CASES = [(name, status) for name in RECIPIENT_ACTIONS for status in WITH_RECIPIENT]


def _kwargs(kwargs):
    return {k: (TODAY() if v == "today" else v) for k, v in kwargs.items()}


@pytest.mark.parametrize(("name", "status"), CASES)
def test_recipient_action_follows_the_table(invoice_in, recipient_user, name, status):
    service, kwargs, allowed, target, action = RECIPIENT_ACTIONS[name]
    invoice = invoice_in(status)
    if status in allowed:
        result = service(invoice_id=invoice.pk, by=recipient_user, **_kwargs(kwargs))
        assert result.status == target
        event = result.events.get(action=action)
        assert (event.from_status, event.to_status, event.actor) == (status, target, recipient_user)
    else:
        with pytest.raises(
            ChorusError, match=r"La facture est au statut « .+ » : action « .+ » impossible"
        ) as caught:
            service(invoice_id=invoice.pk, by=recipient_user, **_kwargs(kwargs))
        assert caught.value.code == "20002"
        invoice.refresh_from_db()
        assert invoice.status == status
        assert not invoice.events.exists()


def test_refusal_message_names_the_status_and_the_action(invoice_in, recipient_user):
    invoice = invoice_in(S.MISE_EN_PAIEMENT)
    with pytest.raises(ChorusError) as caught:
        services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="x")
    assert caught.value.message == (
        "La facture est au statut « Mise en paiement » : action « suspendre » impossible."
    )


def test_recipient_actions_require_membership_of_the_recipient(invoice_in, supplier_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="pas rattaché à la structure destinataire"):
        services.invoice_mark_accounted(invoice_id=invoice.pk, by=supplier_user)
    pending = UserFactory()
    MembershipFactory(user=pending, structure=invoice.recipient, pending=True)
    with pytest.raises(ChorusError, match="pas rattaché"):
        services.invoice_mark_accounted(invoice_id=invoice.pk, by=pending)


def test_suspend_requires_a_motif_of_at_most_255_characters(invoice_in, recipient_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(
        ChorusError, match="Motif de suspension : ce champ est obligatoire"
    ) as caught:
        services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="  ")
    assert caught.value.field == "reason"
    with pytest.raises(ChorusError, match="255 caractères au maximum"):
        services.invoice_suspend(invoice_id=invoice.pk, by=recipient_user, reason="x" * 256)


def test_reject_requires_a_listed_reason_and_stores_it(invoice_in, recipient_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="Motif de rejet") as caught:
        services.invoice_reject(invoice_id=invoice.pk, by=recipient_user, reason="PAS_CONTENT")
    assert caught.value.field == "reason"
    result = services.invoice_reject(
        invoice_id=invoice.pk,
        by=recipient_user,
        reason=RejectionReason.DOUBLE_FACTURATION,
        comment="déjà reçue",
    )
    assert (result.rejection_reason, result.rejection_comment) == (
        "DOUBLE_FACTURATION",
        "déjà reçue",
    )
    assert (
        result.events.get(action="chorus.invoice.rejected").reason
        == "Double facturation. déjà reçue"
    )


def test_rejection_reasons_are_the_list_of_the_supplier_guide():
    assert len(RejectionReason.values) == 16
    assert (
        RejectionReason.CREANCIER_INCONNU.label == "Créancier inconnu ou différent de celui de l'EJ"
    )


def test_mandate_requires_a_number(invoice_in, recipient_user):
    invoice = invoice_in(S.SERVICE_FAIT)
    with pytest.raises(ChorusError, match="Numéro de mandat : obligatoire") as caught:
        services.invoice_mandate(invoice_id=invoice.pk, by=recipient_user, mandate_number=" ")
    assert caught.value.field == "mandate_number"
    result = services.invoice_mandate(invoice_id=invoice.pk, by=recipient_user, mandate_number="M1")
    assert result.mandate_number == "M1"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"on": None, "amount": "10"}, "payment_date", "obligatoire"),
        ({"on": "today", "amount": "abc"}, "payment_amount", "n'est pas un nombre"),
        ({"on": "today", "amount": "0"}, "payment_amount", "strictement positif"),
        ({"on": "today", "amount": "1.001"}, "payment_amount", "au centime"),
        ({"on": "today", "amount": "240.01"}, "payment_amount", "dépasser le total TTC"),
        (
            {"on": datetime.date(2000, 1, 1), "amount": "10"},
            "payment_date",
            "précéder la date de dépôt",
        ),
    ],
)
def test_mark_paid_checks_date_and_amount(invoice_in, recipient_user, kwargs, field, message):
    invoice = invoice_in(S.COMPTABILISEE)
    with pytest.raises(ChorusError, match=message) as caught:
        services.invoice_mark_paid(invoice_id=invoice.pk, by=recipient_user, **_kwargs(kwargs))
    assert caught.value.field == field


def test_mark_paid_stores_date_and_amount(invoice_in, recipient_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    result = services.invoice_mark_paid(
        invoice_id=invoice.pk, by=recipient_user, on=TODAY(), amount="240,00"
    )
    assert (result.payment_date, result.payment_amount) == (TODAY(), Decimal("240.00"))


# Supplier actions -------------------------------------------------------------------------------


def test_recycle_changes_routing_data_keeps_number_and_routes_again(
    invoice_in, supplier_user, recipient, django_capture_on_commit_callbacks
):
    invoice = invoice_in(
        S.A_RECYCLER,
        recipient_siret="11000000000000",
        routing_error=RoutingError.DESTINATAIRE_INCONNU,
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = services.invoice_recycle(
            invoice_id=invoice.pk,
            by=supplier_user,
            recipient_siret=recipient.siret,
            service_code="",
            comment="SIRET corrigé",
        )
    assert result.status == S.DEPOSEE
    assert result.number == invoice.number
    assert callbacks  # the routing task ran (eager) once committed
    result.refresh_from_db()
    assert result.status == S.MISE_A_DISPOSITION
    assert result.recipient == recipient
    assert result.routing_error == ""
    event = result.events.get(action="chorus.invoice.recycled")
    assert event.data["before"]["recipient_siret"] == "11000000000000"
    assert (
        Outbox.objects.get(kind=OutboxKind.ROUTE_INVOICE, invoice=result).processed_at is not None
    )


def test_recycle_validates_the_siret(invoice_in, supplier_user):
    invoice = invoice_in(S.A_RECYCLER)
    with pytest.raises(ChorusError, match="14 chiffres") as caught:
        services.invoice_recycle(invoice_id=invoice.pk, by=supplier_user, recipient_siret="12")
    assert caught.value.field == "recipient_siret"


def test_recycle_is_refused_outside_a_recycler(invoice_in, supplier_user, recipient):
    invoice = invoice_in(S.SUSPENDUE)
    with pytest.raises(ChorusError, match="« Suspendue » : action « recycler » impossible"):
        services.invoice_recycle(
            invoice_id=invoice.pk, by=supplier_user, recipient_siret=recipient.siret
        )


def test_recycle_is_reserved_to_the_supplier(invoice_in, recipient_user, recipient):
    invoice = invoice_in(S.A_RECYCLER)
    with pytest.raises(ChorusError, match="structure fournisseur"):
        services.invoice_recycle(
            invoice_id=invoice.pk, by=recipient_user, recipient_siret=recipient.siret
        )


def test_complete_a_suspended_invoice_with_a_comment(invoice_in, supplier_user, recipient_user):
    invoice = invoice_in(S.SUSPENDUE)
    with pytest.raises(ChorusError, match="Commentaire : obligatoire") as caught:
        services.invoice_complete(invoice_id=invoice.pk, by=supplier_user, comment="")
    assert caught.value.field == "comment"
    result = services.invoice_complete(invoice_id=invoice.pk, by=supplier_user, comment="BL joint")
    assert (result.status, result.completion_comment) == (S.COMPLETEE, "BL joint")
    # Back with the recipient, who can process it again.
    paid = services.invoice_mark_paid(
        invoice_id=invoice.pk, by=recipient_user, on=TODAY(), amount="1"
    )
    assert paid.status == S.MISE_EN_PAIEMENT


def test_complete_is_refused_when_not_suspended(invoice_in, supplier_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="action « compléter » impossible"):
        services.invoice_complete(invoice_id=invoice.pk, by=supplier_user, comment="x")


def test_supplier_acknowledges_then_processes_a_rejection(invoice_in, supplier_user):
    invoice = invoice_in(S.REJETEE)
    acknowledged = services.invoice_acknowledge_rejection(invoice_id=invoice.pk, by=supplier_user)
    assert acknowledged.rejection_acknowledged_at is not None
    assert acknowledged.rejection_processed_at is None
    processed = services.invoice_process_rejection(invoice_id=invoice.pk, by=supplier_user)
    assert processed.status == S.REJETEE
    assert processed.rejection_processed_at is not None
    assert list(processed.events.values_list("action", flat=True)) == [
        "chorus.invoice.rejection_acknowledged",
        "chorus.invoice.rejection_processed",
    ]


def test_acknowledging_a_rejection_of_a_non_rejected_invoice_is_refused(invoice_in, supplier_user):
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="action « acquitter le rejet » impossible"):
        services.invoice_acknowledge_rejection(invoice_id=invoice.pk, by=supplier_user)


def test_supplier_acknowledges_a_suspension(invoice_in, supplier_user):
    invoice = invoice_in(S.SUSPENDUE)
    result = services.invoice_acknowledge_suspension(invoice_id=invoice.pk, by=supplier_user)
    assert (result.status, result.suspension_acknowledged_at is not None) == (S.SUSPENDUE, True)


def test_unknown_invoice_is_a_clear_error(recipient_user):
    with pytest.raises(ChorusError, match="Facture introuvable"):
        services.invoice_mark_accounted(invoice_id=987654, by=recipient_user)


def test_consultation_staff_cannot_process_through_the_service(invoice_in, recipient, supplier):
    from structures.choices import AccessLevel

    viewer = UserFactory()
    MembershipFactory(user=viewer, structure=recipient, access_level=AccessLevel.CONSULTATION)
    invoice = invoice_in(S.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="consultation uniquement"):
        services.invoice_suspend(invoice_id=invoice.pk, by=viewer, reason="Pièce manquante")
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_staff_of_another_service_cannot_process_through_the_service(invoice_in, recipient):
    mine, theirs = ServiceFactory(structure=recipient), ServiceFactory(structure=recipient)
    agent = UserFactory()
    MembershipFactory(user=agent, structure=recipient).services.add(mine)
    invoice = invoice_in(S.MISE_A_DISPOSITION, service=theirs)
    with pytest.raises(ChorusError, match="service que vous ne traitez pas"):
        services.invoice_mark_service_done(invoice_id=invoice.pk, by=agent)
    other = invoice_in(S.MISE_A_DISPOSITION, service=mine, number="F-MINE")
    services.invoice_mark_service_done(invoice_id=other.pk, by=agent)
    other.refresh_from_db()
    assert other.status == S.SERVICE_FAIT
