# ruff: noqa: F811  (pytest fixtures imported from test_factures are redefined as arguments)
"""Contract tests: the exact payloads the public clients send (chorus-pro.md §8) and the fields
they parse, plus the full cycle through the API alone and the portal ⇄ API visibility."""

import base64
import hashlib

import pytest
from django.core.files.base import ContentFile

from invoices.choices import InvoiceStatus
from invoices.models import Flux, Invoice
from invoices.selectors import invoice_list_issued, invoice_list_received
from tests.api.test_factures import (  # noqa: F401 (fixtures)
    b64,
    blank_pdf,
    recipient_account,
    recipient_api,
    recipient_structure,
    saisie_payload,
    submit,
    supplier_ready,
)
from tests.factories import MembershipFactory, UserFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db


def flux_of(invoice: Invoice) -> Flux:
    """A deposit flow holding `invoice` (deposer/flux itself belongs to the flux work)."""
    content = b"<Invoice/>"
    flux = Flux.objects.create(
        supplier=invoice.supplier,
        syntax="IN_DP_E2_CII_FACTURX",
        file=ContentFile(content, name="flux.xml"),
        filename="flux.xml",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    flux.invoices.add(invoice)
    return flux


# OCA (Odoo l10n_fr_chorus_*) ---------------------------------------------------------------------
def test_oca_finds_invoice_ids_by_flow_number(submit, api):
    invoice = submit(number="INV-2024-0001")
    submit(number="INV-2024-0002")
    flux = flux_of(invoice)
    response = api.post("factures/v1/rechercher/fournisseur", {"numeroFluxDepot": flux.numero})
    assert response.status_code == 200
    answer = response.json()
    [item] = answer["listeFactures"]
    assert item["numeroFacture"] == "INV-2024-0001"
    assert isinstance(item["identifiantFactureCPP"], int)
    assert item["statut"] == "MISE_A_DISPOSITION"
    assert item["numeroFluxDepot"] == flux.numero


def test_oca_polls_the_status_through_consulter_historique(submit, api):
    invoice = submit()
    response = api.post("factures/v1/consulter/historique", {"idFacture": invoice.pk})
    assert response.status_code == 200
    answer = response.json()
    assert answer["idFacture"] == invoice.pk
    assert answer["statutCourantCode"] == "MISE_A_DISPOSITION"


# CNF (chorus-api, Python) ------------------------------------------------------------------------
def test_cnf_rechercher_facture_with_type_facture(submit, api):
    invoice = submit()
    flux = flux_of(invoice)
    answer = api.post(
        "factures/v1/rechercher/fournisseur",
        {"numeroFluxDepot": flux.numero, "typeFacture": "FACTURE"},
    ).json()
    assert answer["codeRetour"] == 0
    assert answer["listeFactures"][0]["identifiantFactureCPP"] == invoice.pk
    assert answer["parametresRetour"]["total"] == 1


# PAS (Pastell) recipient side --------------------------------------------------------------------
def test_pas_recipient_search_loops_on_pages_and_reads_its_fields(submit, recipient_api):
    ids = {submit(number=f"PAS-{n}").pk for n in range(3)}
    seen, page = set(), 1
    while True:
        answer = recipient_api.post(
            "factures/v1/rechercher/recipiendaire",
            {
                "typeDemandePaiement": "FACTURE",
                "paramRecherche": {
                    "nbResultatsParPage": 2,
                    "pageResultatDemandee": page,
                    "nbResultatsMaximum": 999999,
                },
                "periodeDateHeureEtatCourantAu": "2999-12-31T23:59:59",
            },
        ).json()
        for item in answer["listeFactures"]:
            for key in (
                "idFacture",
                "codeFournisseur",
                "idDestinataire",
                "codeDestinataire",
                "typeIdentifiantFournisseur",
                "designationFournisseur",
                "idServiceExecutant",
                "codeServiceExecutant",
                "typeFacture",
                "numeroFacture",
                "dateFacture",
                "dateDepot",
                "dateHeureEtatCourant",
                "montantTTC",
                "statut",
            ):
                assert key in item
            seen.add(item["idFacture"])
        if answer["pageCourante"] >= answer["pages"]:
            break
        page += 1
    assert seen == ids
    assert page == 2


def test_pas_history_download_and_status_change(submit, recipient_api):
    invoice = submit()
    history = recipient_api.post(
        "factures/v1/consulter/historique", {"idFacture": invoice.pk, "nbResultatsMaximum": 50}
    ).json()
    assert history["statutCourantCode"] == "MISE_A_DISPOSITION"
    codes = [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]]
    assert codes[0] == "MISE_A_DISPOSITION"
    assert "DEPOSEE" in codes
    download = recipient_api.post(
        "factures/v1/telecharger/groupe",
        {"format": "PIVOT", "listeFacture": [{"idFacture": invoice.pk}]},
    ).json()
    assert base64.b64decode(download["fichierResultat"])[:2] == b"PK"
    answer = recipient_api.post(
        "factures/v1/traiter/recue",
        {
            "idFacture": invoice.pk,
            "nouveauStatut": "SERVICE_FAIT",
            "motif": "",
            "numeroDPMandat": "",
        },
    ).json()
    assert answer["codeRetour"] == 0
    assert answer["idFacture"] == invoice.pk
    assert answer["numeroFacture"] == invoice.number
    assert answer["nouveauStatut"] == "SERVICE_FAIT"
    assert len(answer["dateTraitement"]) == 10


