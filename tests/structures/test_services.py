import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Notification
from chorus.exceptions import ChorusError
from structures import services
from structures.choices import CompanyCategory, IdentifierType, MembershipRole, MembershipStatus
from structures.models import Membership, Structure, StructureLog
from tests.factories import (
    CompanyRecordFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _bad_key(siret: str) -> str:
    return siret[:-1] + str((int(siret[-1]) + 1) % 10)


def _reload(membership: Membership) -> Membership:
    """refresh_from_db() cannot set a protected FSM field: fetch a fresh instance."""
    return Membership.objects.get(pk=membership.pk)


def _create(user, **kwargs):
    kwargs.setdefault("identifier_type", IdentifierType.SIRET)
    return services.structure_create_private(user=user, **kwargs)


# --- structure_create_private ----------------------------------------------------------------


def test_create_from_siret_takes_register_data_and_makes_creator_principal():
    record = CompanyRecordFactory(name="Boulangerie Dupont", category=CompanyCategory.MICRO)
    user = UserFactory()

    structure = _create(user, identifier=record.siret)

    assert structure.name == "Boulangerie Dupont"
    assert structure.company_category == CompanyCategory.MICRO
    assert structure.kind == "PRIVEE"
    membership = Membership.objects.get(structure=structure)
    assert membership.user == user
    assert membership.role == MembershipRole.GESTIONNAIRE_PRINCIPAL
    assert membership.status == MembershipStatus.VALIDEE
    assert membership.is_principal
    log = StructureLog.objects.get(structure=structure)
    assert log.action == "chorus.structure.created"
    assert log.actor == user


def test_create_accepts_siret_typed_with_spaces():
    record = CompanyRecordFactory()
    spaced = f"{record.siret[:3]} {record.siret[3:6]} {record.siret[6:9]} {record.siret[9:]}"

    structure = _create(UserFactory(), identifier=spaced)

    assert structure.identifier == record.siret


def test_create_typed_values_win_over_register():
    record = CompanyRecordFactory(name="NOM INSEE")

    structure = _create(UserFactory(), identifier=record.siret, name="Nom d'usage")

    assert structure.name == "Nom d'usage"
    assert structure.city == record.city


def test_create_rejects_siret_with_wrong_key():
    record = CompanyRecordFactory()

    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier=_bad_key(record.siret))

    assert exc.value.field == "identifier"
    assert "clé de contrôle" in exc.value.message
    assert not Structure.objects.exists()


def test_create_rejects_siret_of_wrong_length():
    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier="1234")
    assert "14 chiffres" in exc.value.message


def test_create_rejects_siret_unknown_to_register():
    record = CompanyRecordFactory.build()  # valid key, not saved

    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier=record.siret)

    assert exc.value.field == "identifier"
    assert "SIRET inconnu du répertoire des entreprises" in exc.value.message


def test_create_rejects_closed_establishment():
    record = CompanyRecordFactory(is_active=False)

    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier=record.siret)

    assert "fermé" in exc.value.message
    assert "actif" in exc.value.message


def test_create_rejects_duplicate_and_points_to_attachment_request():
    record = CompanyRecordFactory()
    _create(UserFactory(), identifier=record.siret)

    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier=record.siret)

    assert exc.value.code == "structure_exists"
    assert "existe déjà" in exc.value.message
    assert "rattachement" in exc.value.message
    assert "/structures/rattachement/" in exc.value.message
    assert Structure.objects.count() == 1


def test_create_rejects_invalid_vat_number():
    record = CompanyRecordFactory()

    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier=record.siret, vat_number="FR00000000000")

    assert exc.value.field == "vat_number"
    assert "TVA" in exc.value.message


def test_create_keeps_valid_vat_number_compact():
    record = CompanyRecordFactory()

    structure = _create(UserFactory(), identifier=record.siret, vat_number="FR 40 303265045")

    assert structure.vat_number == "FR40303265045"


def test_create_foreign_eu_company_skips_register_and_checks_vat():
    structure = _create(
        UserFactory(),
        identifier_type=IdentifierType.UE_HORS_FRANCE,
        identifier="BE0411905847",
        name="Brussels Supplies",
    )
    assert structure.identifier == "BE0411905847"
    assert structure.country == "BE"

    with pytest.raises(ChorusError) as exc:
        _create(
            UserFactory(),
            identifier_type=IdentifierType.UE_HORS_FRANCE,
            identifier="BE0000000000",
            name="X",
        )
    assert exc.value.field == "identifier"


