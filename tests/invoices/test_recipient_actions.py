"""One registry of recipient actions (issue 17 item 3): back-office, API `traiter/recue` and the
sandbox robots dispatch through `invoice_recipient_act`; an unknown action is an error on each
channel, never a payment."""

import pytest
from django.urls import reverse
from django.utils import timezone

from api.services import api_application_ensure, technical_account_create
from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from invoices.received.forms import ACTIONS
from invoices.services.recipient import (
    RECIPIENT_ACTIONS,
    UNKNOWN_ACTION,
    invoice_recipient_act,
    recipient_action_for_target,
)
from sandbox import robots
from sandbox.services import RuleData, robot_scenario_set
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient, get_token
from tests.invoices.test_received_support import public_structure, received, staff_of

pytestmark = pytest.mark.django_db
S = InvoiceStatus


@pytest.fixture
def mairie():
    return public_structure(name="Mairie du registre")


def _status(invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def test_back_office_offers_exactly_the_registered_actions_with_their_targets():
    assert set(ACTIONS) == set(RECIPIENT_ACTIONS)
    for name, (target, _form, _button) in ACTIONS.items():
        assert RECIPIENT_ACTIONS[name].target == target


def test_service_refuses_an_unknown_action_and_pays_nothing(mairie):
    invoice = received(mairie)
    with pytest.raises(ChorusError) as caught:
        invoice_recipient_act(invoice_id=invoice.pk, by=staff_of(mairie), action="payer", data={})
    assert caught.value.code == UNKNOWN_ACTION
    assert "inconnue" in caught.value.message
    assert _status(invoice) == S.MISE_A_DISPOSITION


def test_registry_runs_a_known_action(mairie):
    invoice = received(mairie)
    user = staff_of(mairie)
    data = {"payment_date": timezone.localdate()}  # amount: the gross total by default
    invoice_recipient_act(invoice_id=invoice.pk, by=user, action="mark_paid", data=data)
    assert _status(invoice) == S.MISE_EN_PAIEMENT
    assert invoice.payment_amount == invoice.total_gross


def test_back_office_unknown_action_is_404_and_pays_nothing(client, mairie):
    invoice = received(mairie)
    client.force_login(staff_of(mairie))
    url = reverse("received:process", args=[invoice.pk, "payer"])
    response = client.post(url, {"payer-expected_status": invoice.status})
    assert response.status_code == 404
    assert _status(invoice) == S.MISE_A_DISPOSITION


@pytest.mark.parametrize("target", ["COMPLETEE", "PAYEE", "DEPOSEE"])
def test_api_target_with_no_recipient_action_is_refused_and_pays_nothing(client, mairie, target):
    invoice = received(mairie)
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")
    technical_account_create(structure=mairie, login="tech-mairie", password="sandbox")
    api = CproClient(client, get_token(client)["access_token"], "tech-mairie", "sandbox")
    response = api.post(
        "factures/v1/traiter/recue", {"idFacture": invoice.pk, "nouveauStatut": target}
    )
    assert response.json()["codeRetour"] != 0
    assert _status(invoice) == S.MISE_A_DISPOSITION
    with pytest.raises(ChorusError) as caught:
        recipient_action_for_target(target)
    assert caught.value.code == UNKNOWN_ACTION


def test_api_target_runs_the_registered_action(client, mairie):
    invoice = received(mairie)
    api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")
    technical_account_create(structure=mairie, login="tech-mairie", password="sandbox")
    api = CproClient(client, get_token(client)["access_token"], "tech-mairie", "sandbox")
    body = {"idFacture": invoice.pk, "nouveauStatut": "MISE_EN_PAIEMENT"}
    assert api.post("factures/v1/traiter/recue", body).json()["codeRetour"] == 0
    assert _status(invoice) == S.MISE_EN_PAIEMENT


def test_robot_with_an_unknown_action_raises_and_pays_nothing(mairie, monkeypatch):
    scenario = robot_scenario_set(
        structure=mairie, name="Robot", rules=[RuleData("PAY_AFTER", days=0)]
    )
    invoice = received(mairie)
    monkeypatch.setattr(robots, "_plan", lambda rule, invoice, now: ("payer", {}))
    with pytest.raises(ChorusError) as caught:
        robots.robot_process_invoice(scenario=scenario, invoice=invoice)
    assert caught.value.code == UNKNOWN_ACTION
    assert _status(invoice) == S.MISE_A_DISPOSITION


def test_every_robot_rule_plans_a_registered_action(mairie):
    from sandbox.models import RuleKind

    invoice = received(mairie, days_ago=400, total_gross=10**6)
    for kind in RuleKind.values:
        scenario = robot_scenario_set(
            structure=mairie, name=f"R-{kind}", rules=[RuleData(kind, days=1, amount=1)]
        )
        rule = scenario.rules.get()
        plan = robots._plan(rule, invoice, robots.clock.now(structure_id=mairie.pk))
        if plan is not None:
            assert plan[0] in RECIPIENT_ACTIONS
