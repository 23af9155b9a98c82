"""structures/v1, transverses/v1 (code lists, directory), utilisateurs/v1, engagementsJuridiques/v1:
envelope, pagination, "no result", bad input and tenant rules."""

import base64
import csv
import io
import zipfile

import pytest

from api.services import technical_account_create
from structures.choices import MembershipStatus
from tests.api.conftest import CproClient, get_token
from tests.factories import (
    CompanyRecordFactory,
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def state(db):
    return StructureFactory(
        public=True,
        identifier="11000201100044",
        name="État — services de l'État",
        service_code_required=True,
        ej_required=True,
    )


@pytest.fixture
def state_api(client, sandbox_app, state):
    technical_account_create(structure=state, login="tech-etat", password="sandbox")
    return CproClient(client, get_token(client)["access_token"], "tech-etat", "sandbox")


# structures/v1 ------------------------------------------------------------------------------------


def test_rechercher_finds_a_public_structure_by_siret(api, state):
    body = api.post(
        "structures/v1/rechercher",
        {
            "structure": {
                "identifiantStructure": state.identifier,
                "typeIdentifiantStructure": "SIRET",
            }
        },
    ).json()
    assert body["codeRetour"] == 0
    assert body["libelle"] == "TRA_MSG_00.000"
    assert body["listeStructures"] == [
        {
            "idStructureCPP": state.pk,
            "identifiantStructure": "11000201100044",
            "designationStructure": state.name,
            "typeIdentifiantStructure": "SIRET",
            "statut": "ACTIVE",
        }
    ]
    assert body["parametresRetour"] == {
        "pageCourante": 1,
        "pages": 1,
        "nbResultatsParPage": 10,
        "total": 1,
    }


def test_rechercher_with_no_match_is_200_code_20000(api):
    response = api.post("structures/v1/rechercher", {"structure": {"identifiantStructure": "1"}})
    assert response.status_code == 200
    body = response.json()
    assert body["codeRetour"] == 20000
    assert body["listeStructures"] == []
    assert body["parametresRetour"]["total"] == 0


def test_rechercher_hides_other_tenants_private_structures_unless_unrestricted(
    api, supplier_structure
):
    other = StructureFactory(name="Concurrent SARL")
    restricted = api.post("structures/v1/rechercher", {"structure": {"typeStructure": "PRIVEE"}})
    ids = [s["idStructureCPP"] for s in restricted.json()["listeStructures"]]
    assert ids == [supplier_structure.pk]
    open_search = api.post(
        "structures/v1/rechercher",
        {"structure": {"typeStructure": "PRIVEE"}, "restreindreStructuresPrivees": False},
    )
    ids = {s["idStructureCPP"] for s in open_search.json()["listeStructures"]}
    assert ids == {supplier_structure.pk, other.pk}


def test_rechercher_filters_by_name_and_status_and_paginates(api):
    for i in range(5):
        StructureFactory(public=True, name=f"Mairie {i}")
    StructureFactory(public=True, name="Mairie fermée", is_active=False)
    body = api.post(
        "structures/v1/rechercher",
        {
            "structure": {"raisonSocialeStructure": "mairie", "statutStructure": "ACTIF"},
            "parametres": {"nbResultatsParPage": 2, "pageResultatDemandee": 3},
        },
    ).json()
    assert [s["designationStructure"] for s in body["listeStructures"]] == ["Mairie 4"]
    assert body["parametresRetour"] == {
        "pageCourante": 3,
        "pages": 3,
        "nbResultatsParPage": 2,
        "total": 5,
    }
    inactive = api.post(
        "structures/v1/rechercher",
        {"structure": {"raisonSocialeStructure": "mairie", "statutStructure": "INACTIF"}},
    ).json()
    assert [s["statut"] for s in inactive["listeStructures"]] == ["INACTIVE"]


def test_rechercher_rejects_an_unknown_status_naming_the_field(api):
    response = api.post("structures/v1/rechercher", {"structure": {"statutStructure": "OUVERT"}})
    assert response.status_code == 400
    assert "statutStructure" in response.json()["libelle"]


def test_consulter_returns_parameters_and_accepts_id_structure_alias(api, state):
    for payload in ({"idStructureCPP": state.pk}, {"idStructure": state.pk, "codeLangue": "FR"}):
        body = api.post("structures/v1/consulter", payload).json()
        assert body["codeRetour"] == 0
        assert body["libelle"] == "TRA_MSG_00.000"
        assert body["informationGenerales"]["idStructureCPP"] == state.pk
        assert body["informationGenerales"]["structurePriveePublique"] == "PUBLIQUE"
        assert body["parametres"]["codeServiceDoitEtreRenseigne"] is True
        assert body["parametres"]["numeroEJDoitEtreRenseigne"] is True
        assert body["parametres"]["gestionNumeroEJOuCodeService"] is False
        assert body["parametres"]["statutMiseEnPaiementNestPasRemonte"] is False


def test_consulter_gives_password_expiry_only_for_the_accounts_own_structure(
    api, state, supplier_structure, supplier_account
):
    own = api.post("structures/v1/consulter", {"idStructureCPP": supplier_structure.pk}).json()
    expiry = own["informationGenerales"]["dateExpirationMotPasseCompteTech"]
    assert expiry == supplier_account.password_expires_at.isoformat()
    other = api.post("structures/v1/consulter", {"idStructureCPP": state.pk}).json()
    assert other["informationGenerales"]["dateExpirationMotPasseCompteTech"] is None


def test_consulter_another_tenants_private_structure_is_unknown(api):
    other = StructureFactory()
    response = api.post("structures/v1/consulter", {"idStructureCPP": other.pk})
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001
    assert "idStructureCPP" in response.json()["libelle"]


def test_consulter_without_identifier_names_the_field(api):
    response = api.post("structures/v1/consulter", {"idStructureCPP": "abc"})
    assert response.status_code == 400
    assert "idStructureCPP" in response.json()["libelle"]
    assert api.post("structures/v1/consulter", {}).status_code == 400


def test_rechercher_services_lists_services_with_large_pages(api, state):
    ServiceFactory(structure=state, code="B_SERVICE", label="B")
    ServiceFactory(structure=state, code="A_SERVICE", label="A", is_active=False)
    body = api.post(
        "structures/v1/rechercher/services",
        {
            "idStructure": state.pk,
            "parametresRechercherServicesStructure": {"nbResultatsParPage": 10000},
        },
    ).json()
    assert body["codeRetour"] == 0
    assert [(s["codeService"], s["estActif"]) for s in body["listeServices"]] == [
        ("A_SERVICE", False),
        ("B_SERVICE", True),
    ]
    assert body["parametresRetour"]["nbResultatsParPage"] == 10000
    assert all(isinstance(s["idService"], int) for s in body["listeServices"])


def test_rechercher_services_of_a_structure_without_services_is_no_result(api, state):
    body = api.post("structures/v1/rechercher/services", {"idStructure": state.pk}).json()
    assert body["codeRetour"] == 20000
    assert body["listeServices"] == []


def test_consulter_service_gives_the_ej_flag(api):
    structure = StructureFactory(public=True)
    service = ServiceFactory(structure=structure, ej_required=True)
    body = api.post(
        "structures/v1/consulter/service", {"idStructure": structure.pk, "idService": service.pk}
    ).json()
    assert body["codeRetour"] == 0
    assert body["parametres"]["numeroEngagement"] is True
    assert body["informationsGenerales"]["codeService"] == service.code


def test_consulter_service_of_another_structure_is_refused(api, state):
    foreign = ServiceFactory()
    response = api.post(
        "structures/v1/consulter/service", {"idStructure": state.pk, "idService": foreign.pk}
    )
    assert response.status_code == 400
    assert "idService" in response.json()["libelle"]


# transverses/v1 -----------------------------------------------------------------------------------


def test_information_siret_reads_the_local_register(api):
    record = CompanyRecordFactory(name="Boulangerie Test", naf_code="1071C")
    body = api.post(
        "transverses/v1/consulter/information/siret", {"siretStructure": record.siret}
    ).json()
    assert body["codeRetour"] == 0
    assert body["siret"] == record.siret
    assert body["siren"] == record.siret[:9]
    assert body["raisonSociale"] == "Boulangerie Test"
    assert body["estActif"] is True


def test_information_siret_unknown_is_no_result_and_invalid_is_400(api):
    unknown = api.post(
        "transverses/v1/consulter/information/siret", {"siretStructure": "11000201100044"}
    )
    assert unknown.status_code == 200
    assert unknown.json()["codeRetour"] == 20000
    invalid = api.post("transverses/v1/consulter/information/siret", {"siretStructure": "123"})
    assert invalid.status_code == 400
    assert "siretStructure" in invalid.json()["libelle"]


def test_annuaire_is_a_zipped_csv_of_active_public_structures(api, state):
    ServiceFactory(structure=state, code="SERVICE_DEMO", ej_required=True)
    StructureFactory(public=True, name="Fermée", is_active=False)
    StructureFactory(name="Privée SARL")
    body = api.post("transverses/v1/telecharger/annuaire/destinataire", {}).json()
    assert body["codeRetour"] == 0
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(body["fichierResultat"])))
    assert archive.namelist() == ["annuaire_destinataires.csv"]
    text = archive.read("annuaire_destinataires.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["identifiantStructure"], r["codeService"]) for r in rows] == [
        ("11000201100044", "SERVICE_DEMO")
    ]
    assert rows[0]["numeroEJDoitEtreRenseigne"] == "true"
    assert rows[0]["numeroEngagement"] == "true"


