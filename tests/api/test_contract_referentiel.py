"""Contract tests: the exact payloads of the public clients (chorus-pro.md §8) replayed against the
demo data set, asserting the fields each client parses."""

import io

import pytest
from django.core.management import call_command

from structures.demo import STATE_SIRET, SUPPLIER_SIRET
from structures.models import CompanyRecord, Structure
from tests.api.conftest import CproClient, get_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def supplier(client, demo) -> CproClient:
    return CproClient(client, get_token(client)["access_token"], "tech-fournisseur", "sandbox")


@pytest.fixture
def etat(client, demo) -> CproClient:
    return CproClient(client, get_token(client)["access_token"], "tech-etat", "sandbox")


def _state_id() -> int:
    return Structure.objects.get(identifier=STATE_SIRET).pk


# OCA l10n_fr_chorus_account (§8.1) ----------------------------------------------------------------


def test_oca_identifies_the_partner_with_exactly_one_structure(supplier):
    response = supplier.post(
        "structures/v1/rechercher",
        {"structure": {"identifiantStructure": STATE_SIRET, "typeIdentifiantStructure": "SIRET"}},
    )
    assert response.status_code == 200
    answer = response.json()
    assert len(answer["listeStructures"]) == 1
    assert answer["listeStructures"][0]["idStructureCPP"] == _state_id()


def test_oca_reads_the_required_info_flags(supplier):
    answer = supplier.post("structures/v1/consulter", {"idStructureCPP": _state_id()}).json()
    parametres = answer["parametres"]
    # OCA derives service_and_engagement for the State (both flags, no "or" flag).
    assert parametres["gestionNumeroEJOuCodeService"] is False
    assert parametres["codeServiceDoitEtreRenseigne"] is True
    assert parametres["numeroEJDoitEtreRenseigne"] is True


def test_oca_syncs_services_and_their_ej_flag(supplier):
    answer = supplier.post(
        "structures/v1/rechercher/services",
        {
            "idStructure": _state_id(),
            "parametresRechercherServicesStructure": {"nbResultatsParPage": 10000},
        },
    ).json()
    assert answer["codeRetour"] == 0
    services = {s["codeService"]: s for s in answer["listeServices"]}
    demo_service = services["SERVICE_DEMO"]
    assert demo_service["estActif"] is True
    assert demo_service["libelleService"]
    id_service = int(demo_service["idService"])
    detail = supplier.post(
        "structures/v1/consulter/service", {"idStructure": _state_id(), "idService": id_service}
    ).json()
    assert detail["codeRetour"] == 0
    assert detail["parametres"]["numeroEngagement"] is True


def test_oca_checks_the_demo_ej(supplier):
    answer = supplier.post(
        "engagementsJuridiques/v1/rechercher",
        {
            "structureReceptriceEngagementJuridique": str(_state_id()),
            "numeroEngagementJuridique": "1000000001",
            "etatCourantEngagementJuridique": "COMMANDE",
        },
    ).json()
    assert len(answer["listeEngagementJuridique"]) == 1
    assert answer["listeEngagementJuridique"][0]["identifiantFournisseur"] == SUPPLIER_SIRET
    unknown = supplier.post(
        "engagementsJuridiques/v1/rechercher",
        {
            "structureReceptriceEngagementJuridique": str(_state_id()),
            "numeroEngagementJuridique": "9999999999",
            "etatCourantEngagementJuridique": "COMMANDE",
        },
    )
    assert unknown.status_code == 200
    assert unknown.json()["listeEngagementJuridique"] == []


# CNF chorus-api (§8.2) ----------------------------------------------------------------------------


def test_cnf_structure_calls(supplier):
    found = supplier.post(
        "structures/v1/rechercher",
        {"structure": {"identifiantStructure": STATE_SIRET, "typeIdentifiantStructure": "SIRET"}},
    ).json()
    id_cpp = found["listeStructures"][0]["idStructureCPP"]
    services = supplier.post("structures/v1/rechercher/services", {"idStructure": id_cpp})
    assert services.status_code == 200
    assert services.json().get("listeServices")
    consulted = supplier.post(
        "structures/v1/consulter", {"codeLangue": "fr", "idStructureCPP": id_cpp}
    )
    assert consulted.status_code == 200
    assert consulted.json().get("parametres", {}).get("aMoa") is False
    assert consulted.json()["informationGenerales"]["identifiantStructure"] == STATE_SIRET


