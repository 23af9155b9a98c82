"""«Traiter la facture»: allowed and refused targets, motifs, stale forms, concurrent staff."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoices.choices import InvoiceStatus, RejectionReason
from tests.invoices.test_received_support import public_structure, received, staff_of

S = InvoiceStatus
pytestmark = pytest.mark.django_db

ALL_ACTIONS = {
    "suspend": S.SUSPENDUE,
    "reject": S.REJETEE,
    "send_to_recycle": S.A_RECYCLER,
    "mark_service_done": S.SERVICE_FAIT,
    "mandate": S.MANDATEE,
    "make_available_to_accounting": S.MISE_A_DISPOSITION_COMPTABLE,
    "mark_accounted": S.COMPTABILISEE,
    "mark_paid": S.MISE_EN_PAIEMENT,
}
# §4.2 table, as implemented by the FSM.
ALLOWED = {
    S.MISE_A_DISPOSITION: set(ALL_ACTIONS),
    S.COMPLETEE: set(ALL_ACTIONS),
    S.SERVICE_FAIT: set(ALL_ACTIONS) - {"send_to_recycle", "mark_service_done"},
    S.MANDATEE: {"reject", "make_available_to_accounting", "mark_accounted", "mark_paid"},
    S.MISE_A_DISPOSITION_COMPTABLE: {"mark_accounted", "mark_paid"},
    S.COMPTABILISEE: {"mark_paid"},
    S.SUSPENDUE: set(),
    S.REJETEE: set(),
    S.MISE_EN_PAIEMENT: set(),
}
TODAY = timezone.localdate()
VALID_DATA = {
    "suspend": {"reason": "Bon de livraison manquant"},
    "reject": {"reason": RejectionReason.MONTANT_ERRONE, "comment": "Remise oubliée"},
    "send_to_recycle": {"comment": "Mauvais service"},
    "mark_service_done": {"on": "2026-01-15"},
    "mandate": {"mandate_number": "M-2026-001"},
    "make_available_to_accounting": {},
    "mark_accounted": {},
    "mark_paid": {"payment_date": TODAY.isoformat(), "payment_amount": "240,00"},
}


@pytest.fixture
def mairie():
    return public_structure(name="Mairie de Trifouilly")


@pytest.fixture
def staff(client, mairie):
    user = staff_of(mairie)
    client.force_login(user)
    return user


def _post(client, invoice, action, data, expected=None):
    payload = {f"{action}-{key}": value for key, value in data.items()}
    payload[f"{action}-expected_status"] = expected or invoice.status
    return client.post(reverse("received:process", args=[invoice.pk, action]), payload)


CASES = [(status, action) for status in ALLOWED for action in ALL_ACTIONS]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_every_target_is_offered_and_applied_only_when_the_fsm_allows_it(
    client, staff, mairie, status, action
):
    invoice = received(mairie, status=status, issue_date=datetime.date(2026, 1, 2))
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    url = reverse("received:process", args=[invoice.pk, action])
    allowed = action in ALLOWED[status]
    assert (f'action="{url}"' in page) is allowed

    response = _post(client, invoice, action, VALID_DATA[action])
    assert response.status_code == 302
    invoice.refresh_from_db()
    if allowed:
        assert invoice.status == ALL_ACTIONS[action]
        assert invoice.events.filter(to_status=ALL_ACTIONS[action], actor=staff).exists()
    else:
        assert invoice.status == status
        message = client.get(response["Location"]).content.decode()
        assert "impossible" in message


def test_suspension_requires_a_motif_and_keeps_the_form(client, staff, mairie):
    invoice = received(mairie)
    response = _post(client, invoice, "suspend", {"reason": "   "})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Motif de suspension : ce champ est obligatoire." in content
    assert 'aria-invalid="true"' in content
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_motif_longer_than_255_characters_is_refused_with_what_was_typed(client, staff, mairie):
    invoice = received(mairie)
    motif = "x" * 256
    response = _post(client, invoice, "suspend", {"reason": motif})
    content = response.content.decode()
    assert "255 caractères au maximum (256 saisis)" in content
    assert motif in content
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_rejection_needs_a_reason_from_the_grouped_list(client, staff, mairie):
    invoice = received(mairie)
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    assert '<optgroup label="Problèmes techniques">' in page
    response = _post(client, invoice, "reject", {"reason": "", "comment": "Pourquoi pas"})
    assert "Motif de rejet : choisissez un motif de la liste." in response.content.decode()
    response = _post(client, invoice, "reject", {"reason": "INVENTE"})
    assert "Motif de rejet : choisissez un motif de la liste." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == S.MISE_A_DISPOSITION


def test_rejection_stores_the_reason_and_comment_and_shows_them(client, staff, mairie):
    invoice = received(mairie)
    _post(client, invoice, "reject", VALID_DATA["reject"])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.rejection_reason, invoice.rejection_comment) == (
        S.REJETEE,
        RejectionReason.MONTANT_ERRONE,
        "Remise oubliée",
    )
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    assert "Montant de la facture erroné — Remise oubliée" in page


def test_payment_defaults_to_the_gross_total_and_refuses_more(client, staff, mairie):
    invoice = received(mairie)
    page = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    assert 'value="240,00"' in page
    response = _post(
        client, invoice, "mark_paid", {"payment_date": TODAY.isoformat(), "payment_amount": "999"}
    )
    assert "ne peut dépasser le total TTC" in response.content.decode()
    response = _post(client, invoice, "mark_paid", {"payment_date": "31/02/2026"})
    assert "Date de mise en paiement : date invalide" in response.content.decode()
    _post(client, invoice, "mark_paid", {"payment_date": TODAY.isoformat(), "payment_amount": ""})
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_amount) == (S.MISE_EN_PAIEMENT, Decimal("240.00"))
    assert invoice.payment_date == TODAY


def test_mandate_requires_a_number(client, staff, mairie):
    invoice = received(mairie)
    response = _post(client, invoice, "mandate", {"mandate_number": ""})
    assert "Numéro de mandat : obligatoire." in response.content.decode()


def test_stale_form_gives_a_french_message_not_a_500(client, staff, mairie):
    invoice = received(mairie)
    # Another agent declared the service done after this page was loaded.
    other = staff_of(mairie)
    from invoices.services import invoice_mark_service_done

    invoice_mark_service_done(invoice_id=invoice.pk, by=other)
    response = _post(
        client, invoice, "mandate", {"mandate_number": "M-1"}, expected=S.MISE_A_DISPOSITION
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "a changé de statut depuis" in page
    assert "« Service fait »" in page
    invoice.refresh_from_db()
    assert invoice.status == S.SERVICE_FAIT


def test_second_agent_on_a_now_forbidden_transition_gets_the_service_message(client, staff, mairie):
    invoice = received(mairie)
    first = staff_of(mairie)
    from invoices.services import invoice_reject

    invoice_reject(invoice_id=invoice.pk, by=first, reason=RejectionReason.DOUBLE_FACTURATION)
    # The loser's form is up to date with the status (REJETEE) but the action is refused.
    response = _post(client, invoice, "suspend", {"reason": "Pièce"}, expected=S.REJETEE)
    page = client.get(response["Location"]).content.decode()
    assert "La facture est au statut « Rejetée » : action « suspendre » impossible." in page


def test_unknown_action_is_404(client, staff, mairie):
    invoice = received(mairie)
    response = client.post(reverse("received:process", args=[invoice.pk, "pirater"]), {})
    assert response.status_code == 404


def test_processing_is_post_only(client, staff, mairie):
    invoice = received(mairie)
    response = client.get(reverse("received:process", args=[invoice.pk, "suspend"]))
    assert response.status_code == 405


def test_missing_expected_status_asks_to_reload(client, staff, mairie):
    invoice = received(mairie)
    response = client.post(reverse("received:process", args=[invoice.pk, "mark_accounted"]), {})
    assert "rechargez la page" in client.get(response["Location"]).content.decode()


def test_portal_rejection_after_another_reason_won_is_refused_with_a_clear_message(
    client, staff, mairie
):
    """Issue 14 item 18: the loser of two rejections is refused, not told it succeeded."""
    from invoices import services

    invoice = received(mairie)
    first = staff_of(mairie)
    services.invoice_reject(
        invoice_id=invoice.pk, by=first, reason=RejectionReason.DOUBLE_FACTURATION, comment="x"
    )
    # A form displayed before the first rejection: the stale check would not fire here.
    response = _post(client, invoice, "reject", VALID_DATA["reject"], expected=S.REJETEE)
    message = client.get(response["Location"]).content.decode()
    assert "déjà au statut" in message
    assert "n&#x27;a pas été appliquée" in message or "n'a pas été appliquée" in message
    invoice.refresh_from_db()
    assert invoice.rejection_reason == RejectionReason.DOUBLE_FACTURATION
    # The same rejection sent again (a double click): success, nothing changes.
    services.invoice_reject(
        invoice_id=invoice.pk, by=first, reason=RejectionReason.DOUBLE_FACTURATION, comment="x"
    )
    assert invoice.events.filter(action="chorus.invoice.rejected").count() == 1
