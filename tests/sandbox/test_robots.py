"""Recipient robots: each rule, order, idempotency, the beat task, and scenario validation."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from invoices.models import InvoiceDocument
from sandbox import services, tasks
from sandbox.models import RobotAction, Sandbox
from sandbox.robots import robots_run
from sandbox.services import RuleData
from structures.models import Membership
from tests.factories import StructureFactory

pytestmark = pytest.mark.django_db
S = InvoiceStatus


def _status(invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def test_pay_after_n_days_waits_for_the_simulated_delay(set_robot, received):
    set_robot(RuleData("PAY_AFTER", days=30))
    invoice = received()
    assert robots_run() == 0
    assert _status(invoice) == S.MISE_A_DISPOSITION
    _sandbox, actions = services.clock_advance(days=30)
    assert actions == 1
    assert _status(invoice) == S.MISE_EN_PAIEMENT
    assert invoice.payment_amount == invoice.total_gross
    event = invoice.events.order_by("-id").first()
    assert event.to_status == S.MISE_EN_PAIEMENT
    assert event.actor.first_name == "Robot"


def test_service_done_then_pay_in_one_run(set_robot, received):
    set_robot(RuleData("SERVICE_DONE_AFTER", days=2), RuleData("PAY_AFTER", days=10))
    invoice = received(days_ago=3)
    robots_run()
    assert _status(invoice) == S.SERVICE_FAIT
    services.clock_advance(days=8)
    assert _status(invoice) == S.MISE_EN_PAIEMENT
    steps = list(invoice.events.values_list("to_status", flat=True))
    assert steps[-2:] == [S.SERVICE_FAIT, S.MISE_EN_PAIEMENT]


def test_suspend_when_no_attachment(set_robot, received):
    set_robot(RuleData("SUSPEND_NO_ATTACHMENT"))
    invoice = received()
    robots_run()
    assert _status(invoice) == S.SUSPENDUE
    assert "Pièce justificative absente" in invoice.suspension_reason


def test_no_suspension_when_an_attachment_is_there(set_robot, received):
    set_robot(RuleData("SUSPEND_NO_ATTACHMENT"))
    invoice = received()
    InvoiceDocument.objects.create(
        invoice=invoice,
        kind=InvoiceDocument.Kind.PIECE_JOINTE,
        file=ContentFile(b"bon de livraison", name="bl.txt"),
        filename="bl.txt",
        content_type="text/plain",
        size=16,
    )
    robots_run()
    assert _status(invoice) == S.MISE_A_DISPOSITION


def test_suspend_then_pay_after_the_supplier_completes(set_robot, received, supplier):
    from invoices import services as invoice_services
    from tests.factories import MembershipFactory, UserFactory
    from tests.invoices.conftest import accept_terms

    set_robot(RuleData("SUSPEND_NO_ATTACHMENT"), RuleData("PAY_AFTER", days=5))
    invoice = received()
    robots_run()
    assert _status(invoice) == S.SUSPENDUE
    user = UserFactory()
    MembershipFactory(user=user, structure=supplier)
    accept_terms(user)
    invoice_services.invoice_complete(invoice_id=invoice.pk, by=user, comment="BL ajouté")
    assert _status(invoice) == S.COMPLETEE
    robots_run()
    assert _status(invoice) == S.COMPLETEE  # suspended once only, 5 days not elapsed
    services.clock_advance(days=5)
    assert _status(invoice) == S.MISE_EN_PAIEMENT


def test_recycle_on_unknown_service(set_robot, received):
    set_robot(RuleData("RECYCLE_UNKNOWN_SERVICE", service_codes="COMPTA"))
    unknown = received(service_code="ACHATS")
    robots_run()
    assert _status(unknown) == S.A_RECYCLER
    assert "ACHATS" in unknown.routing_error_detail


def test_recycle_rule_without_codes_only_recycles_invoices_without_service(set_robot, received):
    set_robot(RuleData("RECYCLE_UNKNOWN_SERVICE"))
    with_service = received(service_code="ACHATS")
    without = received(service_code=None)
    robots_run()
    assert _status(with_service) == S.MISE_A_DISPOSITION
    assert _status(without) == S.A_RECYCLER


def test_reject_above_amount(set_robot, received):
    set_robot(RuleData("REJECT_ABOVE", amount=Decimal("200")))  # invoices are 240 € TTC
    invoice = received()
    robots_run()
    assert _status(invoice) == S.REJETEE
    assert invoice.rejection_reason == "MONTANT_ERRONE"


def test_no_rejection_under_the_amount(set_robot, received):
    set_robot(RuleData("REJECT_ABOVE", amount=Decimal("1000")))
    invoice = received()
    robots_run()
    assert _status(invoice) == S.MISE_A_DISPOSITION


def test_never_answer_stops_the_scenario(set_robot, received):
    set_robot(RuleData("NEVER_ANSWER"), RuleData("PAY_AFTER", days=0))
    invoice = received()
    services.clock_advance(days=365)
    assert _status(invoice) == S.MISE_A_DISPOSITION
    assert not RobotAction.objects.exists()


def test_robot_task_is_idempotent(set_robot, received):
    set_robot(RuleData("SERVICE_DONE_AFTER", days=0))
    invoice = received()
    assert tasks.run_robots() == 1
    assert tasks.run_robots() == 0
    assert tasks.run_robots() == 0
    assert RobotAction.objects.filter(invoice=invoice).count() == 1
    assert invoice.events.filter(to_status=S.SERVICE_FAIT).count() == 1


def test_inactive_scenario_does_nothing(recipient, received):
    services.robot_scenario_set(
        structure=recipient, name="Off", rules=[RuleData("PAY_AFTER", days=0)], is_active=False
    )
    invoice = received()
    robots_run()
    assert _status(invoice) == S.MISE_A_DISPOSITION


def test_robot_user_is_a_validated_modification_member(set_robot, recipient):
    scenario = set_robot(RuleData("NEVER_ANSWER"))
    membership = Membership.objects.get(user=scenario.robot_user, structure=recipient)
    assert membership.can_modify
    assert not scenario.robot_user.has_usable_password()


def test_robot_of_another_structure_leaves_invoices_alone(set_robot, received, supplier):
    set_robot(RuleData("PAY_AFTER", days=0))
    other = StructureFactory(public=True)
    services.robot_scenario_set(
        structure=other, name="Autre", rules=[RuleData("REJECT_ABOVE", amount="0")]
    )
    invoice = received()
    robots_run()
    assert _status(invoice) == S.MISE_EN_PAIEMENT


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ([], "rules"),
        ([RuleData("INCONNUE")], "rules"),
        ([RuleData("PAY_AFTER")], "days"),
        ([RuleData("PAY_AFTER", days=-2)], "days"),
        ([RuleData("REJECT_ABOVE", amount="abc")], "amount"),
    ],
)
def test_invalid_scenarios_are_refused_with_the_field(recipient, rules, field):
    with pytest.raises(ChorusError) as exc:
        services.robot_scenario_set(structure=recipient, name="X", rules=rules)
    assert exc.value.field == field


def test_robot_only_for_public_structures(supplier):
    with pytest.raises(ChorusError) as exc:
        services.robot_scenario_set(structure=supplier, name="X", rules=[RuleData("NEVER_ANSWER")])
    assert exc.value.field == "structure"


def test_robots_run_every_minute_on_celery_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sandbox-robots"]
    assert entry["task"] == "sandbox.tasks.run_robots"
    assert tasks.run_robots.name == "sandbox.tasks.run_robots"


def test_advancing_an_isolated_sandbox_does_not_wake_default_robots(set_robot, received):
    set_robot(RuleData("PAY_AFTER", days=0))
    invoice = received()
    created = services.sandbox_create(name="CI")
    isolated = Sandbox.objects.get(slug=created["bacASable"]["identifiant"])
    _sandbox, actions = services.clock_advance(sandbox=isolated, days=1)
    assert actions == 0
    assert _status(invoice) == S.MISE_A_DISPOSITION
    _sandbox, actions = services.clock_advance(days=1)
    assert actions == 1


def test_task_does_nothing_outside_sandbox_mode(settings, set_robot, received):
    set_robot(RuleData("PAY_AFTER", days=0))
    invoice = received()
    settings.CHORUS_SANDBOX = False
    assert tasks.run_robots() == 0
    assert _status(invoice) == S.MISE_A_DISPOSITION