def test_create_non_eu_company_needs_a_name():
    with pytest.raises(ChorusError) as exc:
        _create(UserFactory(), identifier_type=IdentifierType.HORS_UE, identifier="US-123")
    assert exc.value.field == "name"

    structure = _create(
        UserFactory(), identifier_type=IdentifierType.HORS_UE, identifier="us-123", name="Acme"
    )
    assert structure.identifier == "US-123"


# --- membership_request ----------------------------------------------------------------------


def test_request_creates_pending_membership_and_mails_principal(
    django_capture_on_commit_callbacks,
):
    principal = MembershipFactory(principal=True, user__contact_email="chef@example.test")
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request(
            user=user, structure=principal.structure, comment="Je suis comptable"
        )

    assert membership.status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert membership.role == MembershipRole.UTILISATEUR
    assert membership.comment == "Je suis comptable"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chef@example.test"]
    assert user.email in mail.outbox[0].body
    assert StructureLog.objects.filter(action="chorus.structure.membership_requested").exists()


def test_request_to_public_structure_is_refused_with_explanation():
    structure = StructureFactory(public=True, name="Ministère des Tests")

    with pytest.raises(ChorusError) as exc:
        services.membership_request(user=UserFactory(), structure=structure)

    assert "structure publique" in exc.value.message
    assert "VOTRE entreprise" in exc.value.message
    assert not Membership.objects.exists()


def test_request_refused_when_already_member():
    membership = MembershipFactory()

    with pytest.raises(ChorusError) as exc:
        services.membership_request(user=membership.user, structure=membership.structure)

    assert "déjà rattaché" in exc.value.message


def test_request_refused_when_already_pending():
    membership = MembershipFactory(pending=True)

    with pytest.raises(ChorusError) as exc:
        services.membership_request(user=membership.user, structure=membership.structure)

    assert "en cours de validation" in exc.value.message


@pytest.mark.parametrize("status", [MembershipStatus.REFUSEE, MembershipStatus.DESACTIVEE])
def test_request_resubmits_refused_or_deactivated_membership(status):
    membership = MembershipFactory(status=status)

    result = services.membership_request(
        user=membership.user, structure=membership.structure, comment="Nouvelle demande"
    )

    assert result.pk == membership.pk
    assert result.status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert result.comment == "Nouvelle demande"


def test_request_refused_for_inactive_structure():
    structure = StructureFactory(is_active=False)
    with pytest.raises(ChorusError):
        services.membership_request(user=UserFactory(), structure=structure)


# --- approve / refuse ------------------------------------------------------------------------


def test_principal_approves_many_requests_and_each_user_gets_an_email(
    django_capture_on_commit_callbacks,
):
    principal = MembershipFactory(principal=True)
    structure = principal.structure
    pending = MembershipFactory.create_batch(2, structure=structure, pending=True)

    with django_capture_on_commit_callbacks(execute=True):
        done = services.membership_approve(
            structure=structure, by=principal.user, membership_ids=[m.pk for m in pending]
        )

    assert len(done) == 2
    for m in pending:
        m = _reload(m)
        assert m.status == MembershipStatus.VALIDEE
        assert m.decided_by == principal.user
        assert m.decided_at is not None
    assert sorted(e.to[0] for e in mail.outbox) == sorted(m.user.email for m in pending)
    assert all("validé" in e.subject for e in mail.outbox)
    assert StructureLog.objects.filter(action="chorus.structure.membership_approved").count() == 2


def test_emails_carry_absolute_links_to_the_structure(settings, django_capture_on_commit_callbacks):
    settings.CHORUS_SITE_URL = "https://chorus.example.test/"
    principal = MembershipFactory(principal=True)
    pending = MembershipFactory(structure=principal.structure, pending=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_approve(
            structure=principal.structure, by=principal.user, membership_ids=[pending.pk]
        )

    assert (
        f"https://chorus.example.test/structures/{principal.structure.pk}/" in mail.outbox[0].body
    )


def test_principal_refuses_with_comment_and_user_gets_an_email(
    django_capture_on_commit_callbacks,
):
    principal = MembershipFactory(principal=True)
    pending = MembershipFactory(structure=principal.structure, pending=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_refuse(
            structure=principal.structure,
            by=principal.user,
            membership_ids=[pending.pk],
            comment="Inconnu du service",
        )

    pending = _reload(pending)
    assert pending.status == MembershipStatus.REFUSEE
    assert pending.comment == "Inconnu du service"
    assert len(mail.outbox) == 1
    assert "refusé" in mail.outbox[0].subject
    assert "Inconnu du service" in mail.outbox[0].body


def test_simple_member_cannot_approve(django_capture_on_commit_callbacks):
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)
    pending = MembershipFactory(structure=principal.structure, pending=True)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ChorusError) as exc:
        services.membership_approve(
            structure=principal.structure, by=member.user, membership_ids=[pending.pk]
        )

    assert "seul le gestionnaire principal" in exc.value.message
    pending = _reload(pending)
    assert pending.status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert mail.outbox == []


