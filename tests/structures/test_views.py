import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from structures.choices import IdentifierType, MembershipRole, MembershipStatus
from structures.models import Membership, Structure
from tests.factories import (
    CompanyRecordFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _reload(membership: Membership) -> Membership:
    return Membership.objects.get(pk=membership.pk)


@pytest.fixture
def owner():
    """The principal manager of a supplier structure."""
    return MembershipFactory(principal=True)


@pytest.fixture
def member(owner):
    return MembershipFactory(structure=owner.structure)


@pytest.fixture
def outsider(owner):
    """Principal of ANOTHER structure: has rights, but not on owner's structure."""
    return MembershipFactory(principal=True)


@pytest.fixture
def pending(owner):
    return MembershipFactory(structure=owner.structure, pending=True)


def _client(client, membership_or_user):
    user = getattr(membership_or_user, "user", membership_or_user)
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- login required --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mine", "create", "request", "lookup"])
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(f"structures:{name}"))
    assert response.status_code == 302
    assert "/compte/login/" in response["Location"] or "login" in response["Location"]


# --- Mon espace ------------------------------------------------------------------------------


def test_mine_lists_structures_roles_requests_and_pending_count(client, owner, pending):
    refused = MembershipFactory(user=owner.user, status=MembershipStatus.REFUSEE)
    awaiting = MembershipFactory(user=owner.user, pending=True)

    response = _client(client, owner).get(reverse("structures:mine"))

    content = response.content.decode()
    assert response.status_code == 200
    assert owner.structure.name in content
    assert "Gestionnaire principal" in content
    assert "1 demande à traiter" in content
    assert refused.structure.name in content
    assert "Refusée" in content
    assert awaiting.structure.name in content
    assert "En cours de validation" in content
    assert "Créer une structure" in content
    assert "Demander un rattachement" in content


def test_mine_runs_a_fixed_number_of_queries(client, owner):
    _client(client, owner)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("structures:mine"))
    for _ in range(5):
        m = MembershipFactory(user=owner.user, principal=True)
        MembershipFactory(structure=m.structure, pending=True)
        MembershipFactory(user=owner.user, pending=True)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("structures:mine"))
    assert response.status_code == 200
    assert response.content.decode().count("1 demande à traiter") == 5
    assert len(many) == len(few)


# --- create ----------------------------------------------------------------------------------


def test_create_page_has_the_form(client):
    response = _client(client, UserFactory()).get(reverse("structures:create"))
    content = response.content.decode()
    assert "Rechercher dans le répertoire" in content
    assert "Créer la structure" in content
    assert f'hx-get="{reverse("structures:lookup")}"' in content


def test_search_button_prefills_from_register(client):
    record = CompanyRecordFactory(name="Menuiserie Martin", city="LYON", postal_code="69001")

    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": record.siret, "rechercher": "1"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'value="Menuiserie Martin"' in content
    assert 'value="LYON"' in content
    assert "Petite ou moyenne entreprise" in content
    assert "1er janvier 2019" in content  # PME e-invoicing obligation date
    assert not Structure.objects.exists()


def test_search_button_warns_when_structure_exists(client, owner):
    CompanyRecordFactory(siret=owner.structure.identifier)

    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": owner.structure.identifier, "rechercher": "1"},
    )

    content = response.content.decode()
    assert "existe déjà" in content
    assert "Demander mon rattachement à la structure existante" in content


def test_create_structure_redirects_to_detail(client):
    record = CompanyRecordFactory()
    user = UserFactory()

    response = _client(client, user).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": record.siret, "creer": "1"},
    )

    structure = Structure.objects.get(identifier=record.siret)
    assert response.status_code == 302
    assert response["Location"] == reverse("structures:detail", args=[structure.pk])
    assert Membership.objects.get(structure=structure, user=user).is_principal


