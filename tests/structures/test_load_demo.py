import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from accounts.models import User
from structures import demo
from structures.choices import MembershipStatus, StructureKind
from structures.models import CompanyRecord, EngagementJuridique, Membership, Service, Structure
from structures.validators import validate_siret

BAD_SIRETS = ("20006905200175", "20006905200720")
MODELS = (CompanyRecord, Structure, Service, EngagementJuridique, Membership, User, EmailAddress)


def _run() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _snapshot():
    return {model: sorted(model.objects.values_list()) for model in MODELS}


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing_and_creates_no_duplicates():
    _run()
    before = _snapshot()
    output = _run()
    assert _snapshot() == before
    assert " 0 créé(s), 0 mis à jour" in output
    assert "1 créé" not in output


@pytest.mark.django_db
def test_load_demo_refuses_sirets_failing_the_check_digit_and_says_why():
    output = _run()
    for siret in BAD_SIRETS:
        assert f"SIRET refusé {siret}" in output
        assert not Structure.objects.filter(identifier=siret).exists()
        assert not CompanyRecord.objects.filter(siret=siret).exists()
    assert "clé de contrôle (algorithme de Luhn) est incorrecte" in output


@pytest.mark.django_db
def test_load_demo_creates_real_public_bodies_with_their_parameters():
    _run()
    state = Structure.objects.get(identifier="11000201100044")
    assert state.kind == StructureKind.PUBLIQUE
    assert state.required_info == "service_and_engagement"
    assert state.services.count() >= 2
    cavimac = Structure.objects.get(identifier="43001912500029")
    assert (cavimac.address, cavimac.postal_code, cavimac.city) == (
        "9 rue de Rosny",
        "93100",
        "MONTREUIL",
    )
    assert cavimac.ej_required
    assert cavimac.ej_matches_format("20240001")
    assert not cavimac.ej_matches_format("20230001")
    assert cavimac.ej_format_label == "8 chiffres commençant par 2024"
    budget = Structure.objects.get(identifier="20006905200013")
    assert set(budget.services.values_list("code", flat=True)) == {
        "FACTURES_SUR_MARCHE",
        "FACTURES_HORS_MARCHE",
    }
    assert all(ej.structure.ej_matches_format(ej.number) for ej in cavimac.engagements.all())
    assert cavimac.engagements.filter(supplier_siret=demo.SUPPLIER_SIRET).exists()


@pytest.mark.django_db
def test_load_demo_accounts_can_log_in_without_mfa_and_have_verified_email(client):
    _run()
    for account in demo.DEMO_ACCOUNTS:
        user = User.objects.get(email=account["email"])
        assert user.mfa_exempt
        assert EmailAddress.objects.filter(user=user, verified=True, primary=True).exists()
        assert client.login(email=account["email"], password=account["password"])
    assert User.objects.get(email="admin@demo.chorus.test").is_superuser


@pytest.mark.django_db
def test_load_demo_attachments_have_expected_statuses():
    _run()
    supplier = Structure.objects.get(identifier=demo.SUPPLIER_SIRET)
    principal = Membership.objects.get(user__email="fournisseur@demo.chorus.test")
    pending = Membership.objects.get(user__email="collaborateur@demo.chorus.test")
    assert principal.structure == pending.structure == supplier
    assert principal.is_principal
    assert pending.status == MembershipStatus.EN_COURS_DE_VALIDATION
    for email in ("etat@demo.chorus.test", "cavimac@demo.chorus.test"):
        membership = Membership.objects.get(user__email=email)
        assert membership.status == MembershipStatus.VALIDEE
        assert membership.structure.is_public


@pytest.mark.django_db
def test_load_demo_register_has_a_free_company_and_an_inactive_one():
    _run()
    assert CompanyRecord.objects.filter(siret=demo.FREE_COMPANY_SIRET, is_active=True).exists()
    assert not Structure.objects.filter(identifier=demo.FREE_COMPANY_SIRET).exists()
    assert not CompanyRecord.objects.get(siret=demo.CLOSED_COMPANY_SIRET).is_active
    public_sirets = set(
        Structure.objects.filter(kind=StructureKind.PUBLIQUE).values_list("identifier", flat=True)
    )
    assert public_sirets <= set(CompanyRecord.objects.values_list("siret", flat=True))


def test_demo_passwords_pass_the_project_password_rules():
    for account in demo.DEMO_ACCOUNTS:
        user = User(email=account["email"], first_name=account["first_name"])
        validate_password(account["password"], user)


def test_demo_invented_sirets_are_valid():
    for siret in (demo.SUPPLIER_SIRET, demo.FREE_COMPANY_SIRET, demo.HOSPITAL_SIRET):
        validate_siret(siret)
    for row in demo.COMPANY_RECORDS:
        validate_siret(row["siret"])


def test_demo_supplier_vat_number_is_valid():
    from structures.validators import validate_vat_number

    validate_vat_number(demo.SUPPLIER_STRUCTURE["vat_number"])
