"""Issue 14 #1: a tenant acts only on what it owns. Through the API a technical account moves the
clock and sets the robots of its own isolated sandbox only; the shared sandbox's clock and robots
are its administrators', in the portal; no clock locks technical accounts out for good."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from api.models import TechnicalAccount
from api.services import technical_account_create
from chorus import clock
from sandbox import services
from sandbox.models import RobotScenario, Sandbox
from sandbox.selectors import SANDBOX_ADMIN_GROUP
from sandbox.services import RuleData, robot_scenario_set
from tests.api.conftest import cpro_account, get_token
from tests.factories import StructureFactory, UserFactory
from tests.sandbox.conftest import SandboxApi, token_for

pytestmark = pytest.mark.django_db

HEALTH = "/cpro/transverses/v1/health-check"


def _close(a: datetime.datetime, b: datetime.datetime, seconds: int = 5) -> bool:
    return abs((a - b).total_seconds()) < seconds


def _health(client, token: str, login: str, password: str) -> int:
    headers = {"Authorization": f"Bearer {token}", "cpro-account": cpro_account(login, password)}
    return client.get(HEALTH, headers=headers).status_code


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("horloge/avancer", {"jours": 200}),
        ("horloge/figer", {"figer": True}),
        ("horloge/reinitialiser", {}),
    ],
)
def test_public_demo_account_cannot_move_the_shared_clock(sandbox_api, path, body):
    services.sandbox_default_ensure()
    response = sandbox_api.post(path, body)
    assert response.status_code == 403
    assert "bac à sable partagé" in response.json()["libelle"]
    assert "sandbox_create" in response.json()["libelle"]
    shared = Sandbox.objects.get(is_default=True)
    assert (shared.offset_seconds, shared.frozen_at) == (0, None)
    assert _close(clock.now(), timezone.now())
    # Reading the clock stays open to everybody.
    assert sandbox_api.get("horloge").json()["horloge"]["bacASable"] == "defaut"


def test_public_demo_account_cannot_reprogram_a_shared_demo_robot(sandbox_api, recipient):
    robot_scenario_set(
        structure=recipient, name="Démo", rules=[RuleData("NEVER_ANSWER")], open_to_all=True
    )
    body = {"nom": "Tout rejeter", "regles": [{"type": "REJECT_ABOVE", "montant": 0}]}
    response = sandbox_api.post(f"robots/{recipient.pk}", body)
    assert response.status_code == 403
    assert RobotScenario.objects.get(structure=recipient).name == "Démo"
    # The demo robot stays readable.
    assert sandbox_api.get(f"robots/{recipient.pk}").json()["scenario"]["nom"] == "Démo"


def test_a_public_structure_account_cannot_give_itself_a_robot_on_the_shared_sandbox(
    client, sandbox_app, recipient
):
    technical_account_create(structure=recipient, login="tech-mairie", password="sandbox")
    api = SandboxApi(client, token_for_demo(client), "tech-mairie", "sandbox")
    body = {"nom": "Rejette tout", "regles": [{"type": "REJECT_ABOVE", "montant": 0}]}
    assert api.post(f"robots/{recipient.pk}", body).status_code == 403
    assert not RobotScenario.objects.filter(structure=recipient).exists()


def token_for_demo(client) -> str:
    return get_token(client)["access_token"]


def test_an_isolated_sandbox_never_touches_another_one(client):
    a, b = services.sandbox_create(name="A"), services.sandbox_create(name="B")
    account = a["fournisseur"]["compteTechnique"]
    api_a = SandboxApi(client, token_for(client, a), account["login"], account["motDePasse"])
    assert api_a.post("horloge/avancer", {"jours": 30}).status_code == 200
    assert _close(
        clock.now(structure_id=b["fournisseur"]["idStructure"]), timezone.now()
    )  # B's clock did not move
    assert _close(clock.now(), timezone.now())  # nor the shared one
    body = {"nom": "Volé", "regles": [{"type": "NEVER_ANSWER"}]}
    refused = api_a.post(f"robots/{b['destinataire']['idStructure']}", body)
    assert refused.status_code == 400
    assert refused.json()["libelle"] == "Structure introuvable."
    assert RobotScenario.objects.get(structure_id=b["destinataire"]["idStructure"]).name == (
        "Parcours nominal"
    )
    assert api_a.get(f"robots/{b['destinataire']['idStructure']}").status_code == 400


def test_advancing_the_shared_clock_locks_no_technical_account_out(client, sandbox_app):
    """The attack of issue 14 #1, even done by an administrator: 200 days on the shared clock."""
    supplier = StructureFactory()
    technical_account_create(structure=supplier, login="tech-a", password="sandbox-a")
    services.clock_advance(days=200)
    assert _health(client, token_for_demo(client), "tech-a", "sandbox-a") == 200


def test_an_isolated_sandbox_that_expired_its_own_passwords_can_put_its_clock_back(client):
    created = services.sandbox_create(name="CI expiry")
    token = token_for(client, created)
    account = created["fournisseur"]["compteTechnique"]
    login, password = account["login"], account["motDePasse"]
    api = SandboxApi(client, token, login, password)
    assert api.post("horloge/avancer", {"jours": 400}).status_code == 200
    assert _health(client, token, login, password) == 403  # expired by its own clock
    # Nobody else needed: the account itself puts its clock back.
    assert api.post("horloge/reinitialiser").status_code == 200
    assert _health(client, token, login, password) == 200
    assert TechnicalAccount.objects.get(login=login).password_expired() is False


# Portal -------------------------------------------------------------------------------------
def _scenario_post(client, structure_id: int):
    return client.post(
        f"/bac-a-sable/robots/{structure_id}/",
        {
            "name": "Rejette tout",
            "is_active": "on",
            "rule_1_kind": "REJECT_ABOVE",
            "rule_1_amount": 0,
        },
    )


def test_any_user_sees_a_shared_demo_robot_but_cannot_reprogram_it(client, recipient):
    robot_scenario_set(
        structure=recipient, name="Démo", rules=[RuleData("NEVER_ANSWER")], open_to_all=True
    )
    client.force_login(UserFactory())  # like collaborateur@demo.chorus.test
    index = client.get("/bac-a-sable/").content.decode()
    assert "Voir le robot" in index
    assert "Régler le robot" not in index
    page = client.get(f"/bac-a-sable/robots/{recipient.pk}/")
    assert page.status_code == 200
    assert "Enregistrer le scénario" not in page.content.decode()
    response = _scenario_post(client, recipient.pk)
    assert response.status_code == 403
    assert "administrateurs du bac à sable" in response.content.decode()
    assert RobotScenario.objects.get(structure=recipient).name == "Démo"


def test_a_principal_on_the_shared_sandbox_sees_its_robot_but_cannot_change_it(
    client, principal, recipient
):
    robot_scenario_set(structure=recipient, name="Démo", rules=[RuleData("NEVER_ANSWER")])
    client.force_login(principal)
    assert client.get(f"/bac-a-sable/robots/{recipient.pk}/").status_code == 200
    assert _scenario_post(client, recipient.pk).status_code == 403
    assert RobotScenario.objects.get(structure=recipient).name == "Démo"


def test_sandbox_admin_sets_a_shared_robot(client, recipient):
    admin = UserFactory()
    admin.groups.add(Group.objects.get_or_create(name=SANDBOX_ADMIN_GROUP)[0])
    client.force_login(admin)
    assert _scenario_post(client, recipient.pk).status_code == 302
    assert RobotScenario.objects.get(structure=recipient).name == "Rejette tout"