def test_approve_rejects_request_of_another_structure():
    principal = MembershipFactory(principal=True)
    foreign = MembershipFactory(pending=True)

    with pytest.raises(ChorusError) as exc:
        services.membership_approve(
            structure=principal.structure, by=principal.user, membership_ids=[foreign.pk]
        )

    assert "n'appartient pas" in exc.value.message
    foreign = _reload(foreign)
    assert foreign.status == MembershipStatus.EN_COURS_DE_VALIDATION


def test_approve_rejects_already_decided_request():
    principal = MembershipFactory(principal=True)
    refused = MembershipFactory(structure=principal.structure, status=MembershipStatus.REFUSEE)

    with pytest.raises(ChorusError) as exc:
        services.membership_approve(
            structure=principal.structure, by=principal.user, membership_ids=[refused.pk]
        )

    assert "déjà été traitée" in exc.value.message


def test_approve_needs_a_selection():
    principal = MembershipFactory(principal=True)
    with pytest.raises(ChorusError) as exc:
        services.membership_refuse(
            structure=principal.structure, by=principal.user, membership_ids=[]
        )
    assert "cochez au moins une demande" in exc.value.message


# --- detach ----------------------------------------------------------------------------------


def test_principal_detaches_a_member(django_capture_on_commit_callbacks):
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)

    with django_capture_on_commit_callbacks(execute=True):
        services.membership_detach(membership=member, by=principal.user)

    member = _reload(member)
    assert member.status == MembershipStatus.DESACTIVEE
    assert len(mail.outbox) == 1
    assert StructureLog.objects.filter(action="chorus.structure.membership_detached").exists()


def test_principal_cannot_detach_himself():
    principal = MembershipFactory(principal=True)

    with pytest.raises(ChorusError) as exc:
        services.membership_detach(membership=principal, by=principal.user)

    assert "transférez d'abord" in exc.value.message
    principal = _reload(principal)
    assert principal.is_principal


def test_member_cannot_detach_another_member():
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)
    other = MembershipFactory(structure=principal.structure)

    with pytest.raises(ChorusError):
        services.membership_detach(membership=other, by=member.user)

    other = _reload(other)
    assert other.status == MembershipStatus.VALIDEE


def test_member_can_leave_by_himself():
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)

    services.membership_detach(membership=member, by=member.user)

    member = _reload(member)
    assert member.status == MembershipStatus.DESACTIVEE


# --- principal_transfer ----------------------------------------------------------------------


def test_transfer_promotes_member_and_demotes_previous_principal(
    django_capture_on_commit_callbacks,
):
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)

    with django_capture_on_commit_callbacks(execute=True):
        services.principal_transfer(
            structure=principal.structure, by=principal.user, to_user=member.user
        )

    principal = _reload(principal)
    member = _reload(member)
    assert member.is_principal
    assert principal.role == MembershipRole.UTILISATEUR
    assert principal.status == MembershipStatus.VALIDEE
    assert mail.outbox[0].to == [member.user.email]
    assert StructureLog.objects.filter(action="chorus.structure.principal_transferred").exists()


def test_transfer_requires_a_validated_member():
    principal = MembershipFactory(principal=True)
    pending = MembershipFactory(structure=principal.structure, pending=True)

    for target in (pending.user, UserFactory()):
        with pytest.raises(ChorusError) as exc:
            services.principal_transfer(
                structure=principal.structure, by=principal.user, to_user=target
            )
        assert exc.value.field == "to_user"
        assert "membre validé" in exc.value.message
    principal = _reload(principal)
    assert principal.is_principal


def test_transfer_only_by_principal():
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)

    with pytest.raises(ChorusError):
        services.principal_transfer(
            structure=principal.structure, by=member.user, to_user=member.user
        )


# --- membership_add_by_manager ---------------------------------------------------------------