def test_cnf_transverse_calls(supplier):
    record = CompanyRecord.objects.first()
    siret = supplier.post(
        "transverses/v1/consulter/information/siret", {"siretStructure": record.siret}
    )
    assert siret.status_code == 200
    assert siret.json().get("raisonSociale") == record.name
    annuaire = supplier.post("transverses/v1/telecharger/annuaire/destinataire", {})
    assert annuaire.status_code == 200
    assert annuaire.json().get("fichierResultat")
    devises = supplier.post("transverses/v1/recuperer/devises", {"codeLangue": "FR"})
    assert devises.json().get("listeDevises")


# PAS Pastell, recipient side (§8.3) ---------------------------------------------------------------


def test_pas_connectivity_test_and_recipient_structures(etat):
    tva = etat.post("transverses/v1/recuperer/tauxtva", {})
    assert tva.status_code == 200
    assert tva.json()["codeRetour"] == 0
    actives = etat.post("transverses/v1/recuperer/structures/actives/destinataire", {}).json()
    assert [s["identifiant"] for s in actives["listeStructures"]] == [STATE_SIRET]


def test_pas_structure_search_and_services(etat):
    found = etat.post(
        "structures/v1/rechercher",
        {"structure": {"identifiantStructure": STATE_SIRET}, "restreindreStructuresPrivees": False},
    ).json()
    assert found["listeStructures"][0]["identifiantStructure"] == STATE_SIRET
    services = etat.post("structures/v1/rechercher/services", {"idStructure": _state_id()}).json()
    assert "SERVICE_DEMO" in {s["codeService"] for s in services["listeServices"]}


def test_pas_status_choices_for_an_available_invoice(etat):
    answer = etat.post(
        "transverses/v1/recuperer/etats/traitement", {"statutCourant": "MISE_A_DISPOSITION"}
    ).json()
    statuts = {
        s["statutPossiblePourTraitement"] for s in answer["listeStatutsPossiblesPourTraitement"]
    }
    # The official example's list, plus SERVICE_FAIT that PAS offers.
    assert statuts == {
        "MISE_A_DISPOSITION",
        "SUSPENDUE",
        "REJETEE",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
        "COMPTABILISEE",
        "MISE_A_DISPOSITION_COMPTABLE",
        "A_RECYCLER",
        "SERVICE_FAIT",
    }


# TJM, OSI, GO (§8.4) ------------------------------------------------------------------------------


def test_tjm_reads_total_then_the_first_structure(supplier):
    answer = supplier.post(
        "structures/v1/rechercher",
        {"structure": {"identifiantStructure": STATE_SIRET, "typeIdentifiantStructure": "SIRET"}},
    ).json()
    assert answer["parametresRetour"]["total"] == 1
    assert isinstance(answer["listeStructures"][0]["idStructureCPP"], int)


def test_go_sends_id_structure_to_consulter_and_id_utilisateur_to_services(supplier):
    consulted = supplier.post(
        "structures/v1/consulter", {"codeLangue": "FR", "idStructure": _state_id()}
    ).json()
    assert consulted["informationGenerales"]["idStructureCPP"] == _state_id()
    services = supplier.post(
        "structures/v1/rechercher/services",
        {
            "idUtilisateurCourant": 0,
            "idStructure": _state_id(),
            "parametresRechercherServicesStructure": {
                "nbResultatsParPage": 2,
                "pageResultatDemandee": 1,
                "triColonne": "CodeService",
                "triSense": "Descendant",
            },
        },
    ).json()
    assert services["parametresRetour"]["nbResultatsParPage"] == 2
    codes = [s["codeService"] for s in services["listeServices"]]
    assert codes == sorted(codes, reverse=True)


def test_go_cadres_and_rattachements(supplier):
    cadres = supplier.post(
        "transverses/v1/recuperer/cadrefacturation", {"typeDemandePaiement": "FACTURE"}
    ).json()
    assert len(cadres["listeCadreFacturation"]) == 4
    rattachements = supplier.post(
        "utilisateurs/v1/monCompte/recuperer/rattachements",
        {"parametresRecherche": {"nbResultatsParPage": 10, "pageResultatDemandee": 1}},
    ).json()
    [own] = rattachements["listeStructureRattachement"]
    assert own["identifiantStructure"] == SUPPLIER_SIRET
    assert own["statutRattachementStructure"] == "VALIDEE"
    assert set(rattachements["parametresRetour"]) == {
        "pageCourante",
        "pages",
        "nbResultatsParPage",
        "total",
    }
