"""Reset of the default sandbox (an explicit exception to the archive rule) and the demo robots."""

import pytest
from django.core.management import call_command

from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from invoices.models import Invoice, InvoiceEvent
from sandbox import services
from sandbox.demo import DEMO_SCENARIOS, robots_demo_load
from sandbox.models import RobotAction, RobotScenario, Sandbox
from sandbox.services import RuleData
from structures.demo import ROBOT_HAPPY_SIRET, demo_load
from structures.models import Structure
from structures.validators import validate_siret
from tests.factories import UserFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db


def test_demo_robot_recipients_have_valid_sirets_and_say_they_are_fictitious():
    for siret, _name, _rules in DEMO_SCENARIOS:
        validate_siret(siret)
    demo_load()
    robots_demo_load()
    for siret, name, _rules in DEMO_SCENARIOS:
        structure = Structure.objects.get(identifier=siret)
        assert "(fictif)" in structure.name
        assert structure.robot_scenario.name == name
        assert structure.robot_scenario.open_to_all
    assert Sandbox.objects.filter(is_default=True).count() == 1


def test_demo_robots_load_is_idempotent():
    demo_load()
    robots_demo_load()
    rules = list(RobotScenario.objects.values_list("rules__pk", flat=True))
    robots_demo_load()
    assert list(RobotScenario.objects.values_list("rules__pk", flat=True)) == rules


def test_load_demo_command_loads_the_robots(capsys):
    call_command("load_demo")
    assert "robot destinataire" in capsys.readouterr().out
    assert RobotScenario.objects.count() == len(DEMO_SCENARIOS)


def test_reset_wipes_invoices_resets_clock_and_reloads_demo(received, set_robot):
    admin = UserFactory(is_superuser=True)
    demo_load()
    robots_demo_load()
    happy = Structure.objects.get(identifier=ROBOT_HAPPY_SIRET)
    services.robot_scenario_set(
        structure=happy, name="Parcours nominal", rules=[RuleData("NEVER_ANSWER")]
    )
    set_robot(RuleData("PAY_AFTER", days=0))
    paid = received()
    make_invoice(supplier=paid.supplier, recipient=paid.recipient)  # a draft
    services.clock_advance(days=3)
    paid.refresh_from_db()
    assert paid.status == InvoiceStatus.MISE_EN_PAIEMENT
    isolated = services.sandbox_create(name="CI")
    isolated_supplier = Structure.objects.get(pk=isolated["fournisseur"]["idStructure"])
    kept = make_invoice(supplier=isolated_supplier, status=InvoiceStatus.DEPOSEE)

    deleted = services.sandbox_reset_default(by=admin)

    assert deleted == 2
    assert list(Invoice.objects.all()) == [kept]
    assert not InvoiceEvent.objects.filter(invoice_id=paid.pk).exists()
    assert not RobotAction.objects.exists()
    assert Sandbox.objects.get(is_default=True).offset_seconds == 0
    kinds = happy.robot_scenario.rules.values_list("kind", flat=True)
    assert list(kinds) == ["SERVICE_DONE_AFTER", "PAY_AFTER"]  # demo scenario restored


def test_reset_is_refused_to_non_superusers(received):
    received()
    with pytest.raises(ChorusError) as exc:
        services.sandbox_reset_default(by=UserFactory())
    assert "superutilisateurs" in str(exc.value)
    assert Invoice.objects.count() == 1


def test_deposited_invoices_stay_undeletable_outside_the_reset(received):
    invoice = received()
    with pytest.raises(ChorusError, match="conservée"):
        invoice.delete()
