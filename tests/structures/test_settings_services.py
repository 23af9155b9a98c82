import datetime
from decimal import Decimal

import pytest

from chorus.exceptions import ChorusError
from structures.choices import AccessLevel, PublicCategory
from structures.models import EngagementJuridique, Membership, Service, Structure, StructureLog
from structures.settings import services as svc
from tests.factories import (
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
    _luhn_siret,
)
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

SIRET = _luhn_siret(4242)


@pytest.fixture
def owner():
    return MembershipFactory(principal=True, structure=StructureFactory(public=True))


@pytest.fixture
def structure(owner):
    return owner.structure


def _billing(owner, **overrides):
    values = {
        "service_code_required": False,
        "ej_required": False,
        "ej_or_service_required": False,
        "payment_status_not_reported": False,
        "ej_format_regex": "",
        "ej_format_label": "",
        "public_category": PublicCategory.ETAT,
    }
    values.update(overrides)
    return svc.structure_billing_update(structure=owner.structure, by=owner.user, **values)


def _actions(structure) -> list[str]:
    return list(StructureLog.objects.filter(structure=structure).values_list("action", flat=True))


# --- guards ----------------------------------------------------------------------------------


def test_simple_member_cannot_change_parameters(structure):
    member = MembershipFactory(structure=structure)
    with pytest.raises(ChorusError) as exc:
        svc.service_create(structure=structure, by=member.user, code="A", label="A")
    assert exc.value.code == "not_principal"
    assert not Service.objects.exists()


def test_private_structure_has_no_public_settings():
    owner = MembershipFactory(principal=True)
    with pytest.raises(ChorusError) as exc:
        svc.service_create(structure=owner.structure, by=owner.user, code="A", label="A")
    assert exc.value.code == "not_public"


# --- billing parameters ------------------------------------------------------------------------


def test_billing_update_saves_parameters_and_logs_changes(owner):
    _billing(
        owner,
        ej_required=True,
        ej_format_regex=r"2024\d{4}",
        ej_format_label="8 chiffres commençant par 2024",
        public_category=PublicCategory.HOSPITALIER,
    )
    structure = Structure.objects.get(pk=owner.structure_id)
    assert structure.ej_required is True
    assert structure.ej_format_regex == r"2024\d{4}"
    assert structure.payment_deadline_days == 50
    log = StructureLog.objects.get(action="chorus.structure.billing_parameters_updated")
    assert "n° d'engagement juridique obligatoire" in log.message
    assert log.data["changes"]["ej_required"] == [False, True]


def test_billing_update_without_change_writes_no_log(owner):
    _billing(owner)
    assert "chorus.structure.billing_parameters_updated" not in _actions(owner.structure)


def test_billing_update_refuses_an_invalid_regex(owner):
    with pytest.raises(ChorusError) as exc:
        _billing(owner, ej_format_regex="2024[0-9", ej_format_label="x")
    assert exc.value.field == "ej_format_regex"
    assert "expression régulière valide" in exc.value.message


def test_billing_update_requires_a_label_with_a_regex(owner):
    with pytest.raises(ChorusError) as exc:
        _billing(owner, ej_format_regex=r"\d+")
    assert exc.value.field == "ej_format_label"


def test_billing_update_refuses_ej_or_service_combined_with_another_rule(owner):
    with pytest.raises(ChorusError) as exc:
        _billing(owner, ej_or_service_required=True, service_code_required=True)
    assert exc.value.field == "ej_or_service_required"
    _billing(owner, ej_or_service_required=True)
    assert Structure.objects.get(pk=owner.structure_id).required_info == "service_or_engagement"


def test_billing_update_requires_a_public_category(owner):
    with pytest.raises(ChorusError) as exc:
        _billing(owner, public_category="")
    assert exc.value.field == "public_category"


def test_ej_format_check_matches_the_whole_number():
    assert svc.ej_format_check(regex=r"2024\d{4}", sample="20241234") is True
    assert svc.ej_format_check(regex=r"2024\d{4}", sample="202412345") is False
    assert svc.ej_format_check(regex="", sample="anything") is True


# --- services --------------------------------------------------------------------------------


def test_service_create_and_log(owner):
    service = svc.service_create(
        structure=owner.structure,
        by=owner.user,
        code=" SCE01 ",
        label="Achats",
        ej_required=True,
        valid_from=datetime.date(2024, 1, 1),
        valid_until=datetime.date(2024, 12, 31),
    )
    assert service.code == "SCE01"
    assert service.ej_required is True
    assert "chorus.structure.service_created" in _actions(owner.structure)


