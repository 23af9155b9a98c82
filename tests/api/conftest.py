"""API fixtures: the sandbox OAuth client and technical accounts, and a client that sends
`Authorization: Bearer …` and `cpro-account: base64(login:password)` like the real clients."""

import base64
import json

import pytest
from django.test import Client

from api.services import api_application_ensure, technical_account_create
from tests.factories import StructureFactory

CLIENT_ID, CLIENT_SECRET = "chorus-sandbox", "chorus-sandbox-secret"


def cpro_account(login: str, password: str) -> str:
    return base64.b64encode(f"{login}:{password}".encode()).decode()


def get_token(client: Client, *, scope: str | None = "openid") -> dict:
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID}
    data["client_secret"] = CLIENT_SECRET
    if scope:
        data["scope"] = scope
    response = client.post("/api/oauth/token", data)
    assert response.status_code == 200, response.content
    return response.json()


class CproClient:
    """Posts JSON to /cpro/... with both headers, as PISTE clients do."""

    def __init__(self, client: Client, token: str, login: str, password: str) -> None:
        self.client = client
        self.headers = {
            "Authorization": f"Bearer {token}",
            "cpro-account": cpro_account(login, password),
        }

    def post(self, path: str, body: dict | None = None, **headers):
        return self.client.post(
            f"/cpro/{path}",
            data=json.dumps(body if body is not None else {}),
            content_type="application/json;charset=utf-8",
            headers={**self.headers, **headers},
        )

    def get(self, path: str, **headers):
        return self.client.get(f"/cpro/{path}", headers={**self.headers, **headers})


@pytest.fixture
def sandbox_app(db):
    return api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")


@pytest.fixture
def supplier_structure(db):
    return StructureFactory(name="Fournisseur API")


@pytest.fixture
def supplier_account(supplier_structure):
    return technical_account_create(
        structure=supplier_structure, login="tech-fournisseur", password="sandbox"
    )


@pytest.fixture
def api(client, sandbox_app, supplier_account) -> CproClient:
    token = get_token(client)["access_token"]
    return CproClient(client, token, "tech-fournisseur", "sandbox")
