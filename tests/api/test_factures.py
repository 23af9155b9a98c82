"""`/cpro/factures/v1/*`: deposits, searches, consultation, recipient and supplier processing."""

import base64
import io
import zipfile

import pikepdf
import pytest
from django.conf import settings
from django.test import override_settings

from accounts.choices import LegalDocument
from accounts.models import TermsAcceptance
from api.models import ApiFile, IdempotencyRecord
from api.services import technical_account_create
from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from tests.api.conftest import CproClient, get_token
from tests.factories import ServiceFactory, StructureFactory
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db


def accept_terms(user) -> None:
    """Technical accounts accept the terms when created; kept to state the precondition."""
    for document, version in (
        (LegalDocument.CGU, settings.CHORUS_CGU_VERSION),
        (LegalDocument.MANDAT_FACTURATION, settings.CHORUS_MANDATE_VERSION),
    ):
        TermsAcceptance.objects.get_or_create(user=user, document=document, version=version)


def blank_pdf() -> bytes:
    buffer = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(buffer)
    return buffer.getvalue()


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


@pytest.fixture
def supplier_ready(supplier_account):
    accept_terms(supplier_account.user)
    return supplier_account


@pytest.fixture
def recipient_structure(db):
    structure = StructureFactory(public=True, name="Mairie de l'API")
    ServiceFactory(structure=structure, code="DIRINFRA", label="Direction informatique")
    return structure


@pytest.fixture
def recipient_account(recipient_structure):
    return technical_account_create(
        structure=recipient_structure, login="tech-etat", password="sandbox"
    )


@pytest.fixture
def recipient_api(client, api, recipient_account) -> CproClient:
    return CproClient(client, get_token(client)["access_token"], "tech-etat", "sandbox")


def saisie_payload(recipient_siret: str, *, number: str | None = "F-API-001", **extra) -> dict:
    payload = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": number,
        "idUtilisateurCourant": 0,
        "destinataire": {"codeDestinataire": recipient_siret, "codeServiceExecutant": "DIRINFRA"},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "numeroBonCommande": None,
            "modePaiement": "VIREMENT",
        },
        "lignePoste": [
            {
                "lignePosteNumero": 1,
                "lignePosteReference": "R1",
                "lignePosteDenomination": "Prestation de conseil",
                "lignePosteQuantite": 10,
                "lignePosteUnite": "lot",
                "lignePosteMontantUnitaireHT": 50.0,
                "lignePosteTauxTva": "TVA20",
            }
        ],
        "montantTotal": {"montantHtTotal": 500.0, "montantTVA": 100.0, "montantTtcTotal": 600.0},
    }
    payload.update(extra)
    return payload