def test_service_code_is_unique_per_structure_only(owner):
    ServiceFactory(structure=owner.structure, code="SCE01")
    ServiceFactory(code="SCE02")  # other structure
    with pytest.raises(ChorusError) as exc:
        svc.service_create(structure=owner.structure, by=owner.user, code="sce01", label="X")
    assert exc.value.field == "code"
    assert "existe déjà" in exc.value.message
    svc.service_create(structure=owner.structure, by=owner.user, code="SCE02", label="X")


def test_service_period_must_not_be_inverted(owner):
    with pytest.raises(ChorusError) as exc:
        svc.service_create(
            structure=owner.structure,
            by=owner.user,
            code="A",
            label="A",
            valid_from=datetime.date(2024, 2, 1),
            valid_until=datetime.date(2024, 1, 1),
        )
    assert exc.value.field == "valid_until"
    svc.service_create(
        structure=owner.structure,
        by=owner.user,
        code="A",
        label="A",
        valid_from=datetime.date(2024, 1, 1),
        valid_until=datetime.date(2024, 1, 1),
    )


def test_service_requires_code_and_label(owner):
    with pytest.raises(ChorusError) as exc:
        svc.service_create(structure=owner.structure, by=owner.user, code="", label="A")
    assert exc.value.field == "code"
    with pytest.raises(ChorusError) as exc:
        svc.service_create(structure=owner.structure, by=owner.user, code="A", label=" ")
    assert exc.value.field == "label"


def test_service_update_changes_fields_and_logs(owner):
    service = ServiceFactory(structure=owner.structure, code="OLD")
    svc.service_update(
        structure=owner.structure,
        by=owner.user,
        service_id=service.pk,
        code="NEW",
        label="Nouveau",
        is_active=True,
        ej_required=True,
    )
    service.refresh_from_db()
    assert (service.code, service.label, service.ej_required) == ("NEW", "Nouveau", True)
    assert "chorus.structure.service_updated" in _actions(owner.structure)


def test_service_update_refuses_code_change_once_invoiced(owner):
    service = ServiceFactory(structure=owner.structure, code="OLD")
    InvoiceFactory(recipient=owner.structure, service=service)
    with pytest.raises(ChorusError) as exc:
        svc.service_update(
            structure=owner.structure,
            by=owner.user,
            service_id=service.pk,
            code="NEW",
            label="x",
            is_active=True,
            ej_required=False,
        )
    assert exc.value.code == "code_in_use"


def test_service_update_refuses_a_service_of_another_structure(owner):
    other = ServiceFactory()
    with pytest.raises(ChorusError):
        svc.service_update(
            structure=owner.structure,
            by=owner.user,
            service_id=other.pk,
            code="X",
            label="x",
            is_active=True,
            ej_required=False,
        )


def test_service_deactivate_keeps_the_service(owner):
    service = ServiceFactory(structure=owner.structure)
    svc.service_deactivate(structure=owner.structure, by=owner.user, service_id=service.pk)
    service.refresh_from_db()
    assert service.is_active is False
    assert "chorus.structure.service_deactivated" in _actions(owner.structure)
    with pytest.raises(ChorusError) as exc:
        svc.service_deactivate(structure=owner.structure, by=owner.user, service_id=service.pk)
    assert exc.value.code == "already_inactive"


# --- engagements -----------------------------------------------------------------------------


def _format(structure):
    Structure.objects.filter(pk=structure.pk).update(
        ej_format_regex=r"2024\d{4}", ej_format_label="8 chiffres commençant par 2024"
    )


def test_engagement_create_checks_format_siret_amount_period(owner):
    _format(owner.structure)
    engagement = svc.engagement_create(
        structure=owner.structure,
        by=owner.user,
        number="20241234",
        supplier_siret=SIRET,
        amount=Decimal("1500.50"),
    )
    assert engagement.amount == Decimal("1500.50")
    assert "chorus.structure.engagement_created" in _actions(owner.structure)

    cases = [
        ({"number": "ABC"}, "number"),
        ({"number": "20241234"}, "number"),  # duplicate
        ({"number": "20240001", "supplier_siret": "12345678901234"}, "supplier_siret"),
        ({"number": "20240001", "amount": Decimal("-1")}, "amount"),
        ({"number": "20240001", "amount": Decimal("1.234")}, "amount"),
        (
            {
                "number": "20240001",
                "valid_from": datetime.date(2024, 5, 1),
                "valid_until": datetime.date(2024, 4, 1),
            },
            "valid_until",
        ),
    ]
    for kwargs, field_name in cases:
        with pytest.raises(ChorusError) as exc:
            svc.engagement_create(structure=owner.structure, by=owner.user, **kwargs)
        assert exc.value.field == field_name, kwargs
    assert EngagementJuridique.objects.count() == 1


