"""Issue 14 #13: a deeply nested JSON body and a technical login in another letter case are clean
4xx answers, never a 500."""

import base64
import json

import pytest

from api.models import TechnicalAccount
from api.parsers import MAX_JSON_DEPTH
from api.services import technical_account_create
from tests.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db

DEVISES = "transverses/v1/recuperer/devises"


def _nested(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("kind", ["list", "object"])
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_a_deeply_nested_body_is_a_400_in_the_chorus_envelope(api, kind, depth):
    body = _nested(depth, kind)
    if kind == "object":
        body = '{"codeLangue": "fr", "x": ' + body + "}"
    response = api.client.post(
        f"/cpro/{DEVISES}", data=body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400, response.content[:200]
    assert response.json()["codeRetour"] == 400
    assert "imbrique" in response.json()["libelle"]


def test_a_body_within_the_depth_bound_is_read(api):
    body = {"codeLangue": "fr", "x": json.loads(_nested(MAX_JSON_DEPTH - 2))}
    assert api.post(DEVISES, body).status_code == 200


@pytest.mark.parametrize("path", ["/integrateur/api/v1/faults", "/sandbox/api/v1/horloge/avancer"])
def test_sandbox_and_integrator_controls_refuse_deep_bodies_too(api, path):
    response = api.client.post(
        path, data=_nested(5_000), content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400


def test_the_request_log_keeps_no_walk_of_a_deep_body():
    from api.requestlog import mask_body

    logged = mask_body(_nested(5_000).encode(), "application/json")
    assert logged.startswith("<corps JSON trop imbriqué")


def test_a_deep_cursor_in_a_public_list_is_ignored_not_a_500(client):
    token = base64.urlsafe_b64encode(_nested(5_000).encode()).decode().rstrip("=")
    assert client.get("/annuaire/", {"apres": token}).status_code == 200
    assert client.get("/annuaire/", {"avant": token}).status_code == 200


def test_a_technical_login_in_another_letter_case_is_a_clean_401(api, client):
    from tests.api.conftest import cpro_account

    response = client.get(
        f"/cpro/{DEVISES}",
        headers={
            "Authorization": api.headers["Authorization"],
            "cpro-account": cpro_account("TECH-FOURNISSEUR", "sandbox"),
        },
    )
    assert response.status_code == 401


def test_a_login_taken_in_another_letter_case_is_refused_in_french(client):
    other = technical_account_create(structure=StructureFactory(), login="pris", password="sandbox")
    manager = MembershipFactory(principal=True)
    client.force_login(manager.user)
    url = f"/raccordement/{manager.structure.pk}/comptes-techniques/"
    response = client.post(url, {"login": "PRIS"})
    assert response.status_code == 400
    assert "déjà utilisé" in response.content.decode()
    other.refresh_from_db()
    assert other.structure != manager.structure
    # The structure's own login in another case is a reset of that account, not a second one.
    assert client.post(url, {"login": "tech-erp"}).status_code == 200
    assert client.post(url, {"login": "TECH-ERP"}).status_code == 200
    assert list(
        TechnicalAccount.objects.filter(login__iexact="tech-erp").values_list("login", flat=True)
    ) == ["tech-erp"]