def test_pas_refused_transition_body(submit, recipient_api):
    invoice = submit()
    response = recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "EN_COURS_ACHEMINEMENT", "motif": "x"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["codeRetour"] == 20002
    assert body["libelle"].startswith("Incohérence au niveau du statut")


# PAS supplier side, BIMP, GO: PDF deposits ------------------------------------------------------
def test_pas_deposer_pdf_then_soumettre_depot_pdf_api(
    api, supplier_ready, recipient_structure, django_capture_on_commit_callbacks
):
    deposit = api.post(
        "factures/v1/deposer/pdf",
        {"fichierFacture": b64(blank_pdf()), "nomFichier": "facture.pdf", "formatDepot": "PDF"},
    ).json()
    assert deposit["codeRetour"] == 0
    payload = {
        "modeDepot": "DEPOT_PDF_API",
        "destinataire": {
            "codeDestinataire": recipient_structure.siret,
            "codeServiceExecutant": "DIRINFRA",
        },
        "fournisseur": {"idFournisseur": api_structure_id(api)},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "modePaiement": "VIREMENT",
        },
        "numeroFactureSaisi": "PAS-PDF-1",
        "dateFacture": "2024-01-15",
        "pieceJointePrincipale": [
            {
                "pieceJointePrincipaleDesignation": "ma facture",
                "pieceJointePrincipaleId": deposit["pieceJointeId"],
            }
        ],
        "montantTotal": {
            "montantHtTotal": 100,
            "montantTVA": 20,
            "montantTtcTotal": 120,
            "montantAPayer": 120,
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("factures/v1/soumettre", payload).json()
    assert answer["codeRetour"] == 0
    assert answer["libelle"] == "GCU_MSG_01_000"
    assert answer["statutFacture"] == "DEPOSEE"
    invoice = Invoice.objects.get(pk=answer["identifiantFactureCPP"])
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.deposit_mode == "DEPOT_PDF_API"
    found = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": "PAS-PDF-1"}).json()
    assert found["listeFactures"][0]["identifiantFactureCPP"] == invoice.pk


def api_structure_id(api) -> int:
    from api.models import TechnicalAccount

    return TechnicalAccount.objects.get(login="tech-fournisseur").structure_id


def test_bimp_ajouter_fichier_then_soumettre_a2_with_an_object_main_piece(
    api, supplier_ready, recipient_structure
):
    added = api.post(
        "transverses/v1/ajouter/fichier",
        {
            "idUtilisateurCourant": 0,
            "pieceJointeFichier": b64(blank_pdf()),
            "pieceJointeNom": "FA2401-0001.pdf",
            "pieceJointeTypeMime": "application/pdf",
            "pieceJointeExtension": "PDF",
        },
    ).json()
    assert added["codeRetour"] == 0
    assert isinstance(added["pieceJointeId"], int)
    payload = saisie_payload(
        recipient_structure.siret,
        number="FA2401-0001",
        modeDepot="DEPOT_PDF_API",
        cadreDeFacturation={"codeCadreFacturation": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"},
        pieceJointePrincipale={"pieceJointePrincipaleId": added["pieceJointeId"]},
    )
    answer = api.post("factures/v1/soumettre", payload).json()
    assert answer["codeRetour"] == 0, answer
    assert Invoice.objects.get(pk=answer["identifiantFactureCPP"]).cadre == (
        "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"
    )


# TJM / OSI / GO / zmog --------------------------------------------------------------------------
def test_tjm_soumettre_saisie_api_official_example_shape(api, supplier_ready, recipient_structure):
    payload = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": None,
        "idUtilisateurCourant": 0,
        "destinataire": {
            "codeDestinataire": recipient_structure.siret,
            "codeServiceExecutant": "DIRINFRA",
        },
        "fournisseur": {
            "idFournisseur": api_structure_id(api),
            "idServiceFournisseur": None,
            "codeCoordonneesBancairesFournisseur": None,
        },
        "cadreDeFacturation": {
            "codeCadreFacturation": "A1_FACTURE_FOURNISSEUR",
            "codeStructureValideur": None,
        },
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "motifExonerationTva": None,
            "numeroMarche": "VABFM001",
            "numeroBonCommande": None,
            "numeroFactureOrigine": None,
            "modePaiement": "ESPECE",
        },
        "lignePoste": [
            {
                "lignePosteNumero": 1,
                "lignePosteReference": "R1",
                "lignePosteDenomination": "D1",
                "lignePosteQuantite": 10,
                "lignePosteUnite": "lot",
                "lignePosteMontantUnitaireHT": 50.0,
                "lignePosteMontantRemiseHT": None,
                "lignePosteTauxTva": "TVA5",
                "lignePosteTauxTvaManuel": None,
            }
        ],
        "ligneTva": [
            {
                "ligneTvaTauxManuel": 5.5,
                "ligneTvaTaux": None,
                "ligneTvaMontantBaseHtParTaux": 500.0,
                "ligneTvaMontantTvaParTaux": 27.5,
            }
        ],
        "montantTotal": {
            "montantHtTotal": 500.0,
            "montantTVA": 27.5,
            "montantTtcTotal": 527.5,
            "montantRemiseGlobaleTTC": 0,
            "motifRemiseGlobaleTTC": None,
            "montantAPayer": 527.5,
            "acompte": None,
        },
        "commentaire": "Création_VABF_SoumettreFacture",
    }
    answer = api.post("factures/v1/soumettre", payload).json()
    assert answer["codeRetour"] == 0, answer
    # OSI requires identifiantFactureCPP; TJM then consults the invoice.
    facture = api.post(
        "factures/v1/consulter/fournisseur",
        {"identifiantFactureCPP": answer["identifiantFactureCPP"]},
    ).json()["facture"]
    assert facture["numeroFacture"] == answer["numeroFacture"]
    assert facture["montantTotal"]["montantTVA"] == 27.5
    assert facture["commentaire"] == "Création_VABF_SoumettreFacture"