@pytest.mark.parametrize(
    ("statut", "expected"),
    [
        (
            "MISE_A_DISPOSITION",
            [
                "MISE_A_DISPOSITION",
                "A_RECYCLER",
                "REJETEE",
                "SUSPENDUE",
                "SERVICE_FAIT",
                "MANDATEE",
                "MISE_A_DISPOSITION_COMPTABLE",
                "COMPTABILISEE",
                "MISE_EN_PAIEMENT",
            ],
        ),
        ("COMPTABILISEE", ["COMPTABILISEE", "MISE_EN_PAIEMENT"]),
    ],
)
def test_etats_traitement_come_from_the_invoice_state_machine(api, statut, expected):
    body = api.post("transverses/v1/recuperer/etats/traitement", {"statutCourant": statut}).json()
    assert body["codeRetour"] == 0
    got = [s["statutPossiblePourTraitement"] for s in body["listeStatutsPossiblesPourTraitement"]]
    assert got == expected


def test_etats_traitement_of_a_final_status_is_no_result_and_unknown_is_400(api):
    final = api.post("transverses/v1/recuperer/etats/traitement", {"statutCourant": "REJETEE"})
    assert final.json()["codeRetour"] == 20000
    unknown = api.post("transverses/v1/recuperer/etats/traitement", {"statutCourant": "FINI"})
    assert unknown.status_code == 400
    assert "statutCourant" in unknown.json()["libelle"]


