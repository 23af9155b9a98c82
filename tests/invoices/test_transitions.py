"""The status machine of chorus-pro.md §4.2, checked transition by transition (allowed AND refused).

Transitions are tested on unsaved instances: they must only change fields on `self`.
"""

import datetime
from decimal import Decimal

import pytest
from django_fsm import TransitionNotAllowed, can_proceed

from invoices.choices import InvoiceStatus, RejectionReason, RoutingError
from invoices.models import Invoice

S = InvoiceStatus
NOW = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 3, 2)

# Independent copy of the table (doc §4.2 + supplier/system moves): name → (sources, target, kwargs)
TABLE = {
    "submit": ({S.BROUILLON}, S.DEPOSEE, {"at": NOW}),
    "start_routing": ({S.DEPOSEE}, S.EN_COURS_ACHEMINEMENT, {}),
    "make_available": (
        {S.EN_COURS_ACHEMINEMENT},
        S.MISE_A_DISPOSITION,
        {"recipient": None, "service": None, "at": NOW},
    ),
    "refuse_routing": (
        {S.EN_COURS_ACHEMINEMENT},
        S.A_RECYCLER,
        {"error": RoutingError.DESTINATAIRE_INCONNU, "detail": "inconnu"},
    ),
    "fail": ({S.DEPOSEE, S.EN_COURS_ACHEMINEMENT}, S.ERREUR_TECHNIQUE, {"error": "boom"}),
    "recycle": (
        {S.A_RECYCLER},
        S.DEPOSEE,
        {"recipient_siret": "11000000000000", "service_code": "", "ej_number": ""},
    ),
    "complete": ({S.SUSPENDUE}, S.COMPLETEE, {"comment": "pièce ajoutée", "at": NOW}),
    "acknowledge_rejection": ({S.REJETEE}, S.REJETEE, {"at": NOW}),
    "process_rejection": ({S.REJETEE}, S.REJETEE, {"at": NOW}),
    "acknowledge_suspension": ({S.SUSPENDUE}, S.SUSPENDUE, {"at": NOW}),
    "send_to_recycle": ({S.MISE_A_DISPOSITION, S.COMPLETEE}, S.A_RECYCLER, {"detail": "SE"}),
    "reject": (
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT, S.MANDATEE},
        S.REJETEE,
        {"reason": RejectionReason.DOUBLE_FACTURATION, "comment": ""},
    ),
    "suspend": (
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT},
        S.SUSPENDUE,
        {"reason": "Document manquant"},
    ),
    "mark_service_done": ({S.MISE_A_DISPOSITION, S.COMPLETEE}, S.SERVICE_FAIT, {"on": TODAY}),
    "mandate": (
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT},
        S.MANDATEE,
        {"mandate_number": "M-1"},
    ),
    "make_available_to_accounting": (
        {S.MISE_A_DISPOSITION, S.COMPLETEE, S.SERVICE_FAIT, S.MANDATEE},
        S.MISE_A_DISPOSITION_COMPTABLE,
        {},
    ),
    "mark_accounted": (
        {
            S.MISE_A_DISPOSITION,
            S.COMPLETEE,
            S.SERVICE_FAIT,
            S.MANDATEE,
            S.MISE_A_DISPOSITION_COMPTABLE,
        },
        S.COMPTABILISEE,
        {},
    ),
    "mark_paid": (
        {
            S.MISE_A_DISPOSITION,
            S.COMPLETEE,
            S.SERVICE_FAIT,
            S.MANDATEE,
            S.MISE_A_DISPOSITION_COMPTABLE,
            S.COMPTABILISEE,
        },
        S.MISE_EN_PAIEMENT,
        {"on": TODAY, "amount": Decimal("10.00")},
    ),
}

CASES = [(name, status) for name in TABLE for status in S.values]
ALLOWED = [(n, s) for n, s in CASES if s in TABLE[n][0]]
REFUSED = [(n, s) for n, s in CASES if s not in TABLE[n][0]]


def test_the_table_covers_every_transition_of_the_model():
    field = Invoice._meta.get_field("status")
    names = {t.name for t in field.get_all_transitions(Invoice)}
    assert names == set(TABLE)


@pytest.mark.parametrize(("name", "status"), ALLOWED)
def test_allowed_transition_moves_to_its_target(name, status):
    _, target, kwargs = TABLE[name]
    invoice = Invoice(status=status)
    assert can_proceed(getattr(invoice, name))
    getattr(invoice, name)(**kwargs)
    assert invoice.status == target


@pytest.mark.parametrize(("name", "status"), REFUSED)
def test_refused_transition_raises_and_keeps_the_status(name, status):
    _, _, kwargs = TABLE[name]
    invoice = Invoice(status=status)
    assert not can_proceed(getattr(invoice, name))
    with pytest.raises(TransitionNotAllowed):
        getattr(invoice, name)(**kwargs)
    assert invoice.status == status


def test_status_cannot_be_assigned_directly():
    invoice = Invoice(status=S.BROUILLON)
    with pytest.raises(AttributeError):
        invoice.status = S.MISE_EN_PAIEMENT


def test_recipient_may_jump_straight_from_made_available_to_paid():
    invoice = Invoice(status=S.MISE_A_DISPOSITION)
    invoice.mark_paid(on=TODAY, amount=Decimal("12.00"))
    assert (invoice.status, invoice.payment_date, invoice.payment_amount) == (
        S.MISE_EN_PAIEMENT,
        TODAY,
        Decimal("12.00"),
    )


@pytest.mark.parametrize(
    "status", [S.MISE_EN_PAIEMENT, S.REJETEE, S.ERREUR_TECHNIQUE, S.MISE_A_DISPOSITION_COMPTABLE]
)
def test_no_going_back_to_made_available_or_routing(status):
    invoice = Invoice(status=status)
    for name in ("submit", "start_routing", "make_available", "send_to_recycle"):
        assert not can_proceed(getattr(invoice, name))


def test_recycle_changes_only_routing_data_and_clears_the_resolved_recipient():
    invoice = Invoice(
        status=S.A_RECYCLER, number="F-1", recipient_siret="1" * 14, service_code="OLD"
    )
    invoice.recycle(recipient_siret="2" * 14, service_code="NEW", ej_number="EJ1")
    assert (invoice.number, invoice.recipient_siret, invoice.service_code, invoice.ej_number) == (
        "F-1",
        "2" * 14,
        "NEW",
        "EJ1",
    )
    assert invoice.recipient_id is None


def test_reject_resets_a_previous_acknowledgement():
    invoice = Invoice(status=S.COMPLETEE, rejection_acknowledged_at=NOW)
    invoice.reject(reason=RejectionReason.MONTANT_ERRONE, comment="total faux")
    assert invoice.rejection_acknowledged_at is None
    assert invoice.rejection_reason == RejectionReason.MONTANT_ERRONE


def test_processing_a_rejection_also_acknowledges_it():
    invoice = Invoice(status=S.REJETEE)
    invoice.process_rejection(at=NOW)
    assert invoice.rejection_acknowledged_at == invoice.rejection_processed_at == NOW
