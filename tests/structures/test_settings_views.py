import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from structures.choices import AccessLevel, PublicCategory
from structures.models import EngagementJuridique, Membership, Service, Structure, StructureLog
from tests.factories import (
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
)
from tests.invoices.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return MembershipFactory(principal=True, structure=StructureFactory(public=True))


@pytest.fixture
def member(owner):
    return MembershipFactory(structure=owner.structure)


@pytest.fixture
def outsider():
    """Principal of ANOTHER public structure."""
    return MembershipFactory(principal=True, structure=StructureFactory(public=True))


@pytest.fixture
def service(owner):
    return ServiceFactory(structure=owner.structure, code="SCE01")


@pytest.fixture
def engagement(owner):
    return EngagementJuridiqueFactory(structure=owner.structure, number="20240001")


def _login(client, membership):
    client.force_login(membership.user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# (url name, extra kwargs builder, method)
ROUTES = [
    ("settings_billing", lambda s, e, m: {}, "get"),
    ("settings_billing", lambda s, e, m: {}, "post"),
    ("settings_services", lambda s, e, m: {}, "get"),
    ("settings_service_create", lambda s, e, m: {}, "get"),
    ("settings_service_create", lambda s, e, m: {}, "post"),
    ("settings_service_edit", lambda s, e, m: {"service_pk": s.pk}, "get"),
    ("settings_service_edit", lambda s, e, m: {"service_pk": s.pk}, "post"),
    ("settings_service_deactivate", lambda s, e, m: {"service_pk": s.pk}, "post"),
    ("settings_engagements", lambda s, e, m: {}, "get"),
    ("settings_engagement_create", lambda s, e, m: {}, "get"),
    ("settings_engagement_create", lambda s, e, m: {}, "post"),
    ("settings_engagement_edit", lambda s, e, m: {"engagement_pk": e.pk}, "get"),
    ("settings_engagement_edit", lambda s, e, m: {"engagement_pk": e.pk}, "post"),
    ("settings_engagement_delete", lambda s, e, m: {"engagement_pk": e.pk}, "post"),
    ("settings_engagement_import", lambda s, e, m: {}, "get"),
    ("settings_engagement_import", lambda s, e, m: {}, "post"),
    ("settings_engagement_template", lambda s, e, m: {}, "get"),
    ("settings_staff", lambda s, e, m: {}, "get"),
    ("settings_staff_access", lambda s, e, m: {"membership_pk": m.pk}, "post"),
]


def _url(owner, route, service, engagement, member):
    name, kwargs, _ = route
    return reverse(
        f"structures:{name}",
        kwargs={"pk": owner.structure_id, **kwargs(service, engagement, member)},
    )


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]}-{r[2]}")
def test_simple_member_gets_a_french_403(client, owner, member, service, engagement, route):
    response = getattr(_login(client, member), route[2])(
        _url(owner, route, service, engagement, member)
    )
    assert response.status_code == 403
    assert "Seul le gestionnaire principal" in response.content.decode()
    assert Service.objects.get(pk=service.pk).is_active
    assert EngagementJuridique.objects.filter(pk=engagement.pk).exists()


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r[0]}-{r[2]}")
def test_outsider_gets_a_404(client, owner, member, outsider, service, engagement, route):
    response = getattr(_login(client, outsider), route[2])(
        _url(owner, route, service, engagement, member)
    )
    assert response.status_code == 404


@pytest.mark.parametrize("route", [r for r in ROUTES if r[2] == "get"], ids=lambda r: r[0])
def test_principal_can_open_every_page(client, owner, member, service, engagement, route):
    response = _login(client, owner).get(_url(owner, route, service, engagement, member))
    assert response.status_code == 200


def test_principal_of_a_private_structure_gets_a_404(client):
    private = MembershipFactory(principal=True)
    response = _login(client, private).get(
        reverse("structures:settings_billing", args=[private.structure_id])
    )
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, owner):
    response = client.get(reverse("structures:settings_billing", args=[owner.structure_id]))
    assert response.status_code == 302


def test_mutation_by_get_is_refused(client, owner, service):
    url = reverse("structures:settings_service_deactivate", args=[owner.structure_id, service.pk])
    assert _login(client, owner).get(url).status_code == 405
    assert Service.objects.get(pk=service.pk).is_active


def test_detail_page_links_to_settings_for_public_principal_only(client, owner, member):
    url = reverse("structures:detail", args=[owner.structure_id])
    assert "Paramètres de facturation" in _login(client, owner).get(url).content.decode()
    assert "Paramètres de facturation" not in _login(client, member).get(url).content.decode()


# --- billing parameters ----------------------------------------------------------------------


def _billing_data(**overrides):
    data = {
        "public_category": PublicCategory.COLLECTIVITE,
        "ej_required": "on",
        "ej_format_regex": r"2024\d{4}",
        "ej_format_label": "8 chiffres commençant par 2024",
    }
    data.update(overrides)
    return data