def test_engagement_format_message_names_the_rule(owner):
    _format(owner.structure)
    with pytest.raises(ChorusError) as exc:
        svc.engagement_create(structure=owner.structure, by=owner.user, number="99")
    assert "8 chiffres commençant par 2024" in exc.value.message


def test_engagement_update_and_rename(owner):
    engagement = EngagementJuridiqueFactory(structure=owner.structure, number="A1")
    svc.engagement_update(
        structure=owner.structure,
        by=owner.user,
        engagement_id=engagement.pk,
        number="A2",
        amount=Decimal("10"),
    )
    engagement.refresh_from_db()
    assert (engagement.number, engagement.amount) == ("A2", Decimal("10"))
    assert "chorus.structure.engagement_updated" in _actions(owner.structure)


def test_engagement_in_use_cannot_be_renamed_or_deleted(owner):
    engagement = EngagementJuridiqueFactory(structure=owner.structure, number="A1")
    InvoiceFactory(recipient=owner.structure, ej_number="A1")
    with pytest.raises(ChorusError) as exc:
        svc.engagement_update(
            structure=owner.structure, by=owner.user, engagement_id=engagement.pk, number="A2"
        )
    assert exc.value.code == "number_in_use"
    with pytest.raises(ChorusError) as exc:
        svc.engagement_delete(structure=owner.structure, by=owner.user, engagement_id=engagement.pk)
    assert "suppression impossible" in exc.value.message
    assert EngagementJuridique.objects.filter(pk=engagement.pk).exists()


def test_engagement_used_by_another_recipient_can_be_deleted(owner):
    engagement = EngagementJuridiqueFactory(structure=owner.structure, number="A1")
    InvoiceFactory(recipient=StructureFactory(public=True), ej_number="A1")
    assert (
        svc.engagement_delete(structure=owner.structure, by=owner.user, engagement_id=engagement.pk)
        == "A1"
    )
    assert not EngagementJuridique.objects.exists()
    assert "chorus.structure.engagement_deleted" in _actions(owner.structure)


# --- CSV import ------------------------------------------------------------------------------


GOOD_CSV = (
    "numero;siret_fournisseur;montant;debut_validite;fin_validite\n"
    f"20240001;{SIRET};1 234,56;2024-01-01;31/12/2024\n"
    "20240002;;;;\n"
)


def test_import_creates_and_updates_by_number(owner):
    _format(owner.structure)
    EngagementJuridiqueFactory(structure=owner.structure, number="20240002", amount=Decimal("9"))
    result = svc.engagement_import_csv(
        structure=owner.structure, by=owner.user, content=GOOD_CSV.encode()
    )
    assert (result.created, result.updated) == (1, 1)
    first = EngagementJuridique.objects.get(number="20240001")
    assert first.amount == Decimal("1234.56")
    assert first.supplier_siret == SIRET
    assert first.valid_until == datetime.date(2024, 12, 31)
    assert EngagementJuridique.objects.get(number="20240002").amount is None
    assert "chorus.structure.engagements_imported" in _actions(owner.structure)


def test_import_accepts_bom_and_comma_separator(owner):
    content = (
        "\ufeffnumero,siret_fournisseur,montant,debut_validite,fin_validite\r\n"
        'X1,,"10,50",,\r\n'
        "X2,,7.25,01/02/2024,\r\n"
    ).encode()
    result = svc.engagement_import_csv(structure=owner.structure, by=owner.user, content=content)
    assert result.created == 2
    assert EngagementJuridique.objects.get(number="X1").amount == Decimal("10.50")
    assert EngagementJuridique.objects.get(number="X2").valid_from == datetime.date(2024, 2, 1)


def test_import_with_one_bad_line_imports_nothing_and_reports_each_error(owner):
    _format(owner.structure)
    content = (
        b"numero;siret_fournisseur;montant;debut_validite;fin_validite\n"
        b"20240001;;10;;\n"
        b"BAD;12345678901234;douze;2024-13-01;\n"
        b"20240001;;;2024-05-01;2024-04-01\n"
    )
    with pytest.raises(svc.EngagementImportError) as exc:
        svc.engagement_import_csv(structure=owner.structure, by=owner.user, content=content)
    errors = exc.value.errors
    assert any(e.startswith("Ligne 3, colonne numero :") for e in errors)
    assert any(e.startswith("Ligne 3, colonne siret_fournisseur :") for e in errors)
    assert any(e.startswith("Ligne 3, colonne montant :") and "douze" in e for e in errors)
    assert any(e.startswith("Ligne 3, colonne debut_validite :") for e in errors)
    assert any("Ligne 4, colonne numero" in e and "ligne 2" in e for e in errors)
    assert any(e.startswith("Ligne 4, colonne fin_validite :") for e in errors)
    assert "aucun engagement n'a été importé" in exc.value.message
    assert not EngagementJuridique.objects.exists()