def test_cadres_for_facture_are_the_four_supported(api):
    body = api.post(
        "transverses/v1/recuperer/cadrefacturation", {"typeDemandePaiement": "FACTURE"}
    ).json()
    assert [c["codeCadreFacturation"] for c in body["listeCadreFacturation"]] == [
        "A1_FACTURE_FOURNISSEUR",
        "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
        "A9_FACTURE_SOUSTRAITANT",
        "A12_FACTURE_COTRAITANT",
    ]
    travaux = api.post(
        "transverses/v1/recuperer/cadrefacturation", {"typeDemandePaiement": "FACTURE_TRAVAUX"}
    ).json()
    assert travaux["codeRetour"] == 20000


@pytest.mark.parametrize(
    ("path", "key", "item"),
    [
        (
            "tauxtva",
            "listeTauxTva",
            {
                "codeTauxTva": "TVA20",
                "libelleTauxTva": "TVA 20 % (taux normal)",
                "valeurTauxTva": 20.0,
            },
        ),
        ("pays", "listePays", {"codePays": "FR", "libellePays": "France"}),
        ("modereglements", "listeModePaiement", {"modePaiement": "VIREMENT"}),
        ("modedepot", "listeModeDepot", {"modeDepot": "SAISIE_API"}),
        ("typedp", "listeTypeDemandePaiement", {"typeDemandePaiement": "FACTURE"}),
        (
            "typeidentifiant/structure",
            "listeTypeIdentifiant",
            {"typeIdentifiantStructure": "SIRET"},
        ),
        ("formatflux", "listeFormatFlux", {"formatFlux": "IN_DP_E2_FACTURX"}),
        ("etat/typedp", "listeEtatDemandePaiement", {"etatDemandePaiement": "BROUILLON"}),
        (
            "motifs/exonerationtva",
            "listeMotifsExonerationTva",
            {
                "codeMotifExonerationTva": "FRANCHISE_293B",
                "libelleMotifExonerationTva": (
                    "TVA non applicable, art. 293 B du CGI (franchise en base)"
                ),
            },
        ),
    ],
)
def test_code_lists_use_the_reference_field_names(api, path, key, item):
    body = api.post(f"transverses/v1/recuperer/{path}", {"codeLangue": "fr"}).json()
    assert body["codeRetour"] == 0
    assert body["libelle"] == "TRA_MSG_00.000"
    assert item in body[key]