def test_billing_page_saves_parameters(client, owner):
    url = reverse("structures:settings_billing", args=[owner.structure_id])
    response = _login(client, owner).post(url, _billing_data(), follow=True)
    assert "Paramètres de facturation enregistrés." in _messages(response)
    structure = Structure.objects.get(pk=owner.structure_id)
    assert structure.ej_required
    assert structure.public_category == PublicCategory.COLLECTIVITE
    assert "30 jours" in response.content.decode()


def test_billing_page_invalid_regex_is_rerendered_with_input(client, owner):
    url = reverse("structures:settings_billing", args=[owner.structure_id])
    response = _login(client, owner).post(url, _billing_data(ej_format_regex="2024[0-9"))
    content = response.content.decode()
    assert response.status_code == 400
    assert "n&#x27;est pas une expression régulière valide" in content
    assert 'value="2024[0-9"' in content
    assert 'aria-invalid="true"' in content
    assert Structure.objects.get(pk=owner.structure_id).ej_format_regex == ""


def test_billing_page_tests_an_example_without_saving(client, owner):
    url = reverse("structures:settings_billing", args=[owner.structure_id])
    client = _login(client, owner)
    response = client.post(url, _billing_data(ej_example="20241234", tester="1"))
    assert "20241234</code> → conforme" in response.content.decode()
    response = client.post(url, _billing_data(ej_example="1234", tester="1"))
    assert "1234</code> → non conforme" in response.content.decode()
    assert Structure.objects.get(pk=owner.structure_id).ej_required is False


# --- services --------------------------------------------------------------------------------


def test_service_create_and_duplicate_code(client, owner, service):
    url = reverse("structures:settings_service_create", args=[owner.structure_id])
    client = _login(client, owner)
    response = client.post(url, {"code": "SCE02", "label": "Achats", "is_active": "on"})
    assert response.status_code == 302
    assert Service.objects.filter(structure=owner.structure, code="SCE02").exists()
    response = client.post(url, {"code": "SCE01", "label": "Doublon"})
    assert response.status_code == 400
    assert "existe déjà" in response.content.decode()
    assert 'value="Doublon"' in response.content.decode()


def test_service_edit_refuses_inverted_period(client, owner, service):
    url = reverse("structures:settings_service_edit", args=[owner.structure_id, service.pk])
    response = _login(client, owner).post(
        url,
        {
            "code": "SCE01",
            "label": "x",
            "is_active": "on",
            "valid_from": "2024-02-01",
            "valid_until": "01/01/2024",
        },
    )
    assert response.status_code == 400
    assert "Fin de validité" in response.content.decode()


def test_service_edit_and_deactivate(client, owner, service):
    client = _login(client, owner)
    url = reverse("structures:settings_service_edit", args=[owner.structure_id, service.pk])
    client.post(url, {"code": "SCE01", "label": "Nouveau libellé", "is_active": "on"})
    assert Service.objects.get(pk=service.pk).label == "Nouveau libellé"
    url = reverse("structures:settings_service_deactivate", args=[owner.structure_id, service.pk])
    response = client.post(url, follow=True)
    assert "Service « SCE01 » désactivé." in _messages(response)
    assert Service.objects.get(pk=service.pk).is_active is False


def test_another_structures_service_is_a_404(client, owner):
    foreign = ServiceFactory()
    url = reverse("structures:settings_service_edit", args=[owner.structure_id, foreign.pk])
    assert _login(client, owner).get(url).status_code == 404


# --- engagements -----------------------------------------------------------------------------


def test_engagement_list_searches_and_paginates_by_keyset(client, owner):
    for n in range(55):
        EngagementJuridiqueFactory(structure=owner.structure, number=f"EJ{n:03d}")
    url = reverse("structures:settings_engagements", args=[owner.structure_id])
    client = _login(client, owner)
    first = client.get(url)
    assert len(first.context["engagements"]) == 50
    assert first.context["next_after"] == "EJ049"
    second = client.get(url, {"apres": "EJ049"})
    assert [e.number for e in second.context["engagements"]] == [
        f"EJ{n:03d}" for n in range(50, 55)
    ]
    assert second.context["next_after"] == ""
    found = client.get(url, {"q": "j007"})
    assert [e.number for e in found.context["engagements"]] == ["EJ007"]


def test_engagement_create_with_decimal_comma(client, owner):
    url = reverse("structures:settings_engagement_create", args=[owner.structure_id])
    response = _login(client, owner).post(
        url, {"number": "A1", "amount": "1 500,25", "valid_from": "01/01/2024"}
    )
    assert response.status_code == 302
    engagement = EngagementJuridique.objects.get(number="A1")
    assert engagement.amount == Decimal("1500.25")
    assert engagement.valid_from == datetime.date(2024, 1, 1)


def test_engagement_create_bad_siret_is_rerendered(client, owner):
    url = reverse("structures:settings_engagement_create", args=[owner.structure_id])
    response = _login(client, owner).post(url, {"number": "A1", "supplier_siret": "123"})
    assert response.status_code == 400
    assert "SIRET du fournisseur" in response.content.decode()
    assert not EngagementJuridique.objects.exists()