def test_create_with_invalid_siret_key_keeps_typed_values(client):
    record = CompanyRecordFactory.build()
    bad = record.siret[:-1] + str((int(record.siret[-1]) + 1) % 10)

    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": bad, "name": "Ma Société", "creer": "1"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "clé de contrôle" in content
    assert f'value="{bad}"' in content
    assert 'value="Ma Société"' in content
    assert 'aria-invalid="true"' in content
    assert not Structure.objects.exists()


def test_create_with_siret_unknown_to_register(client):
    record = CompanyRecordFactory.build()
    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": record.siret, "creer": "1"},
    )
    content = response.content.decode()
    assert "SIRET inconnu du répertoire des entreprises" in content
    assert f'value="{record.siret}"' in content


def test_create_duplicate_structure_offers_attachment(client, owner):
    CompanyRecordFactory(siret=owner.structure.identifier)
    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": owner.structure.identifier, "creer": "1"},
    )
    content = response.content.decode()
    assert "existe déjà" in content
    assert reverse("structures:request") in content
    assert Structure.objects.count() == 1


def test_create_with_bad_vat_keeps_values(client):
    record = CompanyRecordFactory()
    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {
            "identifier_type": "SIRET",
            "identifier": record.siret,
            "vat_number": "FR123",
            "creer": "1",
        },
    )
    content = response.content.decode()
    assert "N° de TVA intracommunautaire : " in content
    assert 'value="FR123"' in content


def test_lookup_partial_returns_register_entry_and_prefilled_fields(client):
    record = CompanyRecordFactory(name="Atelier Blanc")
    response = _client(client, UserFactory()).get(
        reverse("structures:lookup"), {"identifier_type": "SIRET", "identifier": record.siret}
    )
    content = response.content.decode()
    assert "<html" not in content
    assert 'id="fiche-repertoire"' in content
    assert 'hx-swap-oob="true"' in content
    assert 'value="Atelier Blanc"' in content


def test_lookup_partial_explains_unknown_siret(client):
    response = _client(client, UserFactory()).get(
        reverse("structures:lookup"), {"identifier_type": "SIRET", "identifier": "123"}
    )
    content = response.content.decode()
    assert "14 chiffres" in content
    assert "hx-swap-oob" not in content


# --- attachment request ----------------------------------------------------------------------


def test_request_search_shows_structure_and_confirm_button(client, owner):
    response = _client(client, UserFactory()).get(
        reverse("structures:request"),
        {"identifier_type": "SIRET", "identifier": owner.structure.identifier},
    )
    content = response.content.decode()
    assert owner.structure.name in content
    assert "Confirmer la demande de rattachement" in content


