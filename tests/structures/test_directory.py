import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from structures.choices import StructureKind
from tests.factories import ServiceFactory, StructureFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("annuaire:search")
EXPORT = reverse("annuaire:export_csv")


def _public(**kwargs):
    return StructureFactory(public=True, **kwargs)


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_anonymous_search_by_siret_with_spaces_finds_the_structure(client):
    cavimac = _public(identifier="43001912500029", name="Cavimac", city="MONTREUIL")
    _public(name="Autre structure")
    response = client.get(SEARCH, {"q": "430 019 125 00029"})
    assert response.status_code == 200
    assert list(response.context["results"]) == [cavimac]
    assert "MONTREUIL" in response.text


def test_search_by_name_is_case_insensitive_and_lists_only_active_public_structures(client):
    match = _public(name="Mairie de Exempleville")
    _public(name="Mairie de Exempleville bis", is_active=False)
    StructureFactory(name="Mairie privée Exempleville")
    response = client.get(SEARCH, {"q": "exempleVILLE"})
    assert list(response.context["results"]) == [match]


def test_search_by_siren_prefix_lists_all_budgets_of_a_body(client):
    a = _public(identifier="20006905200013", name="A budget")
    b = _public(identifier="20006905200096", name="B budget")
    _public(identifier="21900010600019", name="C budget")
    response = client.get(SEARCH, {"q": "200 069 052"})
    assert list(response.context["results"]) == [a, b]


def test_search_with_siret_failing_check_digit_explains_the_luhn_rule(client):
    response = client.get(SEARCH, {"q": "200 069 052 00175"})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "clé de contrôle (algorithme de Luhn)" in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="200 069 052 00175"' in response.text


def test_results_show_required_codes_in_french_and_active_service_count(client):
    structure = _public(name="Cavimac", service_code_required=True, ej_required=True)
    ServiceFactory.create_batch(2, structure=structure)
    ServiceFactory(structure=structure, is_active=False)
    ServiceFactory(structure=structure, valid_until=datetime.date(2000, 1, 1))
    response = client.get(SEARCH, {"q": "cavimac"})
    (row,) = response.context["results"]
    assert row.active_services == 2
    assert "Code service et n° d&#x27;engagement obligatoires" in response.text


@pytest.mark.parametrize(
    ("flags", "label"),
    [
        ({"ej_or_service_required": True}, "Code service ou n° d'engagement obligatoire"),
        ({"service_code_required": True}, "Code service obligatoire"),
        ({"ej_required": True}, "N° d'engagement obligatoire"),
        ({}, "Aucun code obligatoire"),
    ],
)
def test_required_info_labels(client, flags, label):
    _public(name="Structure", **flags)
    (row,) = client.get(SEARCH, {"q": "Structure"}).context["results"]
    assert row.required_info_label == label


def test_keyset_pagination_walks_forward_and_back_without_gaps(client):
    names = [f"Structure {i:02d}" for i in range(25)]
    for name in reversed(names):
        _public(name=name)
    _public(name="Structure 05")  # same name: the id breaks the tie
    first = client.get(SEARCH, {"q": "structure", "par_page": 10})
    seen = [s.name for s in first.context["results"]]
    assert not first.context["previous_cursor"]
    response = first
    while response.context["next_cursor"]:
        response = client.get(
            SEARCH, {"q": "structure", "par_page": 10, "apres": response.context["next_cursor"]}
        )
        seen += [s.name for s in response.context["results"]]
    assert seen == sorted([*names, "Structure 05"])
    back = client.get(
        SEARCH, {"q": "structure", "par_page": 10, "avant": response.context["previous_cursor"]}
    )
    assert [s.name for s in back.context["results"]] == seen[10:20]
    assert "Page suivante" in back.text
    assert "Page précédente" in back.text


def test_garbage_cursor_falls_back_to_first_page(client):
    _public(name="Alpha")
    response = client.get(SEARCH, {"apres": "%%%pas-un-curseur"})
    assert response.status_code == 200
    assert [s.name for s in response.context["results"]] == ["Alpha"]