def test_import_refuses_missing_columns_empty_file_and_non_utf8(owner):
    for content, expected in (
        (b"numero;montant\n1;2\n", "colonnes manquantes"),
        (b"", "vide"),
        (
            "numero;siret_fournisseur;montant;debut_validite;fin_validite\nÉ1;;;;\n".encode(
                "latin-1"
            ),
            "UTF-8",
        ),
        (b"numero;siret_fournisseur;montant;debut_validite;fin_validite\n", "aucune ligne"),
    ):
        with pytest.raises(svc.EngagementImportError) as exc:
            svc.engagement_import_csv(structure=owner.structure, by=owner.user, content=content)
        assert expected in exc.value.errors[0]


def test_csv_template_is_importable(owner):
    result = svc.engagement_import_csv(
        structure=owner.structure, by=owner.user, content=svc.engagement_csv_template().encode()
    )
    assert result.created == 2


# --- staff access ----------------------------------------------------------------------------


def test_set_access_level_and_services(owner):
    member = MembershipFactory(structure=owner.structure)
    s1 = ServiceFactory(structure=owner.structure)
    svc.membership_set_access(
        structure=owner.structure,
        by=owner.user,
        membership_id=member.pk,
        access_level=AccessLevel.CONSULTATION,
        service_ids=[s1.pk],
    )
    member = Membership.objects.get(pk=member.pk)
    assert member.access_level == AccessLevel.CONSULTATION
    assert list(member.services.all()) == [s1]
    assert member.can_modify is False
    log = StructureLog.objects.get(action="chorus.structure.member_access_updated")
    assert log.target_user == member.user
    svc.membership_set_access(
        structure=owner.structure,
        by=owner.user,
        membership_id=member.pk,
        access_level=AccessLevel.MODIFICATION,
        service_ids=[],
    )
    assert not member.services.exists()


def test_set_access_refuses_foreign_service_bad_level_pending_member_and_principal(owner):
    member = MembershipFactory(structure=owner.structure)
    pending = MembershipFactory(structure=owner.structure, pending=True)
    foreign = ServiceFactory()
    cases = [
        ({"membership_id": member.pk, "access_level": "TOUT", "service_ids": []}, "access_level"),
        (
            {
                "membership_id": member.pk,
                "access_level": AccessLevel.MODIFICATION,
                "service_ids": [foreign.pk],
            },
            "service_ids",
        ),
        (
            {
                "membership_id": pending.pk,
                "access_level": AccessLevel.MODIFICATION,
                "service_ids": [],
            },
            "membership",
        ),
        (
            {
                "membership_id": owner.pk,
                "access_level": AccessLevel.CONSULTATION,
                "service_ids": [],
            },
            "access_level",
        ),
    ]
    for kwargs, field_name in cases:
        with pytest.raises(ChorusError) as exc:
            svc.membership_set_access(structure=owner.structure, by=owner.user, **kwargs)
        assert exc.value.field == field_name, kwargs
    assert not member.services.exists()


def test_import_reports_real_line_numbers_and_unreadable_files(owner):
    content = (
        b"numero;siret_fournisseur;montant;debut_validite;fin_validite\n"
        b"\n"
        b"C1;;;;\n"
        b"C2;;;31/02/2024;\n"
    )
    with pytest.raises(svc.EngagementImportError) as exc:
        svc.engagement_import_csv(structure=owner.structure, by=owner.user, content=content)
    assert exc.value.errors == [
        "Ligne 4, colonne debut_validite : « 31/02/2024 » n'est pas une date valide "
        "(formats acceptés : AAAA-MM-JJ ou JJ/MM/AAAA)."
    ]
    with pytest.raises(svc.EngagementImportError) as exc:
        svc.engagement_import_csv(
            structure=owner.structure,
            by=owner.user,
            content=b"numero;siret_fournisseur;montant;debut_validite;fin_validite\nA\x00;;;;\n",
        )
    assert exc.value.errors[0].startswith("Ligne 2, colonne numero : caractère de contrôle")
