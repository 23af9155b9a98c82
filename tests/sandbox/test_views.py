"""Portal pages: who may move the clock, reset, and set a robot; bad input re-rendered in French."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from chorus import clock
from invoices.choices import InvoiceStatus
from sandbox.models import RobotScenario, Sandbox
from sandbox.selectors import SANDBOX_ADMIN_GROUP
from sandbox.services import RuleData, robot_scenario_set
from tests.factories import StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_admin():
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=SANDBOX_ADMIN_GROUP)[0])
    return user


def test_anonymous_is_sent_to_login(client):
    response = client.get("/bac-a-sable/")
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"]


def test_page_shows_the_simulated_date_to_any_user_without_clock_controls(client):
    client.force_login(UserFactory())
    response = client.get("/bac-a-sable/")
    assert response.status_code == 200
    assert "Avancer l'horloge" not in response.content.decode()
    assert client.post("/bac-a-sable/horloge/avancer/", {"days": 3, "hours": 0}).status_code == 404
    assert not Sandbox.objects.filter(offset_seconds__gt=0).exists()


def test_sandbox_admin_advances_the_clock(client, sandbox_admin):
    client.force_login(sandbox_admin)
    response = client.post("/bac-a-sable/horloge/avancer/", {"days": 40, "hours": 0}, follow=True)
    assert "Horloge avancée" in response.content.decode()
    assert clock.today() == timezone.localdate() + datetime.timedelta(days=40)


def test_bad_advance_is_re_rendered_with_the_error(client, sandbox_admin):
    client.force_login(sandbox_admin)
    response = client.post("/bac-a-sable/horloge/avancer/", {"days": "x", "hours": 0})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert 'value="x"' in html


def test_zero_advance_is_refused_with_a_french_message(client, sandbox_admin):
    client.force_login(sandbox_admin)
    response = client.post("/bac-a-sable/horloge/avancer/", {"days": 0, "hours": 0})
    assert response.status_code == 400
    assert "nombre de jours ou d&#x27;heures positif" in response.content.decode()


def test_freeze_then_reset_in_the_portal(client, sandbox_admin):
    client.force_login(sandbox_admin)
    client.post("/bac-a-sable/horloge/figer/", {"frozen": "1"})
    assert Sandbox.objects.get(is_default=True).frozen_at is not None
    client.post("/bac-a-sable/horloge/reinitialiser/")
    assert Sandbox.objects.get(is_default=True).frozen_at is None


def test_reset_needs_a_superuser_and_the_confirmation(client, sandbox_admin, received):
    invoice = received()
    client.force_login(sandbox_admin)
    response = client.post("/bac-a-sable/reinitialiser/", {"confirm": "REINITIALISER"}, follow=True)
    assert "superutilisateurs" in response.content.decode()
    client.force_login(UserFactory(is_superuser=True))
    response = client.post("/bac-a-sable/reinitialiser/", {"confirm": "oui"}, follow=True)
    assert "saisissez REINITIALISER" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION


def test_get_does_not_mutate(client, sandbox_admin):
    client.force_login(sandbox_admin)
    assert client.get("/bac-a-sable/horloge/avancer/").status_code == 405


def test_sandbox_admin_sets_the_scenario(client, sandbox_admin, recipient):
    client.force_login(sandbox_admin)
    url = f"/bac-a-sable/robots/{recipient.pk}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Paie vite",
            "is_active": "on",
            "rule_1_kind": "SERVICE_DONE_AFTER",
            "rule_1_days": "1",
            "rule_2_kind": "PAY_AFTER",
            "rule_2_days": "3",
            "rule_3_kind": "",
        },
    )
    assert response.status_code == 302
    scenario = RobotScenario.objects.get(structure=recipient)
    assert [(r.kind, r.days) for r in scenario.rules.all()] == [
        ("SERVICE_DONE_AFTER", 1),
        ("PAY_AFTER", 3),
    ]


def test_missing_days_are_reported_and_input_kept(client, sandbox_admin, recipient):
    client.force_login(sandbox_admin)
    response = client.post(
        f"/bac-a-sable/robots/{recipient.pk}/",
        {"name": "Incomplet", "is_active": "on", "rule_1_kind": "PAY_AFTER"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "nombre de jours obligatoire" in html
    assert 'value="Incomplet"' in html
    assert not RobotScenario.objects.exists()


def test_other_users_get_a_404_unless_the_robot_is_open(client, recipient):
    client.force_login(UserFactory())
    url = f"/bac-a-sable/robots/{recipient.pk}/"
    assert client.get(url).status_code == 404
    robot_scenario_set(
        structure=recipient, name="Démo", rules=[RuleData("NEVER_ANSWER")], open_to_all=True
    )
    assert client.get(url).status_code == 200
    assert "Démo" in client.get("/bac-a-sable/").content.decode()


def test_private_structure_has_no_robot_page(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(f"/bac-a-sable/robots/{StructureFactory().pk}/").status_code == 404


def test_pages_hidden_outside_sandbox_mode(client, settings):
    settings.CHORUS_SANDBOX = False
    client.force_login(UserFactory(is_superuser=True))
    assert client.get("/bac-a-sable/").status_code == 404
