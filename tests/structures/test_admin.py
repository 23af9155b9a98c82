import pytest
from django.urls import reverse

from structures import services
from tests.factories import (
    CompanyRecordFactory,
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "model",
    ["companyrecord", "structure", "membership", "structurelog", "service", "engagementjuridique"],
)
def test_admin_changelists_load_and_search(admin_client, model):
    membership = MembershipFactory(principal=True)
    CompanyRecordFactory()
    ServiceFactory()
    EngagementJuridiqueFactory()
    services.structure_log(
        structure=membership.structure, action="chorus.test", message="Entrée de test"
    )
    url = reverse(f"admin:structures_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "a"}).status_code == 200


def test_admin_structure_page_has_inlines(admin_client):
    service = ServiceFactory(code="DSI")
    EngagementJuridiqueFactory(structure=service.structure, number="EJ-42")
    response = admin_client.get(
        reverse("admin:structures_structure_change", args=[service.structure.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "DSI" in content
    assert "EJ-42" in content


def test_admin_membership_status_is_read_only(admin_client):
    membership = MembershipFactory(pending=True)
    response = admin_client.get(reverse("admin:structures_membership_change", args=[membership.pk]))
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()


def test_admin_structure_log_cannot_be_added_or_changed(admin_client):
    assert admin_client.get(reverse("admin:structures_structurelog_add")).status_code == 403


def test_admin_sets_a_staff_members_access_and_services(admin_client):
    from structures.choices import AccessLevel
    from tests.factories import ServiceFactory, StructureFactory

    membership = MembershipFactory(structure=StructureFactory(public=True))
    service = ServiceFactory(structure=membership.structure)
    url = reverse("admin:structures_membership_change", args=[membership.pk])
    page = admin_client.get(url)
    assert 'name="access_level"' in page.text
    assert 'name="services"' in page.text

    admin_client.post(
        url,
        {
            "user": membership.user.pk,
            "structure": membership.structure.pk,
            "role": membership.role,
            "comment": "",
            "access_level": AccessLevel.CONSULTATION,
            "services": [service.pk],
        },
    )

    membership = type(membership).objects.get(pk=membership.pk)  # protected field: no refresh
    assert membership.access_level == AccessLevel.CONSULTATION
    assert list(membership.services.all()) == [service]
