""" "Raccordement EDI et API" (/raccordement/): the principal manager creates API applications
(secret shown once) and creates, resets and deactivates technical accounts; the credentials
work on the API; members get a 403, outsiders a 404."""

import pytest
from django.utils import timezone
from oauth2_provider.models import get_application_model

from api.models import TechnicalAccount
from api.services import technical_account_create
from tests.api.conftest import CproClient, get_token
from tests.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db
Application = get_application_model()


@pytest.fixture
def manager(client):
    membership = MembershipFactory(principal=True)
    client.force_login(membership.user)
    return membership


def url(structure, suffix=""):
    return f"/raccordement/{structure.pk}/{suffix}"


def test_index_lists_the_structures_i_manage(client, manager):
    response = client.get("/raccordement/")
    assert response.status_code == 200
    assert manager.structure.name in response.content.decode()


def test_created_application_shows_its_secret_once_and_gets_a_token(client, manager):
    response = client.post(url(manager.structure, "applications/"), {"name": "Mon ERP"})
    assert response.status_code == 200
    application = Application.objects.get(name="Mon ERP")
    secret = response.context["new_secret"]
    page = response.content.decode()
    assert application.client_id in page
    assert secret in page
    assert secret not in client.get(url(manager.structure)).content.decode()
    assert application.client_id in client.get(url(manager.structure)).content.decode()
    token = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": application.client_id,
            "client_secret": secret,
        },
    )
    assert token.status_code == 200
    client.post(url(manager.structure, f"applications/{application.pk}/revoquer/"))
    assert not Application.objects.filter(pk=application.pk).exists()


def test_blank_application_name_is_refused_next_to_the_field(client, manager):
    response = client.post(url(manager.structure, "applications/"), {"name": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Application.objects.exists()


def test_technical_account_is_created_reset_and_deactivated(client, manager, sandbox_app):
    response = client.post(url(manager.structure, "comptes-techniques/"), {"login": "tech-erp"})
    assert response.status_code == 200
    password = response.context["new_password"]
    account = TechnicalAccount.objects.get(login="tech-erp")
    assert account.structure == manager.structure
    assert account.check_password(password)
    page = response.content.decode()
    assert password in page
    # Shown on the Paris clock (the UTC date differs from 22:00 or 23:00 UTC to midnight).
    assert timezone.localtime(account.password_expires_at).strftime("%d/%m/%Y") in page

    reset = client.post(url(manager.structure, "comptes-techniques/"), {"login": "tech-erp"})
    new_password = reset.context["new_password"]
    assert new_password != password
    account.refresh_from_db()
    assert account.check_password(new_password)
    assert not account.check_password(password)

    api = CproClient(client, get_token(client)["access_token"], "tech-erp", new_password)
    assert api.post("transverses/v1/recuperer/tauxtva", {}).status_code == 200
    client.post(url(manager.structure, f"comptes-techniques/{account.pk}/desactiver/"))
    account.refresh_from_db()
    assert not account.is_active
    assert api.post("transverses/v1/recuperer/tauxtva", {}).status_code == 403


def test_login_of_another_structure_is_refused(client, manager):
    other = technical_account_create(structure=StructureFactory(), login="pris", password="sandbox")
    response = client.post(url(manager.structure, "comptes-techniques/"), {"login": "pris"})
    assert response.status_code == 400
    assert "déjà utilisé" in response.content.decode()
    other.refresh_from_db()
    assert other.structure != manager.structure
    assert other.check_password("sandbox")


def test_simple_member_gets_403_and_outsider_404(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    assert client.get(url(membership.structure)).status_code == 403
    assert (
        client.post(url(membership.structure, "comptes-techniques/"), {"login": "x"}).status_code
        == 403
    )
    stranger = StructureFactory()
    assert client.get(url(stranger)).status_code == 404
    assert client.post(url(stranger, "applications/"), {"name": "X"}).status_code == 404
    assert not TechnicalAccount.objects.exists()


def test_cannot_deactivate_another_structures_account(client, manager):
    other = technical_account_create(
        structure=StructureFactory(), login="autre", password="sandbox"
    )
    client.post(url(manager.structure, f"comptes-techniques/{other.pk}/desactiver/"))
    other.refresh_from_db()
    assert other.is_active
