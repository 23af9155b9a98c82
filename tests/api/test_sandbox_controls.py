"""Fault injection and the request log, driven through the integrator control API."""

import base64
import json

import pytest
from django.test import override_settings

from api.models_sandbox import FaultRule, RequestLogEntry
from api.requestlog import mask_value

HEALTH = "transverses/v1/health-check"
CONTROL = "/integrateur/api/v1/"


def control_post(api, path: str, body: dict):
    return api.client.post(
        CONTROL + path, data=json.dumps(body), content_type="application/json", headers=api.headers
    )


def control_get(api, path: str):
    return api.client.get(CONTROL + path, headers=api.headers)


def test_injected_503_is_seen_by_the_client_then_the_api_recovers(api):
    response = control_post(api, "faults", {"effet": "503", "appelsRestants": 1})
    assert response.status_code == 201, response.content
    assert response.json()["appelsRestants"] == 1

    failed = api.get(HEALTH)
    assert failed.status_code == 503
    assert failed.json()["codeRetour"] == 503

    recovered = api.get(HEALTH)
    assert recovered.status_code == 200
    assert recovered.json()["statusCode"] == "OK"
    rule = FaultRule.objects.get()
    assert (rule.remaining_calls, rule.hits) == (0, 1)


@pytest.mark.parametrize("kind", ["401", "403"])
def test_injected_401_and_403_have_an_empty_body_like_the_gateway(api, kind):
    control_post(api, "faults", {"effet": kind, "chemin": "transverses/*"})
    response = api.get(HEALTH)
    assert response.status_code == int(kind)
    assert response.content == b""


def test_injected_429_carries_retry_after(api):
    control_post(api, "faults", {"effet": "429", "retryAfter": 7})
    response = api.get(HEALTH)
    assert response.status_code == 429
    assert response["Retry-After"] == "7"


def test_a_rule_applies_only_to_matching_paths(api):
    control_post(api, "faults", {"effet": "500", "chemin": "factures/v1/*"})
    assert api.get(HEALTH).status_code == 200


def test_a_disabled_rule_does_nothing_and_can_be_enabled_again(api):
    rule_id = control_post(api, "faults", {"effet": "500"}).json()["id"]
    assert control_post(api, f"faults/{rule_id}", {"active": False}).json()["active"] is False
    assert api.get(HEALTH).status_code == 200
    control_post(api, f"faults/{rule_id}", {"active": True})
    assert api.get(HEALTH).status_code == 500


def test_faults_never_apply_to_a_call_that_would_not_authenticate(api, client):
    control_post(api, "faults", {"effet": "503"})
    bad = {**api.headers, "cpro-account": base64.b64encode(b"tech-fournisseur:wrong").decode()}
    response = client.get(f"/cpro/{HEALTH}", headers=bad)
    assert response.status_code == 401


def test_unknown_fault_kind_is_a_400_naming_the_field(api):
    response = control_post(api, "faults", {"effet": "418"})
    assert response.status_code == 400
    assert "Effet" in response.json()["libelle"]


def test_control_api_requires_the_gateway_credentials(client, sandbox_app):
    response = client.get(CONTROL + "faults")
    assert response.status_code == 401
    assert response.content == b""


def test_request_log_masks_secrets_and_records_the_injected_fault(api):
    control_post(api, "faults", {"effet": "503", "appelsRestants": 1})
    api.get(HEALTH)
    api.post("factures/v1/deposer/pdf", {"fichierFacture": "A" * 400, "motDePasse": "x"})

    entries = control_get(api, "requests").json()["requetes"]
    by_path = {e["path"]: e for e in entries}
    faulty = by_path["/cpro/" + HEALTH]
    assert faulty["status_code"] == 503
    assert faulty["fault"].startswith("503")
    assert faulty["request_headers"]["Authorization"] == "Bearer ***"
    assert "sandbox" not in json.dumps(faulty["request_headers"])
    assert "tech-fournisseur" in faulty["request_headers"]["Cpro-Account"]
    deposit = json.loads(by_path["/cpro/factures/v1/deposer/pdf"]["request_body"])
    assert deposit == {"fichierFacture": "<fichier base64: 300 octets>", "motDePasse": "***"}


