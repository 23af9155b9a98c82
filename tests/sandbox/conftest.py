"""Sandbox fixtures: a supplier, a public recipient with a robot, invoices made available to it."""

import datetime

import pytest
from django.utils import timezone

from invoices.choices import InvoiceStatus
from sandbox.services import RuleData, robot_scenario_set
from tests.factories import MembershipFactory, ServiceFactory, StructureFactory, UserFactory
from tests.invoices.factories import make_invoice


@pytest.fixture
def supplier(db):
    return StructureFactory(name="Fournitures Dupont")


@pytest.fixture
def recipient(db):
    structure = StructureFactory(public=True, name="Mairie robotisée")
    ServiceFactory(structure=structure, code="ACHATS", label="Achats")
    return structure


@pytest.fixture
def principal(recipient):
    user = UserFactory()
    MembershipFactory(user=user, structure=recipient, principal=True)
    return user


@pytest.fixture
def set_robot(recipient):
    def build(*rules: RuleData, name: str = "Scénario de test"):
        return robot_scenario_set(structure=recipient, name=name, rules=list(rules))

    return build


@pytest.fixture
def received(supplier, recipient):
    """An invoice of 240 € TTC made available to `recipient` (now, or `days_ago` real days)."""

    def build(*, days_ago: int = 0, service_code: str | None = "ACHATS", **kwargs):
        service = recipient.services.filter(code=service_code).first() if service_code else None
        return make_invoice(
            status=kwargs.pop("status", InvoiceStatus.MISE_A_DISPOSITION),
            supplier=supplier,
            recipient=recipient,
            recipient_siret=recipient.siret,
            service=service,
            service_code=service_code or "",
            made_available_at=timezone.now() - datetime.timedelta(days=days_ago),
            **kwargs,
        )

    return build
