"""`/sandbox/api/v1/...`: clock and robots by API (PISTE authentication), fresh sandboxes."""

import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from invoices.choices import InvoiceStatus
from sandbox.models import Sandbox
from structures.models import Structure
from tests.api.conftest import cpro_account
from tests.factories import UserFactory
from tests.sandbox.conftest import SandboxApi

pytestmark = pytest.mark.django_db


def test_clock_endpoints_need_piste_authentication(client):
    assert client.get("/sandbox/api/v1/horloge").status_code == 401
    response = client.post(
        "/sandbox/api/v1/horloge/avancer", data="{}", content_type="application/json"
    )
    assert response.status_code == 401


def test_read_advance_freeze_reset_the_clock(isolated):
    api = isolated["api"]
    body = api.get("horloge").json()
    assert body["codeRetour"] == 0
    assert body["horloge"]["figee"] is False
    advanced = api.post("horloge/avancer", {"jours": 2, "heures": 12}).json()
    assert advanced["horloge"]["decalageSecondes"] == 2 * 86400 + 12 * 3600
    frozen = api.post("horloge/figer", {"figer": True}).json()
    assert frozen["horloge"]["figee"] is True
    reset = api.post("horloge/reinitialiser").json()
    assert reset["horloge"] == reset["horloge"] | {"figee": False, "decalageSecondes": 0}


def test_bad_advance_answers_a_business_error(isolated):
    response = isolated["api"].post("horloge/avancer", {"jours": "demain"})
    assert response.status_code == 400
    assert "entiers" in response.json()["libelle"]


def test_advancing_the_clock_pays_an_invoice_via_a_robot(isolated, settings):
    from tests.invoices.factories import make_invoice

    api = isolated["api"]
    recipient = Structure.objects.get(pk=isolated["destinataire"]["idStructure"])
    supplier = Structure.objects.get(pk=isolated["fournisseur"]["idStructure"])
    body = {"nom": "Paie à 30 jours", "regles": [{"type": "PAY_AFTER", "jours": 30}]}
    robot = api.post(f"robots/{recipient.pk}", body)
    assert robot.status_code == 200, robot.content
    assert robot.json()["scenario"]["regles"][0]["jours"] == 30
    assert api.get(f"robots/{recipient.pk}").json()["scenario"]["nom"] == "Paie à 30 jours"
    invoice = make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier,
        recipient=recipient,
        recipient_siret=recipient.siret,
        service=recipient.services.get(code="SERVICE_CI"),
        service_code="SERVICE_CI",
        made_available_at=timezone.now(),
    )
    assert api.post("horloge/avancer", {"jours": 29}).json()["actionsRobots"] == 0
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert api.post("horloge/avancer", {"jours": 1}).json()["actionsRobots"] == 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_EN_PAIEMENT


def test_robot_endpoint_rejects_bad_rules(isolated):
    api, recipient_id = isolated["api"], isolated["destinataire"]["idStructure"]
    response = api.post(f"robots/{recipient_id}", {"nom": "Y", "regles": [{"type": "VOLER"}]})
    assert response.status_code == 400
    assert "VOLER" in response.json()["libelle"]
    response = api.post(f"robots/{recipient_id}", {"nom": "Y", "regles": "PAY_AFTER"})
    assert response.status_code == 400


def _bootstrap(client, **headers):
    return client.post(
        "/sandbox/api/v1/sandboxes", data="{}", content_type="application/json", headers=headers
    )


def test_create_sandbox_needs_the_bootstrap_secret(client, settings):
    settings.CHORUS_SANDBOX_BOOTSTRAP_SECRET = "s3cret"
    assert _bootstrap(client).status_code == 403
    wrong = _bootstrap(client, **{"X-Sandbox-Secret": "nope"})
    assert wrong.status_code == 403
    assert not Sandbox.objects.filter(is_default=False).exists()


def test_create_sandbox_refused_when_no_secret_is_configured(client):
    response = _bootstrap(client, **{"X-Sandbox-Secret": ""})
    assert response.status_code == 403


def test_fresh_sandbox_credentials_work_against_health_check(client, settings):
    settings.CHORUS_SANDBOX_BOOTSTRAP_SECRET = "s3cret"
    response = client.post(
        "/sandbox/api/v1/sandboxes",
        data=json.dumps({"nom": "CI 42"}),
        content_type="application/json",
        headers={"X-Sandbox-Secret": "s3cret"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    token = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": created["oauth"]["clientId"],
            "client_secret": created["oauth"]["clientSecret"],
            "scope": "openid",
        },
    ).json()["access_token"]
    for role in ("fournisseur", "destinataire"):
        account = created[role]["compteTechnique"]
        health = client.get(
            "/cpro/transverses/v1/health-check",
            headers={
                "Authorization": f"Bearer {token}",
                "cpro-account": cpro_account(account["login"], account["motDePasse"]),
            },
        )
        assert health.status_code == 200, (role, health.content)
    # The isolated sandbox's clock moves alone.
    supplier_account = created["fournisseur"]["compteTechnique"]
    api = SandboxApi(client, token, supplier_account["login"], supplier_account["motDePasse"])
    moved = api.post("horloge/avancer", {"jours": 3}).json()
    assert moved["horloge"]["bacASable"] == created["bacASable"]["identifiant"]
    assert Sandbox.objects.filter(is_default=True, offset_seconds__gt=0).count() == 0


def test_superuser_session_may_create_a_sandbox(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = _bootstrap(client)
    assert response.status_code == 201
    assert response.json()["destinataire"]["codeService"] == "SERVICE_CI"


def test_sandbox_create_command_prints_the_credentials_as_json(capsys):
    call_command("sandbox_create", "--nom", "CI commande")
    created = json.loads(capsys.readouterr().out)
    assert created["bacASable"]["nom"] == "CI commande"
    assert len(created["fournisseur"]["siret"]) == 14
    assert Sandbox.objects.get(slug=created["bacASable"]["identifiant"]).structures.count() == 2
