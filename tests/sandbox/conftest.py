"""Sandbox fixtures: a supplier, a public recipient with a robot, invoices made available to it."""

import datetime
import json

import pytest
from django.utils import timezone

from api.services import api_application_ensure, technical_account_create
from invoices.choices import InvoiceStatus
from sandbox import services
from sandbox.services import RuleData, robot_scenario_set
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, cpro_account, get_token
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


class SandboxApi:
    def __init__(self, client, token: str, login: str, password: str) -> None:
        self.client = client
        self.headers = {
            "Authorization": f"Bearer {token}",
            "cpro-account": cpro_account(login, password),
        }

    def post(self, path: str, body: dict | None = None):
        return self.client.post(
            f"/sandbox/api/v1/{path}",
            data=json.dumps(body or {}),
            content_type="application/json",
            headers=self.headers,
        )

    def get(self, path: str):
        return self.client.get(f"/sandbox/api/v1/{path}", headers=self.headers)


@pytest.fixture
def sandbox_api(client, sandbox_app, supplier_account) -> SandboxApi:
    return SandboxApi(client, get_token(client)["access_token"], "tech-fournisseur", "sandbox")


@pytest.fixture
def sandbox_app(db):
    return api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")


@pytest.fixture
def supplier_account(supplier):
    return technical_account_create(
        structure=supplier, login="tech-fournisseur", password="sandbox"
    )


@pytest.fixture
def isolated(client):
    """A fresh isolated sandbox (`sandbox_create`) and an API client on its supplier account."""
    created = services.sandbox_create(name="CI test")
    token = token_for(client, created)
    account = created["fournisseur"]["compteTechnique"]
    created["api"] = SandboxApi(client, token, account["login"], account["motDePasse"])
    account = created["destinataire"]["compteTechnique"]
    created["api_destinataire"] = SandboxApi(client, token, account["login"], account["motDePasse"])
    return created


def token_for(client, created: dict) -> str:
    return client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": created["oauth"]["clientId"],
            "client_secret": created["oauth"]["clientSecret"],
            "scope": "openid",
        },
    ).json()["access_token"]