def test_zmog_history_payload(submit, api):
    invoice = submit()
    answer = api.post(
        "factures/v1/consulter/historique",
        {
            "idUtilisateurCourant": 0,
            "idFacture": invoice.pk,
            "idEspace": 0,
            "nbResultatsMaximum": 10,
        },
    ).json()
    assert answer["codeRetour"] == 0
    assert answer["numeroFacture"] == invoice.number


def test_go_recycler_with_reference_object(
    submit, api, recipient_api, django_capture_on_commit_callbacks
):
    invoice = submit()
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "A_RECYCLER", "motif": "EJ manquant"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            "factures/v1/recycler",
            {
                "identifiantFactureCPP": invoice.pk,
                "reference": {"numeroBonCommande": "EJ-77"},
                "commentaire": "EJ ajouté",
                "idUtilisateurCourant": 0,
            },
        ).json()
    assert answer["codeRetour"] == 0
    invoice.refresh_from_db()
    assert invoice.ej_number == "EJ-77"


# Full cycle and portal visibility ---------------------------------------------------------------
def test_full_cycle_through_the_api(submit, api, recipient_api, recipient_account):
    invoice = submit(number="CYCLE-1")
    found = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": "CYCLE-1"}).json()
    assert found["listeFactures"][0]["identifiantFactureCPP"] == invoice.pk
    received = recipient_api.post(
        "factures/v1/rechercher/recipiendaire", {"statutCourant": ["MISE_A_DISPOSITION"]}
    ).json()
    assert [i["idFacture"] for i in received["listeFactures"]] == [invoice.pk]
    paid = recipient_api.post(
        "factures/v1/traiter/recue", {"idFacture": invoice.pk, "nouveauStatut": "MISE_EN_PAIEMENT"}
    ).json()
    assert paid["nouveauStatut"] == "MISE_EN_PAIEMENT"
    history = api.post("factures/v1/consulter/historique", {"idFacture": invoice.pk}).json()
    assert history["statutCourantCode"] == "MISE_EN_PAIEMENT"
    latest = history["historiquesDesStatuts"]["histoStatut"][0]
    assert latest["histoStatutCode"] == "MISE_EN_PAIEMENT"
    assert latest["histoStatutUtilisateurNom"] == recipient_account.user.last_name
    assert len(latest["histoStatutDatePassage"]) == len("2026-01-01 12:00")


def test_api_invoice_is_visible_in_the_portal(submit, supplier_structure, recipient_structure):
    invoice = submit()
    supplier_user, recipient_user = UserFactory(), UserFactory()
    MembershipFactory(user=supplier_user, structure=supplier_structure)
    MembershipFactory(user=recipient_user, structure=recipient_structure)
    assert invoice in invoice_list_issued(user=supplier_user)
    assert invoice in invoice_list_received(user=recipient_user)


def test_portal_invoice_is_found_by_the_api(
    api, recipient_api, supplier_ready, supplier_structure, recipient_structure
):
    invoice = make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=supplier_structure,
        recipient=recipient_structure,
        recipient_siret=recipient_structure.siret,
        number="PORTAIL-1",
    )
    issued = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": "PORTAIL-1"}).json()
    assert issued["listeFactures"][0]["identifiantFactureCPP"] == invoice.pk
    received = recipient_api.post("factures/v1/rechercher/recipiendaire", {}).json()
    assert received["listeFactures"][0]["idFacture"] == invoice.pk