def test_types_pj_filter_by_object_type(api):
    body = api.post("transverses/v1/recuperer/typespj", {"typeObjet": "FACTURE"}).json()
    first = body["listeTypePieceJointe"][0]
    assert set(first) == {
        "idTypePieceJointe",
        "codeTypePieceJointe",
        "libelleTypePieceJointe",
        "typeObjet",
    }
    other = api.post("transverses/v1/recuperer/typespj", {"typeObjet": "SOLLICITATION"}).json()
    assert other["codeRetour"] == 20000


def test_motifs_refus_a_valider_only_for_a9_and_a12(api):
    a9 = api.post(
        "transverses/v1/recuperer/motifs/refus/Facture/AValider",
        {"codeCadreFacturationAValider": "A9_FACTURE_SOUSTRAITANT"},
    ).json()
    assert {"idMotif", "codeMotif", "libelleMotif"} == set(a9["listeMotifRefusFactureAValider"][0])
    a1 = api.post(
        "transverses/v1/recuperer/motifs/refus/Facture/AValider",
        {"codeCadreFacturationAValider": "A1_FACTURE_FOURNISSEUR"},
    ).json()
    assert a1["codeRetour"] == 20000


def test_structures_actives_are_the_accounts_own(api, supplier_structure, state):
    fournisseur = api.post("transverses/v1/recuperer/structures/actives/fournisseur", {}).json()
    assert fournisseur["listeStructures"] == [
        {
            "idStructureCPP": supplier_structure.pk,
            "identifiant": supplier_structure.identifier,
            "designationStructure": supplier_structure.name,
        }
    ]
    destinataire = api.post("transverses/v1/recuperer/structures/actives/destinataire", {}).json()
    assert destinataire["codeRetour"] == 20000


def test_structures_actives_destinataire_for_a_public_account(state_api, state):
    body = state_api.post("transverses/v1/recuperer/structures/actives/destinataire", {}).json()
    assert [s["idStructureCPP"] for s in body["listeStructures"]] == [state.pk]


