"""Named robot scenarios on the dedicated demo recipients of `structures.demo` (idempotent)."""

from decimal import Decimal

from sandbox.models import RobotScenario
from sandbox.services import RuleData, robot_scenario_set, sandbox_default_ensure
from structures.demo import (
    ROBOT_HAPPY_SIRET,
    ROBOT_RECYCLE_SIRET,
    ROBOT_REJECT_SIRET,
    ROBOT_SUSPEND_SIRET,
)
from structures.models import Structure

K = RuleData
DEMO_SCENARIOS = [
    (
        ROBOT_HAPPY_SIRET,
        "Parcours nominal",
        [K("SERVICE_DONE_AFTER", days=2), K("PAY_AFTER", days=10)],
    ),
    (
        ROBOT_SUSPEND_SIRET,
        "Suspend puis paie",
        [K("SUSPEND_NO_ATTACHMENT"), K("PAY_AFTER", days=5)],
    ),
    (
        ROBOT_REJECT_SIRET,
        "Rejette au-dessus de 1 000 €",
        [K("REJECT_ABOVE", amount=Decimal("1000.00")), K("PAY_AFTER", days=15)],
    ),
    (
        ROBOT_RECYCLE_SIRET,
        "Met à recycler sans code service ROBOT",
        [K("RECYCLE_UNKNOWN_SERVICE", service_codes="ROBOT"), K("PAY_AFTER", days=20)],
    ),
]


def robots_demo_load(*, force: bool = False) -> list[str]:
    """Create the default sandbox and give each demo robot recipient its named scenario.

    An existing scenario with the same name is kept unless `force` (the sandbox reset).
    """
    sandbox_default_ensure()
    loaded = []
    for siret, name, rules in DEMO_SCENARIOS:
        structure = Structure.objects.filter(identifier_type="SIRET", identifier=siret).first()
        if structure is None:
            continue
        existing = RobotScenario.objects.filter(structure=structure).first()
        if force or existing is None or existing.name != name or not existing.is_active:
            robot_scenario_set(structure=structure, name=name, rules=rules, open_to_all=True)
        loaded.append(f"{structure.identifier} — {name}")
    return loaded