def test_engagement_edit(client, owner, engagement):
    url = reverse("structures:settings_engagement_edit", args=[owner.structure_id, engagement.pk])
    client = _login(client, owner)
    assert client.get(url).status_code == 200
    client.post(url, {"number": "20240001", "amount": "12,5"})
    assert EngagementJuridique.objects.get(pk=engagement.pk).amount == Decimal("12.50")


def test_engagement_delete_refused_when_used(client, owner, engagement):
    InvoiceFactory(recipient=owner.structure, ej_number=engagement.number)
    url = reverse("structures:settings_engagement_delete", args=[owner.structure_id, engagement.pk])
    response = _login(client, owner).post(url, follow=True)
    assert any("suppression impossible" in m for m in _messages(response))
    assert EngagementJuridique.objects.filter(pk=engagement.pk).exists()


def test_engagement_delete_when_unused(client, owner, engagement):
    url = reverse("structures:settings_engagement_delete", args=[owner.structure_id, engagement.pk])
    response = _login(client, owner).post(url, follow=True)
    assert "Engagement juridique « 20240001 » supprimé." in _messages(response)
    assert not EngagementJuridique.objects.exists()


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("ej.csv", content, content_type="text/csv")


def test_import_good_file_with_bom_and_decimal_comma(client, owner):
    url = reverse("structures:settings_engagement_import", args=[owner.structure_id])
    content = (
        "\ufeffnumero;siret_fournisseur;montant;debut_validite;fin_validite\r\n"
        "B1;;1234,56;2024-01-01;31/12/2024\r\n"
    ).encode()
    response = _login(client, owner).post(url, {"file": _upload(content)}, follow=True)
    assert "Import terminé : 1 engagement(s) créé(s), 0 mis à jour." in _messages(response)
    assert EngagementJuridique.objects.get(number="B1").amount == Decimal("1234.56")


def test_import_bad_file_imports_nothing_and_lists_lines(client, owner):
    url = reverse("structures:settings_engagement_import", args=[owner.structure_id])
    content = (
        b"numero;siret_fournisseur;montant;debut_validite;fin_validite\n"
        b"B1;;10;;\n"
        b"B2;;;;\n"
        b"B3;;abc;;\n"
    )
    response = _login(client, owner).post(url, {"file": _upload(content)})
    content_html = response.content.decode()
    assert response.status_code == 400
    assert "Ligne 4, colonne montant : « abc » n&#x27;est pas un montant" in content_html
    assert "aucun engagement n&#x27;a été importé" in content_html
    assert not EngagementJuridique.objects.exists()


def test_import_without_file_names_the_field(client, owner):
    url = reverse("structures:settings_engagement_import", args=[owner.structure_id])
    response = _login(client, owner).post(url, {})
    assert response.status_code == 400
    assert "Fichier CSV : choisissez un fichier" in response.content.decode()


def test_template_download_is_a_csv_attachment(client, owner):
    url = reverse("structures:settings_engagement_template", args=[owner.structure_id])
    response = _login(client, owner).get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").startswith(
        "numero;siret_fournisseur;montant;debut_validite;fin_validite"
    )


# --- staff -----------------------------------------------------------------------------------


def test_staff_access_is_saved_and_logged(client, owner, member, service):
    url = reverse("structures:settings_staff_access", args=[owner.structure_id, member.pk])
    prefix = f"m{member.pk}"
    response = _login(client, owner).post(
        url,
        {f"{prefix}-access_level": AccessLevel.CONSULTATION, f"{prefix}-services": [service.pk]},
        follow=True,
    )
    assert any("enregistrée" in m for m in _messages(response))
    member = Membership.objects.get(pk=member.pk)
    assert member.access_level == AccessLevel.CONSULTATION
    assert list(member.services.all()) == [service]
    assert StructureLog.objects.filter(action="chorus.structure.member_access_updated").exists()


def test_staff_page_lists_members_with_their_access(client, owner, member, service):
    response = _login(client, owner).get(
        reverse("structures:settings_staff", args=[owner.structure_id])
    )
    content = response.content.decode()
    assert member.user.email in content
    assert "Consultation uniquement" in content
    assert "SCE01" in content


def test_staff_access_refuses_principal_in_consultation(client, owner):
    url = reverse("structures:settings_staff_access", args=[owner.structure_id, owner.pk])
    response = _login(client, owner).post(
        url, {f"m{owner.pk}-access_level": AccessLevel.CONSULTATION}
    )
    assert response.status_code == 400
    assert "le gestionnaire principal garde" in response.content.decode()
    assert Membership.objects.get(pk=owner.pk).access_level == AccessLevel.MODIFICATION


def test_staff_access_refuses_unknown_service_choice(client, owner, member):
    foreign = ServiceFactory()
    url = reverse("structures:settings_staff_access", args=[owner.structure_id, member.pk])
    response = _login(client, owner).post(
        url,
        {
            f"m{member.pk}-access_level": AccessLevel.MODIFICATION,
            f"m{member.pk}-services": [foreign.pk],
        },
    )
    assert response.status_code == 400
    assert not Membership.objects.get(pk=member.pk).services.exists()