def test_rechercher_destinataire_by_siret_prefix(api, state):
    body = api.post("transverses/v1/rechercher/destinataire", {"identifiant": "110002011"}).json()
    assert body["listeDestinataires"][0]["siret"] == "11000201100044"
    assert body["parametresRetour"]["total"] == 1
    private = api.post("transverses/v1/rechercher/destinataire", {"typeStructure": "PRIVEE"})
    assert private.json()["codeRetour"] == 20000


# utilisateurs/v1 ----------------------------------------------------------------------------------


def test_rattachements_are_only_the_accounts_own(api, supplier_structure, supplier_account):
    MembershipFactory(structure=StructureFactory())  # another user's attachment
    pending = StructureFactory(name="ZZ en attente")
    MembershipFactory(
        user=supplier_account.user,
        structure=pending,
        status=MembershipStatus.EN_COURS_DE_VALIDATION,
    )
    body = api.post("utilisateurs/v1/monCompte/recuperer/rattachements", {}).json()
    assert body["codeRetour"] == 0
    got = [
        (r["idStructure"], r["statutRattachementStructure"])
        for r in body["listeStructureRattachement"]
    ]
    assert got == [(supplier_structure.pk, "VALIDEE"), (pending.pk, "EN_COURS_DE_VALIDATION")]
    assert body["parametresRetour"]["total"] == 2


def test_rattachements_list_the_services_of_a_public_structure(state_api, state):
    service = ServiceFactory(structure=state, code="SERVICE_DEMO")
    body = state_api.post("utilisateurs/v1/monCompte/recuperer/rattachements", {}).json()
    services = body["listeStructureRattachement"][0]["listeServicesRattache"]
    assert services[0]["idService"] == service.pk
    assert services[0]["statutRattachementService"] == "VALIDEE"


# engagementsJuridiques/v1 ------------------------------------------------------------------------


def test_ej_search_by_number_and_recipient(api, state, supplier_structure):
    EngagementJuridiqueFactory(
        structure=state, number="1000000001", supplier_siret=supplier_structure.identifier
    )
    EngagementJuridiqueFactory(structure=StructureFactory(public=True), number="1000000001")
    body = api.post(
        "engagementsJuridiques/v1/rechercher",
        {
            "structureReceptriceEngagementJuridique": str(state.pk),
            "numeroEngagementJuridique": "1000000001",
            "etatCourantEngagementJuridique": "COMMANDE",
        },
    ).json()
    assert body["codeRetour"] == 0
    [ej] = body["listeEngagementJuridique"]
    assert ej["numeroEngagementJuridique"] == "1000000001"
    assert ej["structureReceptriceEngagementJuridique"] == str(state.pk)
    assert ej["identifiantFournisseur"] == supplier_structure.identifier


def test_ej_issued_to_another_supplier_is_hidden_but_visible_to_the_recipient(
    api, state_api, state
):
    EngagementJuridiqueFactory(
        structure=state, number="2000000002", supplier_siret="80000000000001"
    )
    payload = {
        "structureReceptriceEngagementJuridique": str(state.pk),
        "numeroEngagementJuridique": "2000000002",
    }
    assert api.post("engagementsJuridiques/v1/rechercher", payload).json()["codeRetour"] == 20000
    seen = state_api.post("engagementsJuridiques/v1/rechercher", payload).json()
    assert len(seen["listeEngagementJuridique"]) == 1


def test_ej_search_rejects_a_non_integer_structure(api):
    response = api.post(
        "engagementsJuridiques/v1/rechercher", {"structureReceptriceEngagementJuridique": "abc"}
    )
    assert response.status_code == 400
    assert "structureReceptriceEngagementJuridique" in response.json()["libelle"]


def test_referentiel_endpoints_need_both_headers(client, state):
    response = client.post(
        "/cpro/structures/v1/rechercher", data="{}", content_type="application/json"
    )
    assert response.status_code == 401