def test_request_log_pages_by_keyset_and_exports(api):
    for _ in range(3):
        api.get(HEALTH)
    first = control_get(api, "requests?limite=2").json()
    assert len(first["requetes"]) == 2
    second = control_get(api, f"requests?limite=2&avant={first['avant']}").json()
    ids = [e["id"] for e in first["requetes"] + second["requetes"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == len(ids)

    csv_export = api.client.get(CONTROL + "requests/export?type=csv", headers=api.headers)
    assert csv_export["Content-Type"].startswith("text/csv")
    assert "/cpro/transverses/v1/health-check" in csv_export.content.decode()
    json_export = api.client.get(CONTROL + "requests/export", headers=api.headers)
    assert any(row["path"].endswith("health-check") for row in json.loads(json_export.content))


@override_settings(CHORUS_REQUEST_LOG_SIZE=3)
def test_request_log_keeps_only_the_last_n_per_application(api, monkeypatch):
    from api import requestlog

    monkeypatch.setattr(requestlog, "PRUNE_EVERY", 2)
    monkeypatch.setattr(requestlog, "_WRITES_SINCE_PRUNE", {})
    for _ in range(6):
        api.get(HEALTH)
    # Pruned at the 1st, 3rd and 5th write (every 2nd of this process): the 6th is extra.
    assert RequestLogEntry.objects.count() == 4
    stored = list(RequestLogEntry.objects.order_by("-id"))
    pair = {"client_id": stored[0].client_id, "structure": stored[0].structure}
    page, _ = requestlog.request_log_page(**pair, limit=50)
    assert page == stored[:3]  # readers see the newest N only
    content, _ = requestlog.request_log_export(**pair, kind="json")
    assert [row["id"] for row in json.loads(content)] == sorted(e.pk for e in stored[:3])


def test_mask_value_hides_secret_keys_anywhere():
    assert mask_value({"a": [{"client_secret": "s"}], "Password": "p"}) == {
        "a": [{"client_secret": "***"}],
        "Password": "***",
    }


# Portal page ------------------------------------------------------------------------------------
@pytest.fixture
def principal(client, supplier_structure):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, structure=supplier_structure, principal=True)
    client.force_login(user)
    return user


def test_portal_adds_a_fault_and_shows_the_request_log(client, api, principal, supplier_structure):
    url = "/integrateur/"
    response = client.post(
        url + "pannes/ajouter",
        {
            "structure": supplier_structure.pk,
            "application": "chorus-sandbox",
            "kind": "503",
            "path_pattern": "*",
            "probability": "100",
            "remaining_calls": "1",
        },
    )
    assert response.status_code == 302
    assert api.get(HEALTH).status_code == 503
    page = client.get(url, {"structure": supplier_structure.pk})
    assert page.status_code == 200
    assert "/cpro/transverses/v1/health-check" in page.content.decode()
    assert "503 (règle" in page.content.decode()


def test_portal_refuses_a_bad_probability_with_a_message(client, sandbox_app, principal):
    response = client.post(
        "/integrateur/pannes/ajouter", {"kind": "500", "probability": "0"}, follow=True
    )
    content = response.content.decode()
    assert "Probabilité : un entier de 1 à 100" in content
    assert 'aria-invalid="true"' in content


def test_portal_is_for_principals_only(client, supplier_structure):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory()
    MembershipFactory(user=user, structure=supplier_structure)
    client.force_login(user)
    assert client.get("/integrateur/").status_code == 404


def test_portal_never_shows_another_structure(client, principal):
    from tests.factories import StructureFactory

    other = StructureFactory()
    assert client.get("/integrateur/", {"structure": other.pk}).status_code == 404