def test_invalid_page_size_is_refused_with_a_message(client):
    response = client.get(SEARCH, {"par_page": "100000"})
    assert response.status_code == 200
    assert response.context["results"] is None
    assert "Résultats par page" in response.text


def _selects(client, params) -> tuple[list[str], object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SEARCH, params)
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT")], response


def test_search_query_count_does_not_depend_on_page_size(client):
    for i in range(30):
        structure = _public(name=f"Organisme {i:02d}")
        ServiceFactory.create_batch(2, structure=structure)
    small_selects, small = _selects(client, {"par_page": 10})
    big_selects, big = _selects(client, {"par_page": 50})
    assert len(small.context["results"]) == 10
    assert len(big.context["results"]) == 30
    assert len(small_selects) == len(big_selects) == 1
    assert all(row.active_services == 2 for row in big.context["results"])


def test_detail_shows_parameters_active_services_ej_format_and_address(client):
    structure = _public(
        name="Cavimac",
        address="9 rue de Rosny",
        postal_code="93100",
        city="MONTREUIL",
        ej_required=True,
        ej_format_regex=r"2024\d{4}",
        ej_format_label="8 chiffres commençant par 2024",
    )
    ServiceFactory(structure=structure, code="ACHATS", label="Achats")
    ServiceFactory(structure=structure, code="FERME", label="Service fermé", is_active=False)
    response = client.get(reverse("annuaire:detail", args=[structure.pk]))
    assert response.status_code == 200
    text = response.text
    assert "8 chiffres commençant par 2024" in text
    assert "9 rue de Rosny" in text
    assert "93100 MONTREUIL" in text
    assert "ACHATS" in text
    assert "FERME" not in text
    assert "N° d&#x27;engagement obligatoire" in text


@pytest.mark.parametrize(
    "kwargs", [{"kind": StructureKind.PRIVEE}, {"public": True, "is_active": False}]
)
def test_detail_of_private_or_inactive_structure_is_not_found(client, kwargs):
    structure = StructureFactory(**kwargs)
    assert client.get(reverse("annuaire:detail", args=[structure.pk])).status_code == 404


def test_export_csv_has_one_row_per_structure_and_service_with_bom_and_semicolons(client):
    cavimac = _public(identifier="43001912500029", name="Cavimac", ej_required=True)
    ServiceFactory(structure=cavimac, code="ACHATS", label="Service achats")
    ServiceFactory(structure=cavimac, code="COMPTA", label="Comptabilité", ej_required=False)
    ServiceFactory(structure=cavimac, code="VIEUX", is_active=False)
    state = _public(identifier="11000201100044", name="État", service_code_required=True)
    _public(name="Hors recherche")
    StructureFactory(name="Privée")
    response = client.get(EXPORT, {"q": "a"})
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [
        "SIRET",
        "Raison sociale",
        "Code service",
        "Libellé du service",
        "EJ obligatoire",
        "Code service obligatoire",
    ]
    assert rows[1:] == [
        ["43001912500029", "Cavimac", "ACHATS", "Service achats", "Oui", "Non"],
        ["43001912500029", "Cavimac", "COMPTA", "Comptabilité", "Oui", "Non"],
        [state.identifier, "État", "", "", "Non", "Oui"],
    ]


def test_export_csv_neutralises_spreadsheet_formulas(client):
    structure = _public(name="=HYPERLINK(1)")
    ServiceFactory(structure=structure, code="S1", label="+cmd")
    rows = _csv_rows(client.get(EXPORT))
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][3] == "'+cmd"


def test_export_csv_with_invalid_siret_is_a_clear_400(client):
    response = client.get(EXPORT, {"q": "20006905200175"})
    assert response.status_code == 400
    assert "clé de contrôle" in response.content.decode()


def test_directory_pages_refuse_post(client):
    assert client.post(SEARCH).status_code == 405


def test_first_visit_without_search_lists_public_structures(client):
    _public(name="Cavimac")
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert [s.name for s in response.context["results"]] == ["Cavimac"]
    assert reverse("annuaire:export_csv") + "?q=" in response.text
