"""PISTE gateway behaviour: token, both headers, empty 401/403 bodies, envelope, rate limit."""

import datetime

import pytest
from django.utils import timezone

from api.models import TechnicalAccount
from tests.api.conftest import CproClient, cpro_account, get_token

pytestmark = pytest.mark.django_db


def test_token_answers_the_fields_clients_parse(client, sandbox_app):
    token = get_token(client)
    assert token["token_type"] == "Bearer"
    assert isinstance(token["expires_in"], int)
    assert token["expires_in"] > 0
    assert token["access_token"]
    assert token["scope"] == "openid"


def test_token_without_scope_works_like_the_go_client(client, sandbox_app):
    assert get_token(client, scope=None)["scope"] == "openid"


def test_token_with_a_wrong_secret_is_an_oauth_error(client, sandbox_app):
    response = client.post(
        "/api/oauth/token",
        {"grant_type": "client_credentials", "client_id": "chorus-sandbox", "client_secret": "x"},
    )
    # PISTE answers 400 with a description (the PHP library's own test, chorus-pro.md §8.5)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
    assert response.json()["error_description"]


def test_health_check_with_token_and_account(api):
    response = api.get("transverses/v1/health-check")
    assert response.status_code == 200
    assert response.json() == {
        "body": "L'API CPRO est actuellement disponible et fonctionnel.",
        "statusCodeValue": 200,
        "statusCode": "OK",
    }


def test_missing_cpro_account_is_401_with_an_empty_body(client, api):
    response = client.get(
        "/cpro/transverses/v1/health-check", headers={"Authorization": api.headers["Authorization"]}
    )
    assert response.status_code == 401
    assert response.content == b""


def test_missing_or_bad_token_is_401_with_an_empty_body(client, supplier_account):
    response = client.get(
        "/cpro/transverses/v1/health-check",
        headers={
            "Authorization": "Bearer nope",
            "cpro-account": cpro_account("tech-fournisseur", "sandbox"),
        },
    )
    assert response.status_code == 401
    assert response.content == b""


def test_wrong_technical_password_is_401(client, api):
    bad = CproClient(client, api.headers["Authorization"].split()[1], "tech-fournisseur", "faux")
    assert bad.get("transverses/v1/health-check").status_code == 401


def test_expired_technical_password_is_403_with_an_empty_body(api, supplier_account):
    TechnicalAccount.objects.filter(pk=supplier_account.pk).update(
        password_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = api.get("transverses/v1/health-check")
    assert response.status_code == 403
    assert response.content == b""


def test_keys_are_read_case_insensitively(api):
    response = api.post("transverses/v1/recuperer/devises", {"CODELANGUE": "fr"})
    assert response.status_code == 200
    body = response.json()
    assert body["codeLangue"] == "FR"
    assert {"codeDevise": "EUR", "libelleDevise": "Euro"} in body["listeDevises"]


def test_malformed_json_is_a_400_envelope(api):
    response = api.client.post(
        "/cpro/transverses/v1/recuperer/devises",
        data="{pas du json",
        content_type="application/json",
        headers=api.headers,
    )
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 400


def test_rate_limit_per_application_answers_429_with_retry_after(api, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"piste": "2/min"},
    }
    statuses = [api.get("transverses/v1/health-check").status_code for _ in range(3)]
    response = api.get("transverses/v1/health-check")
    assert statuses == [200, 200, 429]
    assert int(response["Retry-After"]) >= 1
    assert response.json()["codeRetour"] == 429


def test_openapi_document_and_docs_page_are_served_offline(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/cpro/transverses/v1/health-check" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_demo_data_carries_the_fixed_sandbox_credentials(client):
    from django.core.management import call_command

    call_command("load_demo", verbosity=0, stdout=__import__("io").StringIO())
    call_command("load_demo", verbosity=0, stdout=__import__("io").StringIO())  # idempotent
    token = get_token(client)["access_token"]
    for login in ("tech-fournisseur", "tech-etat"):
        response = CproClient(client, token, login, "sandbox").get("transverses/v1/health-check")
        assert response.status_code == 200, login
    assert TechnicalAccount.objects.count() == 2


def test_admin_lists_technical_accounts(admin_client, supplier_account):
    response = admin_client.get("/admin/api/technicalaccount/")
    assert "tech-fournisseur" in response.text


def test_a_checked_password_is_remembered_until_it_changes(supplier_account, monkeypatch):
    from api import models

    calls = []
    real = models.check_password
    monkeypatch.setattr(models, "check_password", lambda *a: calls.append(1) or real(*a))

    assert supplier_account.check_password("sandbox")
    assert supplier_account.check_password("sandbox")
    assert len(calls) == 1  # the second call did not hash again
    assert not supplier_account.check_password("faux")
    supplier_account.set_password("nouveau-secret")
    assert not supplier_account.check_password("sandbox")  # the old one is forgotten at once
    assert supplier_account.check_password("nouveau-secret")


def test_the_rate_limit_fails_open_when_the_cache_is_down(api, monkeypatch):
    from django.core.cache import cache
    from redis.exceptions import ConnectionError as RedisConnectionError

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis injoignable")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert api.get("transverses/v1/health-check").status_code == 200


def test_bearer_token_lookup_joins_the_application_only(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert api.get("transverses/v1/health-check").status_code == 200
    lookups = [q["sql"] for q in queries if 'FROM "oauth2_provider_accesstoken"' in q["sql"]]
    assert len(lookups) == 1
    assert "oauth2_provider_application" in lookups[0]
    assert "accounts_user" not in lookups[0]


def test_an_expired_bearer_token_is_401(api):
    from oauth2_provider.models import AccessToken

    AccessToken.objects.update(expires=timezone.now() - datetime.timedelta(seconds=1))
    assert api.get("transverses/v1/health-check").status_code == 401