@pytest.fixture
def submit(api, supplier_ready, recipient_structure, django_capture_on_commit_callbacks):
    """Submit an invoice by API and run its routing (Celery is eager in tests)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                "factures/v1/soumettre", saisie_payload(recipient_structure.siret, **kwargs)
            )
        assert response.status_code == 200, response.json()
        return Invoice.objects.get(pk=response.json()["identifiantFactureCPP"])

    return run


# soumettre ---------------------------------------------------------------------------------------
def test_soumettre_saisie_api_deposits_the_invoice_with_the_depot_envelope(
    api, supplier_ready, recipient_structure, supplier_structure
):
    response = api.post("factures/v1/soumettre", saisie_payload(recipient_structure.siret))
    assert response.status_code == 200
    body = response.json()
    assert body["codeRetour"] == 0
    assert body["libelle"] == "GCU_MSG_01_000"
    assert isinstance(body["identifiantFactureCPP"], int)
    assert body["numeroFacture"] == "F-API-001"
    assert body["statutFacture"] == "DEPOSEE"
    assert len(body["dateDepot"]) == 10
    assert body["identifiantStructure"] == supplier_structure.identifier
    invoice = Invoice.objects.get(pk=body["identifiantFactureCPP"])
    assert invoice.supplier == supplier_structure
    assert invoice.deposit_mode == "SAISIE_API"
    assert str(invoice.total_gross) == "600.00"
    assert invoice.created_by == supplier_ready.user


def test_soumettre_routes_the_invoice_to_the_recipient(submit, recipient_structure):
    invoice = submit()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
    assert invoice.recipient == recipient_structure
    assert invoice.service.code == "DIRINFRA"


def test_soumettre_without_number_lets_chorus_number_the_invoice(
    api, supplier_ready, recipient_structure
):
    body = api.post(
        "factures/v1/soumettre", saisie_payload(recipient_structure.siret, number=None)
    ).json()
    assert body["codeRetour"] == 0
    assert len(body["numeroFacture"]) == 20
    assert body["numeroFacture"].isdigit()


def test_soumettre_with_inconsistent_totals_is_refused_and_creates_nothing(
    api, supplier_ready, recipient_structure
):
    payload = saisie_payload(recipient_structure.siret)
    payload["montantTotal"]["montantHtTotal"] = 999.0
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20303
    assert "montantHtTotal" in response.json()["libelle"]
    assert not Invoice.objects.exists()


def test_soumettre_unknown_mode_names_the_field(api, supplier_ready, recipient_structure):
    payload = saisie_payload(recipient_structure.siret, modeDepot="FAX")
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "modeDepot" in response.json()["libelle"]


def test_soumettre_for_another_supplier_id_is_refused(api, supplier_ready, recipient_structure):
    payload = saisie_payload(recipient_structure.siret, fournisseur={"idFournisseur": 999999})
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "idFournisseur" in response.json()["libelle"]
    assert not Invoice.objects.exists()


def test_soumettre_same_number_twice_is_a_duplicate(api, supplier_ready, recipient_structure):
    payload = saisie_payload(recipient_structure.siret)
    assert api.post("factures/v1/soumettre", payload).status_code == 200
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20013
    assert Invoice.objects.count() == 1


def test_technical_accounts_accept_the_terms_when_created(supplier_account):
    documents = set(supplier_account.user.terms_acceptances.values_list("document", flat=True))
    assert documents == set(LegalDocument.values)


def test_soumettre_without_accepted_terms_is_a_business_error(
    api, supplier_account, recipient_structure
):
    TermsAcceptance.objects.filter(user=supplier_account.user).delete()  # a newer version, say
    response = api.post("factures/v1/soumettre", saisie_payload(recipient_structure.siret))
    assert response.status_code == 400
    assert "CGU" in response.json()["libelle"]
    assert not Invoice.objects.exists()


def test_soumettre_reads_keys_case_insensitively_and_a_vat_rate_in_manual(
    api, supplier_ready, recipient_structure
):
    payload = saisie_payload(recipient_structure.siret)
    line = payload["lignePoste"][0]
    del line["lignePosteTauxTva"]
    line["LignePosteTauxTvaManuel"] = 10
    payload["montantTotal"] = {"montantHtTotal": 500.0, "montantTVA": 50.0}
    payload = {key[0].upper() + key[1:]: value for key, value in payload.items()}
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 200, response.json()
    invoice = Invoice.objects.get()
    assert str(invoice.total_vat) == "50.00"


# Idempotency-Key ---------------------------------------------------------------------------------
def test_same_idempotency_key_and_body_replays_the_answer_with_one_invoice(
    api, supplier_ready, recipient_structure
):
    payload = saisie_payload(recipient_structure.siret)
    first = api.post("factures/v1/soumettre", payload, **{"Idempotency-Key": "k-1"})
    second = api.post("factures/v1/soumettre", payload, **{"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_refused(
    api, supplier_ready, recipient_structure
):
    api.post(
        "factures/v1/soumettre",
        saisie_payload(recipient_structure.siret),
        **{"Idempotency-Key": "k-2"},
    )
    response = api.post(
        "factures/v1/soumettre",
        saisie_payload(recipient_structure.siret, number="F-API-002"),
        **{"Idempotency-Key": "k-2"},
    )
    assert response.status_code == 422
    assert response.json()["codeRetour"] == 422
    assert "Idempotency-Key" in response.json()["libelle"]
    assert Invoice.objects.count() == 1


def test_a_business_error_under_an_idempotency_key_is_replayed_too(
    api, supplier_ready, recipient_structure
):
    payload = saisie_payload(recipient_structure.siret, modeDepot="FAX")
    first = api.post("factures/v1/soumettre", payload, **{"Idempotency-Key": "k-3"})
    second = api.post("factures/v1/soumettre", payload, **{"Idempotency-Key": "k-3"})
    assert first.status_code == second.status_code == 400
    assert first.json() == second.json()


# deposer/pdf, ajouter/fichier, DEPOT_PDF_API -----------------------------------------------------
def test_deposer_pdf_answers_a_piece_jointe_id(api, supplier_ready):
    response = api.post(
        "factures/v1/deposer/pdf",
        {"fichierFacture": b64(blank_pdf()), "nomFichier": "facture.pdf", "formatDepot": "PDF"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["libelle"] == "GCU_MSG_01_000"
    api_file = ApiFile.objects.get(pk=body["pieceJointeId"])
    assert api_file.invoice.status == InvoiceStatus.BROUILLON
    assert "montantHtTotal" in body


@pytest.mark.parametrize("limit", [2621440, 20 * 1024 * 1024])
def test_deposer_pdf_over_10_mb_is_413_whatever_the_request_limit(api, supplier_ready, limit):
    content = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 10)
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=limit):
        response = api.post(
            "factures/v1/deposer/pdf", {"fichierFacture": b64(content), "nomFichier": "gros.pdf"}
        )
    assert response.status_code == 413
    assert response.json()["codeRetour"] == 413


def test_deposer_pdf_refuses_a_file_that_is_not_a_pdf(api, supplier_ready):
    response = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(b"hello"), "nomFichier": "f.pdf"}
    )
    assert response.status_code == 400
    assert "PDF" in response.json()["libelle"]


def test_deposer_pdf_with_invalid_base64_names_the_field(api, supplier_ready):
    response = api.post("factures/v1/deposer/pdf", {"fichierFacture": "%%%", "nomFichier": "f"})
    assert response.status_code == 400
    assert "fichierFacture" in response.json()["libelle"]


def test_ajouter_fichier_over_10_mb_is_code_20003(api, supplier_ready):
    content = b"0" * (10 * 1024 * 1024 + 10)
    response = api.post(
        "transverses/v1/ajouter/fichier",
        {"pieceJointeFichier": b64(content), "pieceJointeNom": "gros.txt"},
    )
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20003


def test_depot_pdf_api_with_a_file_from_ajouter_fichier(
    api, supplier_ready, recipient_structure, django_capture_on_commit_callbacks
):
    added = api.post(
        "transverses/v1/ajouter/fichier",
        {
            "pieceJointeFichier": b64(blank_pdf()),
            "pieceJointeNom": "facture",
            "pieceJointeExtension": "PDF",
            "pieceJointeTypeMime": "application/pdf",
        },
    ).json()
    assert added["codeRetour"] == 0
    payload = saisie_payload(
        recipient_structure.siret,
        modeDepot="DEPOT_PDF_API",
        pieceJointePrincipale={"pieceJointePrincipaleId": added["pieceJointeId"]},
    )
    del payload["lignePoste"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 200, response.json()
    invoice = Invoice.objects.get(pk=response.json()["identifiantFactureCPP"])
    assert invoice.deposit_mode == "DEPOT_PDF_API"
    assert str(invoice.total_gross) == "600.00"
    assert invoice.documents.filter(kind="ORIGINAL").count() == 1


def test_a_deposited_pdf_cannot_serve_two_invoices(api, supplier_ready, recipient_structure):
    piece = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(blank_pdf()), "nomFichier": "a.pdf"}
    ).json()["pieceJointeId"]
    payload = saisie_payload(
        recipient_structure.siret,
        modeDepot="DEPOT_PDF_API",
        pieceJointePrincipale=[{"pieceJointePrincipaleId": piece}],
    )
    assert api.post("factures/v1/soumettre", payload).status_code == 200
    payload["numeroFactureSaisi"] = "F-API-009"
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "pieceJointePrincipale" in response.json()["libelle"]


def test_depot_pdf_api_without_main_piece_names_the_field(api, supplier_ready, recipient_structure):
    payload = saisie_payload(recipient_structure.siret, modeDepot="DEPOT_PDF_API")
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "pieceJointePrincipale" in response.json()["libelle"]


# searches and tenant checks ----------------------------------------------------------------------
def test_rechercher_fournisseur_paginates_with_parametres_retour(submit, api):
    for n in range(3):
        submit(number=f"F-PAGE-{n}")
    body = api.post(
        "factures/v1/rechercher/fournisseur",
        {"rechercheFactureParFournisseur": {"nbResultatsParPage": 2, "pageResultatDemandee": 2}},
    ).json()
    assert body["codeRetour"] == 0
    assert body["parametresRetour"] == {
        "pageCourante": 2,
        "pages": 2,
        "nbResultatsParPage": 2,
        "total": 3,
    }
    assert len(body["listeFactures"]) == 1
    item = body["listeFactures"][0]
    assert isinstance(item["identifiantFactureCPP"], int)
    assert item["statut"] == "MISE_A_DISPOSITION"


def test_rechercher_fournisseur_filters_by_status_and_number(submit, api):
    submit(number="F-A")
    submit(number="F-B")
    body = api.post(
        "factures/v1/rechercher/fournisseur",
        {"numeroFacture": "F-B", "statutCourant": ["MISE_A_DISPOSITION"]},
    ).json()
    assert [item["numeroFacture"] for item in body["listeFactures"]] == ["F-B"]


def test_rechercher_with_no_result_is_200_with_code_20000(api, supplier_ready):
    response = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": "NOPE"})
    assert response.status_code == 200
    body = response.json()
    assert body["codeRetour"] == 20000
    assert body["listeFactures"] == []


def test_another_structure_invoice_is_unknown_and_not_found_by_search(api, supplier_ready):
    other = make_invoice(status=InvoiceStatus.DEPOSEE, number="AUTRE-1")
    response = api.post("factures/v1/consulter/fournisseur", {"identifiantFactureCPP": other.pk})
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001
    assert "AUTRE-1" not in response.content.decode()
    history = api.post("factures/v1/consulter/historique", {"idFacture": other.pk})
    assert history.status_code == 400
    assert history.json()["codeRetour"] == 20001
    search = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": "AUTRE-1"})
    assert search.json()["codeRetour"] == 20000


def test_rechercher_recipiendaire_has_top_level_paging(submit, recipient_api):
    invoice = submit()
    body = recipient_api.post(
        "factures/v1/rechercher/recipiendaire",
        {
            "typeDemandePaiement": "FACTURE",
            "paramRecherche": {
                "nbResultatsParPage": 1000,
                "pageResultatDemandee": 1,
                "nbResultatsMaximum": 999999,
            },
        },
    ).json()
    assert body["codeRetour"] == 0
    assert (body["pageCourante"], body["pages"], body["total"]) == (1, 1, 1)
    item = body["listeFactures"][0]
    assert item["idFacture"] == invoice.pk
    assert item["montantTTC"] == 600.0
    assert item["factureTelechargeeParDestinataire"] is False


def test_rechercher_recipiendaire_without_result_keeps_the_paging_keys(recipient_api):
    body = recipient_api.post("factures/v1/rechercher/recipiendaire", {}).json()
    assert body["codeRetour"] == 20000
    assert body["listeFactures"] == []
    assert body["pages"] == 0


def test_supplier_cannot_consult_as_recipient(submit, api):
    invoice = submit()
    response = api.post(
        "factures/v1/consulter/recipiendaire", {"identifiantFactureCPP": invoice.pk}
    )
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001


def test_consulter_fournisseur_returns_the_facture_object(submit, api, recipient_structure):
    invoice = submit()
    body = api.post(
        "factures/v1/consulter/fournisseur", {"identifiantFactureCPP": invoice.pk}
    ).json()
    facture = body["facture"]
    assert facture["identifiantFactureCPP"] == invoice.pk
    assert facture["statutFacture"] == "MISE_A_DISPOSITION"
    assert facture["destinataire"]["codeDestinataire"] == recipient_structure.siret
    assert facture["destinataire"]["codeServiceExecutant"] == "DIRINFRA"
    assert facture["montantTotal"]["montantTtcTotal"] == 600.0
    assert facture["lignesDePoste"]["lignePoste"][0]["lignePosteDenomination"] == (
        "Prestation de conseil"
    )
    assert facture["recapitulatifDeTva"]["ligneTva"][0]["ligneTvaMontantTvaParTaux"] == 100.0


# traiter/recue -----------------------------------------------------------------------------------
def test_traiter_recue_refused_transition_is_20002(submit, recipient_api):
    invoice = submit()
    response = recipient_api.post(
        "factures/v1/traiter/recue", {"idFacture": invoice.pk, "nouveauStatut": "DEPOSEE"}
    )
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20002


def test_traiter_recue_reject_needs_a_motif_of_at_most_255(submit, recipient_api):
    invoice = submit()
    path = "factures/v1/traiter/recue"
    missing = recipient_api.post(path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE"})
    assert missing.status_code == 400
    assert "motif" in missing.json()["libelle"]
    too_long = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "x" * 256}
    )
    assert too_long.status_code == 400
    assert "255" in too_long.json()["libelle"]
    done = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon facture"}
    )
    assert done.json()["nouveauStatut"] == "REJETEE"
    invoice.refresh_from_db()
    assert invoice.rejection_comment == "Doublon facture"


def test_traiter_recue_mandatee_needs_and_stores_the_mandate_number(submit, recipient_api):
    invoice = submit()
    path = "factures/v1/traiter/recue"
    missing = recipient_api.post(path, {"idFacture": invoice.pk, "nouveauStatut": "MANDATEE"})
    assert "numeroDPMandat" in missing.json()["libelle"]
    response = recipient_api.post(
        path, {"IdFacture": invoice.pk, "NouveauStatut": "MANDATEE", "NumeroDPMandat": "M-42"}
    )
    assert response.json()["codeRetour"] == 0
    invoice.refresh_from_db()
    assert invoice.mandate_number == "M-42"


def test_traiter_recue_already_in_target_is_success_without_change(submit, recipient_api):
    invoice = submit()
    response = recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "MISE_A_DISPOSITION"},
    )
    assert response.status_code == 200
    assert response.json()["nouveauStatut"] == "MISE_A_DISPOSITION"


def test_traiter_recue_combined_service_fait_then_mandatee(submit, recipient_api):
    invoice = submit()
    response = recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "SERVICE_FAIT;MANDATEE", "numeroDPMandat": "9"},
    )
    assert response.json()["nouveauStatut"] == "MANDATEE"
    statuses = list(invoice.events.exclude(to_status="").values_list("to_status", flat=True))
    assert statuses[-2:] == ["SERVICE_FAIT", "MANDATEE"]


# supplier actions --------------------------------------------------------------------------------
def test_recycler_changes_the_routing_data_and_redeposits(
    submit, api, recipient_api, recipient_structure, django_capture_on_commit_callbacks
):
    invoice = submit()
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "A_RECYCLER", "motif": "Mauvais service"},
    )
    ServiceFactory(structure=recipient_structure, code="DSI")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "factures/v1/recycler",
            {
                "identifiantFactureCPP": invoice.pk,
                "destinataire": {
                    "codeDestinataire": recipient_structure.siret,
                    "codeServiceExecutant": "DSI",
                },
                "commentaire": "Service modifié",
            },
        )
    body = response.json()
    assert body["codeRetour"] == 0
    assert body["statutFacture"] == "DEPOSEE"
    assert body["identifiantFactureCPP"] == invoice.pk
    invoice.refresh_from_db()
    assert invoice.service.code == "DSI"
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION


def test_recycler_an_invoice_not_a_recycler_is_20002(submit, api):
    invoice = submit()
    response = api.post("factures/v1/recycler", {"identifiantFactureCPP": invoice.pk})
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20002


def test_completer_a_suspended_invoice_with_an_attachment(submit, api, recipient_api):
    invoice = submit()
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "SUSPENDUE", "motif": "Document manquant"},
    )
    piece = api.post(
        "transverses/v1/ajouter/fichier",
        {"pieceJointeFichier": b64(b"bon de livraison"), "pieceJointeNom": "bl.txt"},
    ).json()["pieceJointeId"]
    response = api.post(
        "factures/v1/completer",
        {
            "identifiantFactureCPP": invoice.pk,
            "commentaire": "Voici le bon de livraison",
            "pieceJointeComplementaire": [{"pieceJointeComplementaireId": piece}],
        },
    )
    assert response.json()["codeRetour"] == 0
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.COMPLETEE
    assert invoice.documents.filter(kind="PIECE_JOINTE", filename="bl.txt").exists()


def test_traiter_rejet_processes_rejected_invoices(submit, api, recipient_api):
    invoice = submit()
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon"},
    )
    response = api.post(
        "factures/v1/traiterRejet",
        {"listeDemandePaiement": [{"idDemandePaiement": invoice.pk}], "motifRejet": "vu"},
    )
    assert response.json()["codeRetour"] == 0
    invoice.refresh_from_db()
    assert invoice.rejection_processed_at is not None
    found = api.post("factures/v1/rechercher/fournisseur", {"rejetTraite": True}).json()
    assert [item["identifiantFactureCPP"] for item in found["listeFactures"]] == [invoice.pk]


# telecharger/groupe ------------------------------------------------------------------------------
def test_telecharger_groupe_pdf_and_pivot_zip(submit, recipient_api):
    invoice = submit()
    path = "factures/v1/telecharger/groupe"
    pdf_zip = recipient_api.post(
        path, {"format": "PDF", "listeFacture": [{"idFacture": invoice.pk}]}
    )
    assert pdf_zip.json()["codeRetour"] == 0
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(pdf_zip.json()["fichierResultat"]))) as z:
        names = z.namelist()
        assert len(names) == 1
        assert z.read(names[0]).startswith(b"%PDF")
    pivot = recipient_api.post(
        path, {"format": "PIVOT", "listeFacture": [{"idFacture": invoice.pk}]}
    )
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(pivot.json()["fichierResultat"]))) as z:
        assert b"CrossIndustryInvoice" in z.read(z.namelist()[0])
    found = recipient_api.post(
        "factures/v1/rechercher/recipiendaire", {"factureTelechargeeParDestinataire": True}
    ).json()
    assert found["listeFactures"][0]["factureTelechargeeParDestinataire"] is True


def test_telecharger_groupe_over_120_mb_is_413(submit, recipient_api, monkeypatch):
    invoice = submit()
    monkeypatch.setattr("api.views.factures.MAX_TOTAL_SIZE", 10)
    response = recipient_api.post(
        "factures/v1/telecharger/groupe",
        {"format": "PDF", "listeFacture": [{"idFacture": invoice.pk}]},
    )
    assert response.status_code == 413


def test_telecharger_groupe_of_an_unknown_invoice(recipient_api):
    response = recipient_api.post(
        "factures/v1/telecharger/groupe", {"format": "PDF", "listeFacture": [{"idFacture": 0}]}
    )
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001


# robustness: odd bodies never cause a server error ----------------------------------------------
PATHS = [
    "factures/v1/soumettre",
    "factures/v1/deposer/pdf",
    "factures/v1/rechercher/fournisseur",
    "factures/v1/rechercher/recipiendaire",
    "factures/v1/consulter/fournisseur",
    "factures/v1/consulter/recipiendaire",
    "factures/v1/consulter/historique",
    "factures/v1/traiter/recue",
    "factures/v1/recycler",
    "factures/v1/completer",
    "factures/v1/traiterRejet",
    "factures/v1/telecharger/groupe",
    "transverses/v1/ajouter/fichier",
]
ODD_BODIES = [
    {},
    {"identifiantFactureCPP": "x", "idFacture": 10**30, "nouveauStatut": ["REJETEE"]},
    {
        "modeDepot": "SAISIE_API",
        "destinataire": "y",
        "lignePoste": "x",
        "montantTotal": [1],
        "pieceJointePrincipale": [{"pieceJointePrincipaleId": 10**40}],
    },
    {
        "statutCourant": [{"a": 1}, None],
        "listeDestinataire": ["z", {"idDestinataire": "q", "listeIdServiceExecutant": ["w"]}],
        "paramRecherche": {"nbResultatsParPage": -5, "pageResultatDemandee": 1e30},
        "rechercheFactureParFournisseur": {"pageResultatDemandee": 10**20},
        "montantHTMin": "1e400",
        "periodeDateDepotDu": "hier",
        "numeroFluxDepot": "CPP" + "9" * 40,
        "listeFacture": [{"idFacture": True}],
        "listeDemandePaiement": "abc",
        "fichierFacture": 12,
        "pieceJointeFichier": ["a"],
    },
]


@pytest.mark.parametrize("path", PATHS)
def test_odd_bodies_answer_the_envelope_never_a_server_error(api, supplier_ready, path):
    for body in ODD_BODIES:
        response = api.post(path, body)
        assert response.status_code < 500, (path, body, response.content)
        assert "codeRetour" in response.json()
    raw = api.client.post(
        f"/cpro/{path}", data="[1, 2]", content_type="application/json", headers=api.headers
    )
    assert raw.status_code < 500


def test_history_lists_user_actions_but_not_draft_edits(submit, api, recipient_api):
    invoice = submit()
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon"},
    )
    api.post(
        "factures/v1/traiterRejet", {"listeDemandePaiement": [{"idDemandePaiement": invoice.pk}]}
    )
    history = api.post("factures/v1/consulter/historique", {"idFacture": invoice.pk}).json()
    codes = [
        a["histoActionCode"] for a in history["historiquesDesActionsUtilisateurs"]["histoAction"]
    ]
    assert codes == ["TRAITEMENT_REJET"]
    assert history["derniereAction"]["derniereActionCode"] == "TRAITEMENT_REJET"
    statut = history["historiquesDesStatuts"]["histoStatut"][0]
    assert statut["histoStatutCode"] == "REJETEE"
    assert statut["histoStatutCommentaire"].endswith("Doublon")


# VAT categories (issue 16 point 9) ---------------------------------------------------------------
def test_soumettre_mixing_out_of_scope_with_taxed_lines_is_refused(
    api, supplier_ready, recipient_structure
):
    payload = saisie_payload(recipient_structure.siret)
    payload["references"]["motifExonerationTva"] = "HORS_CHAMP"
    payload["lignePoste"].append({**payload["lignePoste"][0], "lignePosteTauxTva": "TVA0"})
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "Ligne 1 — motif d'exonération" in response.json()["libelle"]
    assert "BR-O-11" in response.json()["libelle"]
    assert not Invoice.objects.exists()


def test_soumettre_intracom_to_a_recipient_without_vat_number_is_refused(
    api, supplier_ready, recipient_structure
):
    supplier = supplier_ready.structure
    supplier.vat_number = "DE123456789"
    supplier.save()
    payload = saisie_payload(recipient_structure.siret)
    payload["references"]["motifExonerationTva"] = "LIVRAISON_INTRACOM"
    payload["lignePoste"][0]["lignePosteTauxTva"] = "TVA0"
    payload["montantTotal"] = {"montantHtTotal": 500.0, "montantTVA": 0.0, "montantTtcTotal": 500.0}
    response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 400
    assert "livraison intracommunautaire" in response.json()["libelle"]
    assert "(BT-48)" in response.json()["libelle"]
    assert not Invoice.objects.exists()
    recipient_structure.vat_number = "FR61217500016"
    recipient_structure.save()
    assert api.post("factures/v1/soumettre", payload).status_code == 200


# A rejection already applied with another motif (issue 14 item 18) ------------------------------
def test_traiter_recue_rejection_after_another_motif_won_is_20002_not_success(
    submit, recipient_api
):
    invoice = submit()
    path = "factures/v1/traiter/recue"
    first = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon facture"}
    )
    assert first.json()["codeRetour"] == 0
    other = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Montant faux"}
    )
    assert other.status_code == 400
    assert other.json()["codeRetour"] == 20002
    assert "Doublon facture" in other.json()["libelle"]
    suspended = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "SUSPENDUE", "motif": "Pièce manquante"}
    )
    assert suspended.json()["codeRetour"] == 20002
    # The very same request again (a retry): success, nothing changes.
    again = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon facture"}
    )
    assert again.status_code == 200
    assert again.json()["nouveauStatut"] == "REJETEE"
    invoice.refresh_from_db()
    assert invoice.rejection_comment == "Doublon facture"
    assert invoice.events.filter(action="chorus.invoice.rejected").count() == 1


def test_traiter_recue_same_status_reached_by_the_portal_with_another_reason_is_20002(
    submit, recipient_api, recipient_account
):
    from invoices import services
    from invoices.choices import RejectionReason

    invoice = submit()
    services.invoice_reject(
        invoice_id=invoice.pk, by=recipient_account.user, reason=RejectionReason.MONTANT_ERRONE
    )
    path = "factures/v1/traiter/recue"
    other = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Autre motif"}
    )
    assert other.json()["codeRetour"] == 20002
    # The same reason, as a code: the action applied is this one, success.
    same = recipient_api.post(
        path, {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "MONTANT_ERRONE"}
    )
    assert same.json()["codeRetour"] == 0


def race(actions: dict) -> dict:
    """Run the named actions in threads released together; return each one's outcome."""
    import threading

    from django.db import connection

    barrier, outcomes = threading.Barrier(len(actions)), {}

    def worker(name, action):
        try:
            barrier.wait(timeout=10)
            outcomes[name] = action()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=item) for item in actions.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_api_rejections_racing_a_portal_rejection_are_refused_not_told_success(
    api, supplier_ready, recipient_structure, recipient_account
):
    """On PostgreSQL, 4 API rejections were told « success » while a portal rejection with
    another reason won: every loser is refused, 20002 for the API."""
    from django.test import Client

    from chorus.exceptions import ChorusError
    from invoices import services
    from invoices.choices import RejectionReason

    token = get_token(Client())["access_token"]

    def portal(pk):
        try:
            services.invoice_reject(
                invoice_id=pk, by=recipient_account.user, reason=RejectionReason.MONTANT_ERRONE
            )
            return 0
        except ChorusError as exc:
            return int(exc.code)

    def by_api(pk, motif):
        client = CproClient(Client(), token, "tech-etat", "sandbox")
        response = client.post(
            "factures/v1/traiter/recue",
            {"idFacture": pk, "nouveauStatut": "REJETEE", "motif": motif},
        )
        return response.json()["codeRetour"]

    for round_ in range(3):
        deposit = api.post(
            "factures/v1/soumettre",
            saisie_payload(recipient_structure.siret, number=f"F-RACE-{round_}"),
        )
        invoice = Invoice.objects.get(pk=deposit.json()["identifiantFactureCPP"])
        assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
        actions = {"portal": lambda pk=invoice.pk: portal(pk)}
        for i in range(4):
            actions[f"api{i}"] = lambda pk=invoice.pk, i=i: by_api(pk, f"Motif {i}")
        outcomes = race(actions)
        assert sorted(outcomes.values()) == [0, 20002, 20002, 20002, 20002], outcomes
        invoice.refresh_from_db()
        assert invoice.events.filter(action="chorus.invoice.rejected").count() == 1
        # A later API rejection with another motif: refused too.
        assert by_api(invoice.pk, "Encore un autre") == 20002