def test_request_confirm_creates_pending_request_and_mails_principal(
    client, owner, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, user).post(
            reverse("structures:request"),
            {
                "identifier_type": "SIRET",
                "identifier": owner.structure.identifier,
                "structure": owner.structure.pk,
                "comment": "Service comptable",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("structures:mine")
    membership = Membership.objects.get(user=user, structure=owner.structure)
    assert membership.status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert mail.outbox[0].to == [owner.user.notification_email]


def test_request_to_public_structure_explains_the_mistake(client):
    public = StructureFactory(public=True, name="Préfecture du Test")
    response = _client(client, UserFactory()).get(
        reverse("structures:request"),
        {"identifier_type": "SIRET", "identifier": public.identifier},
    )
    content = response.content.decode()
    assert "structure publique" in content
    assert "Confirmer la demande de rattachement" not in content


def test_request_post_to_public_structure_is_refused(client):
    public = StructureFactory(public=True)
    response = _client(client, UserFactory()).post(
        reverse("structures:request"),
        {"identifier_type": "SIRET", "identifier": public.identifier, "structure": public.pk},
    )
    assert response.status_code == 200
    assert "structure publique" in response.content.decode()
    assert not Membership.objects.filter(structure=public).exists()


def test_request_already_pending_says_so_and_keeps_comment(client, pending):
    response = _client(client, pending).post(
        reverse("structures:request"),
        {
            "identifier_type": "SIRET",
            "identifier": pending.structure.identifier,
            "structure": pending.structure.pk,
            "comment": "Relance",
        },
    )
    content = response.content.decode()
    assert "déjà une demande de rattachement" in content
    assert "Relance" in content


def test_request_invalid_siret_shows_error(client):
    response = _client(client, UserFactory()).get(
        reverse("structures:request"), {"identifier_type": "SIRET", "identifier": "12345678901234"}
    )
    content = response.content.decode()
    assert "clé de contrôle" in content
    assert 'value="12345678901234"' in content


def test_request_unknown_structure_offers_creation(client):
    record = CompanyRecordFactory()
    response = _client(client, UserFactory()).get(
        reverse("structures:request"), {"identifier_type": "SIRET", "identifier": record.siret}
    )
    content = response.content.decode()
    assert "Aucune structure" in content
    assert reverse("structures:create") in content


# --- detail ----------------------------------------------------------------------------------


def test_detail_for_owner_shows_management(client, owner, member, pending):
    owner.structure.vat_number = "FR40303265045"
    owner.structure.save()
    response = _client(client, owner).get(reverse("structures:detail", args=[owner.structure.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert owner.structure.siren in content
    assert "FR40303265045" in content
    assert "1er janvier 2019" in content
    assert member.user.email in content
    assert pending.user.email in content
    assert "Accepter la sélection" in content
    assert "Transférer le rôle" in content
    assert "Envoyer l'invitation" in content
    assert "Historique" in content


def test_detail_for_member_hides_management(client, owner, member, pending):
    response = _client(client, member).get(reverse("structures:detail", args=[owner.structure.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert owner.user.email in content
    assert pending.user.email not in content
    assert "Accepter la sélection" not in content
    assert "Quitter cette structure" in content


def test_detail_for_outsider_is_404(client, owner, outsider):
    response = _client(client, outsider).get(
        reverse("structures:detail", args=[owner.structure.pk])
    )
    assert response.status_code == 404


def test_detail_for_pending_requester_is_404(client, pending):
    response = _client(client, pending).get(
        reverse("structures:detail", args=[pending.structure.pk])
    )
    assert response.status_code == 404


# --- manager actions: owner / member / outsider ----------------------------------------------


def _manager_posts(owner, pending, member):
    pk = owner.structure.pk
    return [
        (reverse("structures:approve", args=[pk]), {"membership": pending.pk}),
        (reverse("structures:refuse", args=[pk]), {"membership": pending.pk}),
        (reverse("structures:detach", args=[pk, member.pk]), {}),
        (reverse("structures:transfer", args=[pk]), {"to_user": member.user_id}),
        (reverse("structures:add_member", args=[pk]), {"email": "x@example.test"}),
    ]


def test_manager_actions_are_404_for_outsider(client, owner, member, pending, outsider):
    _client(client, outsider)
    for url, data in _manager_posts(owner, pending, member):
        assert client.post(url, data).status_code == 404, url
    assert _reload(pending).status == MembershipStatus.EN_COURS_DE_VALIDATION


def test_manager_actions_are_refused_for_simple_member(client, owner, member, pending):
    _client(client, member)
    for url, data in _manager_posts(owner, pending, member):
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "Seul le gestionnaire principal" in response.content.decode()
    assert _reload(pending).status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert _reload(owner).is_principal


def test_manager_actions_are_post_only(client, owner, member, pending):
    _client(client, owner)
    for url, _data in _manager_posts(owner, pending, member):
        assert client.get(url).status_code == 405, url
    assert client.get(reverse("structures:leave", args=[owner.structure.pk])).status_code == 405


def test_owner_approves_one_request_and_user_is_emailed(
    client, owner, pending, django_capture_on_commit_callbacks
):
    other = MembershipFactory(structure=owner.structure, pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(client, owner).post(
            reverse("structures:approve", args=[owner.structure.pk]),
            {"membership": pending.pk, "selection": [other.pk]},
            follow=True,
        )
    assert "Rattachement validé (1)" in response.content.decode()
    assert _reload(pending).status == MembershipStatus.VALIDEE
    assert _reload(other).status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert [e.to for e in mail.outbox] == [[pending.user.email]]


def test_owner_bulk_refuses_with_comment(
    client, owner, pending, django_capture_on_commit_callbacks
):
    other = MembershipFactory(structure=owner.structure, pending=True)
    with django_capture_on_commit_callbacks(execute=True):
        _client(client, owner).post(
            reverse("structures:refuse", args=[owner.structure.pk]),
            {"selection": [pending.pk, other.pk], "comment": "Hors périmètre"},
        )
    assert _reload(pending).status == MembershipStatus.REFUSEE
    assert _reload(other).comment == "Hors périmètre"
    assert len(mail.outbox) == 2
    assert all("Hors périmètre" in e.body for e in mail.outbox)


def test_owner_approve_without_selection_gets_message(client, owner, pending):
    response = _client(client, owner).post(
        reverse("structures:approve", args=[owner.structure.pk]), {}, follow=True
    )
    assert "cochez au moins une demande" in response.content.decode()


def test_owner_cannot_approve_request_of_another_structure(client, owner):
    foreign = MembershipFactory(pending=True)
    response = _client(client, owner).post(
        reverse("structures:approve", args=[owner.structure.pk]),
        {"membership": foreign.pk},
        follow=True,
    )
    assert "appartient pas à cette structure" in response.content.decode()
    assert _reload(foreign).status == MembershipStatus.EN_COURS_DE_VALIDATION


def test_owner_detaches_member(client, owner, member):
    _client(client, owner).post(reverse("structures:detach", args=[owner.structure.pk, member.pk]))
    assert _reload(member).status == MembershipStatus.DESACTIVEE


def test_owner_cannot_detach_himself(client, owner):
    response = _client(client, owner).post(
        reverse("structures:detach", args=[owner.structure.pk, owner.pk]), follow=True
    )
    assert "transférez d&#x27;abord" in response.content.decode()
    assert _reload(owner).is_principal


def test_detach_membership_of_other_structure_is_404(client, owner, outsider):
    response = _client(client, owner).post(
        reverse("structures:detach", args=[owner.structure.pk, outsider.pk])
    )
    assert response.status_code == 404


def test_owner_transfers_principal_role(client, owner, member):
    _client(client, owner).post(
        reverse("structures:transfer", args=[owner.structure.pk]), {"to_user": member.user_id}
    )
    assert _reload(member).is_principal
    assert _reload(owner).role == MembershipRole.UTILISATEUR


def test_transfer_to_non_member_is_a_form_error(client, owner, member):
    stranger = UserFactory()
    response = _client(client, owner).post(
        reverse("structures:transfer", args=[owner.structure.pk]), {"to_user": stranger.pk}
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert _reload(owner).is_principal


def test_owner_invites_user_by_email_who_accepts_on_the_invitations_page(client, owner):
    agent = UserFactory(email="agent@example.test")
    response = _client(client, owner).post(
        reverse("structures:add_member", args=[owner.structure.pk]),
        {"email": "agent@example.test"},
        follow=True,
    )
    assert "Invitation envoyée à agent@example.test" in response.content.decode()
    membership = Membership.objects.get(user=agent, structure=owner.structure)
    assert membership.status == "EN_COURS_DE_VALIDATION"

    client.force_login(agent)
    assert client.get(reverse("structures:detail", args=[owner.structure.pk])).status_code == 404
    assert (
        "Invitations à rejoindre une structure"
        in client.get(reverse("structures:mine")).content.decode()
    )
    page = client.get(reverse("structures:invitations")).content.decode()
    assert owner.structure.name in page
    assert reverse("structures:invitation_accept", args=[membership.pk]) in page
    response = client.post(reverse("structures:invitation_accept", args=[membership.pk]))
    assert response.status_code == 302
    assert _reload(membership).status == "VALIDEE"
    assert client.get(reverse("structures:detail", args=[owner.structure.pk])).status_code == 200


def test_invitation_answer_by_someone_else_is_404_and_decline_works(client, owner):
    agent = UserFactory()
    _client(client, owner).post(
        reverse("structures:add_member", args=[owner.structure.pk]), {"email": agent.email}
    )
    membership = Membership.objects.get(user=agent, structure=owner.structure)
    # The manager's own approve button cannot validate an invitation either.
    _client(client, owner).post(
        reverse("structures:approve", args=[owner.structure.pk]), {"membership": membership.pk}
    )
    assert _reload(membership).status == "EN_COURS_DE_VALIDATION"
    intruder = UserFactory()
    client.force_login(intruder)
    assert (
        client.post(reverse("structures:invitation_accept", args=[membership.pk])).status_code
        == 404
    )
    client.force_login(agent)
    client.post(reverse("structures:invitation_decline", args=[membership.pk]))
    assert _reload(membership).status == "REFUSEE"


def test_add_unknown_email_keeps_typed_value(client, owner):
    response = _client(client, owner).post(
        reverse("structures:add_member", args=[owner.structure.pk]),
        {"email": "inconnu@example.test"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "aucun compte utilisateur actif" in content
    assert 'value="inconnu@example.test"' in content


def test_member_leaves_structure(client, owner, member):
    response = _client(client, member).post(reverse("structures:leave", args=[owner.structure.pk]))
    assert response.status_code == 302
    assert _reload(member).status == MembershipStatus.DESACTIVEE


def test_leave_is_404_for_outsider(client, owner, outsider):
    response = _client(client, outsider).post(
        reverse("structures:leave", args=[owner.structure.pk])
    )
    assert response.status_code == 404


# --- the journey -----------------------------------------------------------------------------


def test_journey_create_request_approve_then_member_sees_structure(
    client, django_capture_on_commit_callbacks
):
    record = CompanyRecordFactory(name="Journey SARL")
    first, second = UserFactory(), UserFactory()

    client.force_login(first)
    client.post(
        reverse("structures:create"),
        {"identifier_type": IdentifierType.SIRET, "identifier": record.siret, "creer": "1"},
    )
    structure = Structure.objects.get(identifier=record.siret)

    client.force_login(second)
    client.post(
        reverse("structures:request"),
        {"identifier_type": "SIRET", "identifier": record.siret, "structure": structure.pk},
    )
    request = Membership.objects.get(user=second)

    client.force_login(first)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("structures:approve", args=[structure.pk]), {"selection": [request.pk]})
    assert mail.outbox[-1].to == [second.email]

    client.force_login(second)
    response = client.get(reverse("structures:mine"))
    assert "Journey SARL" in response.content.decode()
    assert client.get(reverse("structures:detail", args=[structure.pk])).status_code == 200


def test_transfer_list_offers_people_not_technical_api_accounts(client, owner, member):
    from api.services import technical_account_create

    account = technical_account_create(
        structure=owner.structure, login="tech-erp", password="secret-123"
    )
    client.force_login(owner.user)
    html = client.get(reverse("structures:detail", args=[owner.structure.pk])).content.decode()
    assert f'<option value="{member.user_id}"' in html
    assert f'<option value="{account.user_id}"' not in html


def test_search_with_the_states_siret_says_why_not_without_raw_url(client):
    """Issue 18 minor: the State is a recipient — never « request attachment » to it."""
    state = StructureFactory(public=True, name="État — services de l'État")
    CompanyRecordFactory(siret=state.identifier)
    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": state.identifier, "rechercher": "1"},
    )
    content = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    assert "est une structure publique" in content
    assert "Demander mon rattachement à la structure existante" not in content
    assert "?identifier_type=" not in content


def test_search_of_a_closed_establishment_warns_at_once(client):
    record = CompanyRecordFactory(is_active=False)
    response = _client(client, UserFactory()).post(
        reverse("structures:create"),
        {"identifier_type": "SIRET", "identifier": record.siret, "rechercher": "1"},
    )
    assert "est fermé" in response.content.decode()