def test_principal_invites_existing_user_who_must_accept(django_capture_on_commit_callbacks):
    """Issue 14 item 16: no one is attached to a structure without consenting."""
    principal = MembershipFactory(principal=True, structure__public=True)
    agent = UserFactory(email="agent@ministere.test")

    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_add_by_manager(
            structure=principal.structure, by=principal.user, email="AGENT@ministere.test"
        )

    assert membership.user == agent
    assert membership.status == MembershipStatus.EN_COURS_DE_VALIDATION
    assert membership.is_invitation
    assert membership.invited_by == principal.user
    assert not Membership.objects.filter(user=agent, status=MembershipStatus.VALIDEE).exists()
    assert mail.outbox[0].to == ["agent@ministere.test"]
    assert "vous invite" in mail.outbox[0].body
    notification = Notification.objects.get(user=agent)
    assert notification.url == reverse("structures:invitations")
    assert principal.structure.logs.filter(action="chorus.structure.member_invited").exists()

    with django_capture_on_commit_callbacks(execute=True):
        accepted = services.membership_invitation_accept(membership_id=membership.pk, by=agent)
    assert accepted.status == MembershipStatus.VALIDEE
    assert accepted.role == MembershipRole.UTILISATEUR
    assert principal.structure.logs.filter(action="chorus.structure.invitation_accepted").exists()
    assert Notification.objects.filter(user=principal.user, title__contains="acceptée").exists()


def test_invited_user_may_decline_and_the_manager_cannot_validate_for_them(
    django_capture_on_commit_callbacks,
):
    principal = MembershipFactory(principal=True)
    agent = UserFactory()
    membership = services.membership_add_by_manager(
        structure=principal.structure, by=principal.user, email=agent.email
    )
    with pytest.raises(ChorusError) as exc:
        services.membership_approve(
            structure=principal.structure, by=principal.user, membership_ids=[membership.pk]
        )
    assert exc.value.code == "invitation"
    with pytest.raises(ChorusError) as exc:  # someone else's invitation
        services.membership_invitation_accept(membership_id=membership.pk, by=principal.user)
    assert exc.value.code == "introuvable"
    assert _reload(membership).status == MembershipStatus.EN_COURS_DE_VALIDATION

    with django_capture_on_commit_callbacks(execute=True):
        declined = services.membership_invitation_decline(membership_id=membership.pk, by=agent)
    assert declined.status == MembershipStatus.REFUSEE
    assert principal.structure.logs.filter(action="chorus.structure.invitation_declined").exists()
    assert Notification.objects.filter(user=principal.user, title__contains="refusée").exists()
    with pytest.raises(ChorusError) as exc:
        services.membership_invitation_accept(membership_id=membership.pk, by=agent)
    assert exc.value.code == "already_decided"
    # Invited again later: a new invitation, still the user's to answer.
    again = services.membership_add_by_manager(
        structure=principal.structure, by=principal.user, email=agent.email
    )
    assert again.pk == membership.pk
    assert again.is_invitation


def test_add_by_manager_unknown_email():
    principal = MembershipFactory(principal=True)

    with pytest.raises(ChorusError) as exc:
        services.membership_add_by_manager(
            structure=principal.structure, by=principal.user, email="personne@example.test"
        )

    assert exc.value.field == "email"
    assert "aucun compte utilisateur actif" in exc.value.message


def test_add_by_manager_ignores_inactive_account():
    principal = MembershipFactory(principal=True)
    UserFactory(email="parti@example.test", is_active=False)

    with pytest.raises(ChorusError):
        services.membership_add_by_manager(
            structure=principal.structure, by=principal.user, email="parti@example.test"
        )


def test_add_by_manager_validates_a_pending_request_and_invites_a_refused_user():
    principal = MembershipFactory(principal=True)
    pending = MembershipFactory(structure=principal.structure, pending=True)
    refused = MembershipFactory(structure=principal.structure, status=MembershipStatus.REFUSEE)

    services.membership_add_by_manager(
        structure=principal.structure, by=principal.user, email=pending.user.email
    )
    assert _reload(pending).status == MembershipStatus.VALIDEE  # the user had asked

    services.membership_add_by_manager(
        structure=principal.structure, by=principal.user, email=refused.user.email
    )
    assert _reload(refused).is_invitation  # the user never asked: they must accept


def test_add_by_manager_refuses_existing_member_and_non_principal():
    principal = MembershipFactory(principal=True)
    member = MembershipFactory(structure=principal.structure)

    with pytest.raises(ChorusError) as exc:
        services.membership_add_by_manager(
            structure=principal.structure, by=principal.user, email=member.user.email
        )
    assert "déjà membre" in exc.value.message

    with pytest.raises(ChorusError) as exc:
        services.membership_add_by_manager(
            structure=principal.structure, by=member.user, email=UserFactory().email
        )
    assert exc.value.code == "not_principal"


def test_structure_names_with_control_characters_are_refused():
    """Issue 14 item 3: the structure's name and address are copied onto its invoices."""
    with pytest.raises(ChorusError) as exc:
        _create(
            UserFactory(),
            identifier_type=IdentifierType.HORS_UE,
            identifier="US-124",
            name="Acme\x07",
        )
    assert exc.value.field == "name"
    assert "Raison sociale : caractère de contrôle interdit" in exc.value.message
    assert not Structure.objects.filter(identifier="US-124").exists()
