# ruff: noqa: F811  (pytest fixtures imported from test_factures are redefined as arguments)
"""Contract tests for issue 15: the shapes four real clients send and parse (chorus-pro.md §8.5).

Each test sends what the client sends (GO's zero values and nulls, PHP's bodies, OCA's ids) and
parses the answer as strictly as the client does (GO's date layouts, the PHP vocabularies).
"""

import base64
import datetime
import json
import re

import pytest

from api.models import TechnicalAccount
from structures.models import EngagementJuridique
from tests.api.conftest import CLIENT_ID, cpro_account
from tests.api.test_contract_factures import flux_of
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
from tests.factories import StructureFactory

pytestmark = pytest.mark.django_db


# Strict decoders, as the clients' own code -------------------------------------------------------
def go_date(value: str) -> datetime.date:
    """GO `Date`: time.Parse("2006-01-02")."""
    return datetime.datetime.strptime(value, "%Y-%m-%d").date()


def go_datetime(value: str) -> datetime.datetime:
    """GO `Datetime`: time.Parse("2006-01-02 15:04") — exactly that, nothing more."""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", value), value
    return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M")


RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def go_time(value: str) -> datetime.datetime:
    """GO `time.Time` (encoding/json): RFC 3339 with a zone."""
    assert RFC3339.fullmatch(value), value
    return datetime.datetime.fromisoformat(value)


PHP_ACTION_CODES = {
    "TELECHARGEMENT_FACTURE",
    "ACQUITTEMENT_REJET",
    "ACQUITTEMENT_SUSPENSION",
    "TRAITEMENT_REJET",
}


def php_enum(obj: dict, key: str, allowed: set[str]) -> None:
    """`FieldDefinition::castFromWsReturnArray`: a present key is cast to string (null → "")
    and must be in the vocabulary; an absent key is null (allowed when not required)."""
    if key in obj:
        value = "" if obj[key] is None else str(obj[key])
        assert value in allowed, f"{key}={obj[key]!r} hors vocabulaire"


# Item 2: every /cpro/ 401/403 carries a Content-Type --------------------------------------------
def test_401_without_token_has_a_content_type_oca_can_read(client, sandbox_app):
    response = client.post(
        "/cpro/factures/v1/rechercher/fournisseur", data="{}", content_type="application/json"
    )
    assert response.status_code == 401
    # OCA: r.headers.get("Content-Type").startswith("application/json") on any non-200
    assert response.headers.get("Content-Type") is not None
    assert response.headers.get("Content-Type").startswith("text/plain")
    assert response.content == b""


def test_401_with_a_wrong_technical_password_has_a_content_type(client, api):
    api.headers["cpro-account"] = cpro_account("tech-fournisseur", "mauvais")
    response = api.post("factures/v1/rechercher/fournisseur", {})
    assert response.status_code == 401
    assert response.headers.get("Content-Type")


def test_403_of_an_expired_technical_password_has_a_content_type(api, supplier_account):
    TechnicalAccount.objects.filter(pk=supplier_account.pk).update(is_active=False)
    response = api.post("factures/v1/rechercher/fournisseur", {})
    assert response.status_code == 403
    assert response.headers.get("Content-Type")


@pytest.mark.parametrize("kind", ["401", "403"])
def test_injected_401_and_403_also_carry_a_content_type(api, kind):
    from tests.api.test_sandbox_controls import control_post

    control_post(api, "faults", {"effet": kind, "chemin": "transverses/*"})
    response = api.get("transverses/v1/health-check")
    assert response.status_code == int(kind)
    assert response.headers.get("Content-Type", "").startswith("text/plain")


# Item 3: health-check ----------------------------------------------------------------------------
def test_health_check_is_the_spring_response_entity_the_clients_decode(api):
    response = api.get("transverses/v1/health-check")
    assert response.status_code == 200
    answer = response.json()
    # the PHP library's own test (against the PISTE sandbox), GO's HealthCheck struct
    assert answer == {
        "body": "L'API CPRO est actuellement disponible et fonctionnel.",
        "statusCodeValue": 200,
        "statusCode": "OK",
    }


# Item 10: token endpoint -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("client_id", "secret"), [(CLIENT_ID, "pas-le-bon-secret"), ("client-inconnu", "x")]
)
def test_token_with_a_bad_client_is_400_invalid_client_with_a_description(
    client, sandbox_app, client_id, secret
):
    response = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "openid",
        },
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    assert answer["error"] == "invalid_client"
    assert isinstance(answer["error_description"], str)
    assert answer["error_description"]


def test_token_with_a_good_client_still_answers_the_token(client, sandbox_app):
    response = client.post(
        "/api/oauth/token",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": "chorus-sandbox-secret",
        },
    )
    assert response.status_code == 200
    assert isinstance(response.json()["expires_in"], int)


# Item 4: zero / "" / null are "no filter" --------------------------------------------------------
GO_ZERO_FILTERS = {
    # What GO's RechercherFactureParFournisseurOptions serialises when only the flow is set.
    "cadreFacturation": "",
    "idFournisseur": 0,
    "idServiceFournisseur": 0,
    "idUtilisateurCourant": 0,
    "listeDestinataire": None,
    "modeDepot": "",
    "montantAPayerMax": 0,
    "montantAPayerMin": 0,
    "montantHTMax": 0,
    "montantHTMin": 0,
    "montantTTCMax": 0,
    "montantTTCMin": 0,
    "numeroBonCommande": "",
    "numeroFacture": "",
    "numeroFactureOrigine": "",
    "numeroMarche": "",
    "periodeDateDepotAu": None,
    "periodeDateDepotDu": None,
    "periodeDateFactureAu": None,
    "periodeDateFactureDu": None,
    "periodeDateHeureEtatCourantAu": None,
    "periodeDateHeureEtatCourantDu": None,
    "rechercheFactureParFournisseur": None,
    "rejetTraite": False,
    "statutCourant": None,
    "typeFacture": "",
}


def test_go_finds_its_invoice_by_flow_number_with_every_other_filter_zero(submit, api):
    invoice = submit(number="GO-0001")
    submit(number="GO-0002")
    flux = flux_of(invoice)
    body = {**GO_ZERO_FILTERS, "numeroFluxDepot": flux.numero}
    response = api.post("factures/v1/rechercher/fournisseur", body)
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["codeRetour"] == 0
    assert [f["numeroFacture"] for f in answer["listeFactures"]] == ["GO-0001"]


def test_zero_filters_alone_list_every_invoice(submit, api):
    submit(number="GO-0001")
    submit(number="GO-0002")
    answer = api.post("factures/v1/rechercher/fournisseur", GO_ZERO_FILTERS).json()
    assert answer["parametresRetour"]["total"] == 2


def test_a_real_non_zero_filter_still_filters(submit, api):
    submit(number="GO-0001")
    answer = api.post(
        "factures/v1/rechercher/fournisseur", {**GO_ZERO_FILTERS, "montantTTCMax": 10}
    ).json()
    assert answer["codeRetour"] == 20000


def test_recipient_search_ignores_zero_values(submit, recipient_api):
    submit(number="GO-0001")
    body = {
        "idDestinataire": 0,
        "idServiceExecutant": 0,
        "montantApayerMax": 0,
        "montantHTMax": 0,
        "montantTTCMax": 0,
        "numeroFacture": "",
        "listeFournisseurs": [{"idFournisseur": 0, "listeIdService": None}],
        "listeTypeFacture": None,
        "statutCourant": None,
        "typeDemandePaiement": "",
        "cadreFacturation": "",
        "paramRecherche": {"nbResultatsParPage": 0, "pageResultatDemandee": 0},
    }
    answer = recipient_api.post("factures/v1/rechercher/recipiendaire", body).json()
    assert answer["total"] == 1
    assert answer["listeFactures"][0]["numeroFacture"] == "GO-0001"


def test_ej_search_with_a_zero_structure_is_no_filter(api, supplier_ready):
    public = StructureFactory(public=True)
    EngagementJuridique.objects.create(structure=public, number="EJ-ZERO", supplier_siret="")
    answer = api.post(
        "engagementsJuridiques/v1/rechercher",
        {"structureReceptriceEngagementJuridique": 0, "numeroEngagementJuridique": "EJ-ZERO"},
    ).json()
    assert [e["numeroEngagementJuridique"] for e in answer["listeEngagementJuridique"]] == [
        "EJ-ZERO"
    ]


# Item 5: dateDepotFlux is an RFC 3339 timestamp --------------------------------------------------
@pytest.mark.parametrize(
    "path", ["transverses/v1/consulterCR", "transverses/v1/consulterCRDetaille"]
)
def test_date_depot_flux_decodes_as_a_go_time(submit, api, path):
    flux = flux_of(submit())
    answer = api.post(path, {"numeroFluxDepot": flux.numero}).json()
    assert answer["codeRetour"] == 0, answer
    assert go_time(answer["dateDepotFlux"]).date() == datetime.date.today()
    # PHP FieldDefinition TYPE_STRING_DATETIME: 'Y-m-d\TH:i:s.vp' (milliseconds, ±hh:mm or Z)
    assert re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}([+-]\d{2}:\d{2}|Z)", answer["dateDepotFlux"]
    )


# Item 6: references.dateCreationFacture is "YYYY-MM-DD HH:MM" -----------------------------------
def test_date_creation_facture_decodes_as_a_go_datetime(submit, api, recipient_api):
    invoice = submit()
    for caller, path in (
        (api, "factures/v1/consulter/fournisseur"),
        (recipient_api, "factures/v1/consulter/recipiendaire"),
    ):
        answer = caller.post(path, {"identifiantFactureCPP": invoice.pk}).json()
        references = answer["facture"]["references"]
        go_datetime(references["dateCreationFacture"])
        go_date(references["dateFacture"])


# Item 7: consulter/historique ---------------------------------------------------------------------
def test_history_with_no_user_action_has_no_null_last_action_codes(submit, api):
    invoice = submit()
    answer = api.post(
        "factures/v1/consulter/historique",
        {
            "idUtilisateurCourant": 0,
            "idFacture": invoice.pk,
            "idEspace": 0,
            "nbResultatsMaximum": 50,
        },
    ).json()
    assert answer["codeRetour"] == 0
    last = answer["derniereAction"]
    assert None not in last.values()
    php_enum(last, "derniereActionCode", PHP_ACTION_CODES)
    actions = answer["historiquesDesActionsUtilisateurs"]
    assert actions["histoAction"] == []
    assert actions["totalHistoAction"] == 0
    assert {"pageCouranteHistoAction", "pagesHistoAction", "nbResultatsParPageHistoAction"} <= (
        actions.keys()
    )
    assert "pageCourante" not in actions
    statuts = answer["historiquesDesStatuts"]
    assert statuts["totalHistoStatut"] == len(statuts["histoStatut"]) >= 1
    for statut in statuts["histoStatut"]:
        go_datetime(statut["histoStatutDatePassage"])


def test_history_actions_use_only_the_official_vocabulary(
    submit, api, recipient_api, supplier_ready
):
    invoice = submit()
    # The recipient downloads it (TELECHARGEMENT_FACTURE); the supplier uploaded nothing else.
    recipient_api.post(
        "factures/v1/telecharger/groupe",
        {"listeFacture": [{"idFacture": invoice.pk}], "format": "PDF"},
    )
    recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "AUTRE"},
    )
    api.post(
        "factures/v1/traiterRejet",
        {"listeDemandePaiement": [{"idDemandePaiement": invoice.pk}], "motifRejet": "vu"},
    )
    answer = api.post("factures/v1/consulter/historique", {"idFacture": invoice.pk}).json()
    actions = answer["historiquesDesActionsUtilisateurs"]["histoAction"]
    assert actions, answer
    for action in actions:
        php_enum(action, "histoActionCode", PHP_ACTION_CODES)
        go_datetime(action["histoActionDateHeure"])
    assert "TELECHARGEMENT_FACTURE" in {a["histoActionCode"] for a in actions}
    last = answer["derniereAction"]
    php_enum(last, "derniereActionCode", PHP_ACTION_CODES)
    assert last["derniereActionId"] == actions[0]["histoActionId"]
    events = answer["historiquesDesEvenementsComplementaires"]
    assert events["totalEvenement"] == len(events["evenement"])


# Item 8: deposer/pdf typeFacture / typeTva -------------------------------------------------------
PHP_TYPES_TVA = {"TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA"}


def test_deposer_pdf_answers_type_facture_and_type_tva_from_the_vocabularies(api, supplier_ready):
    answer = api.post(
        "factures/v1/deposer/pdf",
        {"fichierFacture": b64(blank_pdf()), "nomFichier": "f.pdf", "formatDepot": "PDF_NON_SIGNE"},
    ).json()
    assert answer["codeRetour"] == 0, answer
    php_enum(answer, "typeFacture", {"FACTURE", "AVOIR"})
    php_enum(answer, "typeTva", PHP_TYPES_TVA)
    assert answer["typeFacture"] == "FACTURE"
    assert answer["typeTva"] in PHP_TYPES_TVA
    # a date the OCR missed is left out, never null (PHP and GO cannot decode a null date)
    assert answer.get("dateFacture", "absent") is not None
    assert isinstance(answer["pieceJointeId"], int)


def test_deposer_pdf_of_a_facturx_credit_note_is_an_avoir(api, supplier_ready, monkeypatch):
    from invoices import pdf_intake

    real = pdf_intake.Prefill

    def avoir(*args, **kwargs):
        prefill = real(*args, **kwargs)
        prefill.type = "AVOIR"
        return prefill

    monkeypatch.setattr(pdf_intake, "Prefill", avoir)
    answer = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(blank_pdf()), "nomFichier": "a.pdf"}
    ).json()
    assert answer["typeFacture"] == "AVOIR"


# Item 9: every recuperer/* referential pages at the top level ------------------------------------
REFERENTIELS = [
    ("recuperer/devises", {"codeLangue": "FR"}, "listeDevises"),
    ("recuperer/pays", {"codeLangue": "FR"}, "listePays"),
    ("recuperer/tauxtva", {}, "listeTauxTva"),
    ("recuperer/motifs/exonerationtva", {}, "listeMotifsExonerationTva"),
    ("recuperer/modedepot", {}, "listeModeDepot"),
    ("recuperer/modereglements", {}, "listeModePaiement"),
    ("recuperer/cadrefacturation", {"typeDemandePaiement": "FACTURE"}, "listeCadreFacturation"),
    ("recuperer/typedp", {}, "listeTypeDemandePaiement"),
    ("recuperer/typeidentifiant/structure", {}, "listeTypeIdentifiant"),
    ("recuperer/typespj", {"typeObjet": "FACTURE"}, "listeTypePieceJointe"),
    ("recuperer/formatflux", {}, "listeFormatFlux"),
    ("recuperer/etat/typedp", {"typeDemandePaiement": "FACTURE"}, "listeEtatDemandePaiement"),
    (
        "recuperer/etats/traitement",
        {"statutCourant": "MISE_A_DISPOSITION"},
        "listeStatutsPossiblesPourTraitement",
    ),
    ("recuperer/structures/actives/fournisseur", {}, "listeStructures"),
]


@pytest.mark.parametrize(("path", "body", "key"), REFERENTIELS)
def test_referentials_carry_the_top_level_paging_keys(api, path, body, key):
    answer = api.post(f"transverses/v1/{path}", body).json()
    assert answer["codeRetour"] == 0, answer
    for name in ("nbResultatsParPage", "pageCourante", "pages", "total"):
        assert isinstance(answer[name], int), name
    assert answer["total"] == len(answer[key]) >= 1
    assert answer["pageCourante"] == 1
    assert answer["pages"] == 1


# Item 1: EJ search with the supplier's own structure (OCA) ---------------------------------------
def test_oca_finds_its_ej_with_its_own_structure_id(api, supplier_ready, supplier_structure):
    public = StructureFactory(public=True)
    EngagementJuridique.objects.create(
        structure=public, number="1000000001", supplier_siret=supplier_structure.identifier
    )
    other = StructureFactory()
    EngagementJuridique.objects.create(
        structure=public, number="1000000002", supplier_siret=other.identifier
    )
    body = {
        "structureReceptriceEngagementJuridique": str(supplier_structure.pk),
        "numeroEngagementJuridique": "1000000001",
        "etatCourantEngagementJuridique": "COMMANDE",
    }
    answer = api.post("engagementsJuridiques/v1/rechercher", body).json()
    assert answer["codeRetour"] == 0, answer
    assert len(answer["listeEngagementJuridique"]) == 1
    # another supplier's EJ is not found with our structure id
    body["numeroEngagementJuridique"] = "1000000002"
    answer = api.post("engagementsJuridiques/v1/rechercher", body).json()
    assert answer["listeEngagementJuridique"] == []
    # nor with that supplier's structure id (not ours to see)
    body["structureReceptriceEngagementJuridique"] = str(other.pk)
    answer = api.post("engagementsJuridiques/v1/rechercher", body).json()
    assert answer["listeEngagementJuridique"] == []


def test_demo_state_structure_has_a_postal_address(api, supplier_ready):
    from structures.demo import STATE_SIRET, demo_load
    from structures.models import Structure

    demo_load()
    state = Structure.objects.get(identifier=STATE_SIRET)
    answer = api.post("structures/v1/consulter", {"idStructureCPP": state.pk}).json()
    assert answer["codeRetour"] == 0, answer
    text = json.dumps(answer, ensure_ascii=False)
    assert "139 rue de Bercy" in text
    assert "75012" in text


# Bank details: recuperer/coordbanc/valides, soumettre, the written invoice ------------------------
IBAN = "FR7630006000011234567890189"
IBAN_2 = "FR1420041010050500013M02606"


@pytest.fixture
def bank_accounts(supplier_ready, supplier_structure):
    from structures.bank_services import bank_account_create
    from tests.factories import MembershipFactory

    owner = MembershipFactory(principal=True, structure=supplier_structure)
    main = bank_account_create(
        structure=supplier_structure,
        by=owner.user,
        label="Compte principal",
        iban=IBAN,
        bic="BNPAFRPP",
    )
    works = bank_account_create(
        structure=supplier_structure, by=owner.user, label="Compte travaux", iban=IBAN_2
    )
    return main, works


def test_go_lists_the_valid_bank_details_of_its_structure(api, bank_accounts, supplier_structure):
    main, works = bank_accounts
    answer = api.post(
        "transverses/v1/recuperer/coordbanc/valides", {"idStructure": supplier_structure.pk}
    ).json()
    assert answer["codeRetour"] == 0, answer
    liste = answer["listeCoordonneeBancaire"]
    assert [(c["idCoordonneeBancaire"], c["nomCoordonneeBancaire"]) for c in liste] == [
        (main.pk, "Compte principal"),
        (works.pk, "Compte travaux"),
    ]
    assert answer["total"] == 2  # PHP WsRetourRecupererCoordonneesBancairesValides paging keys


def test_bank_details_of_another_tenant_are_unknown(api, supplier_ready):
    other = StructureFactory()
    response = api.post("transverses/v1/recuperer/coordbanc/valides", {"idStructure": other.pk})
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001


def _soumettre(api, recipient_structure, django_capture_on_commit_callbacks, **fournisseur):
    payload = saisie_payload(recipient_structure.siret, number="F-BANK-1")
    payload["fournisseur"] = {"idFournisseur": 0, **fournisseur}
    with django_capture_on_commit_callbacks(execute=True):
        return api.post("factures/v1/soumettre", payload)


def test_soumettre_with_a_chosen_bank_account_writes_it_as_credit_transfer(
    api, bank_accounts, recipient_structure, django_capture_on_commit_callbacks
):
    from lxml import etree

    from invoices.formats.cii_writer import build_cii
    from invoices.formats.ubl_writer import build_ubl
    from invoices.models import Invoice

    _main, works = bank_accounts
    response = _soumettre(
        api,
        recipient_structure,
        django_capture_on_commit_callbacks,
        codeCoordonneesBancairesFournisseur=works.pk,
    )
    assert response.status_code == 200, response.json()
    invoice = Invoice.objects.get(pk=response.json()["identifiantFactureCPP"])
    assert invoice.bank_account_id == works.pk
    assert invoice.supplier_snapshot["iban"] == IBAN_2
    cii = etree.fromstring(build_cii(invoice))
    ns = {
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    }
    means = cii.find(".//ram:SpecifiedTradeSettlementPaymentMeans", ns)
    assert means.findtext("ram:TypeCode", namespaces=ns) == "30"  # BT-81
    assert means.findtext(".//ram:IBANID", namespaces=ns) == IBAN_2  # BT-84
    assert means.find(".//ram:BICID", ns) is None  # no BIC on that account
    ubl = etree.fromstring(build_ubl(invoice))
    cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
    assert ubl.findtext(f".//{{{cbc}}}PaymentMeansCode") == "30"
    detail = api.post(
        "factures/v1/consulter/fournisseur", {"identifiantFactureCPP": invoice.pk}
    ).json()["facture"]["fournisseur"]
    assert detail["coordBancairesFournisseurId"] == works.pk


def test_soumettre_without_a_code_uses_the_default_account_with_its_bic(
    api, bank_accounts, recipient_structure, supplier_structure, django_capture_on_commit_callbacks
):
    from invoices.formats.cii_writer import build_cii
    from invoices.formats.ubl_writer import build_ubl
    from invoices.formats.validate import validate_document
    from invoices.models import Invoice

    main, _works = bank_accounts
    # a VAT number so that the written invoice is complete for EN 16931 (BR-S-02)
    type(supplier_structure).objects.filter(pk=supplier_structure.pk).update(
        vat_number="FR40303265045"
    )
    response = _soumettre(
        api,
        recipient_structure,
        django_capture_on_commit_callbacks,
        codeCoordonneesBancairesFournisseur=0,
    )
    assert response.status_code == 200, response.json()
    invoice = Invoice.objects.get(pk=response.json()["identifiantFactureCPP"])
    assert invoice.bank_account_id == main.pk
    xml = build_cii(invoice)
    assert b"<ram:BICID>BNPAFRPP</ram:BICID>" in xml  # BT-86
    assert b"<ram:TypeCode>30</ram:TypeCode>" in xml
    for name, content in (("out.cii.xml", xml), ("out.ubl.xml", build_ubl(invoice))):
        report, _data = validate_document(content, name, check_routing=False)
        assert not [f for f in report.findings if f.source in ("XSD", "EN16931")], name


@pytest.mark.parametrize("code", [999999, "abc"])
def test_soumettre_with_an_unknown_bank_account_is_a_clear_chorus_error(
    api, bank_accounts, recipient_structure, django_capture_on_commit_callbacks, code
):
    from invoices.models import Invoice

    response = _soumettre(
        api,
        recipient_structure,
        django_capture_on_commit_callbacks,
        codeCoordonneesBancairesFournisseur=code,
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["codeRetour"] == 20001
    assert "codeCoordonneesBancairesFournisseur" in answer["libelle"]
    assert not Invoice.objects.filter(number="F-BANK-1").exists()


def test_soumettre_with_another_structures_bank_account_is_refused(
    api, supplier_ready, recipient_structure, django_capture_on_commit_callbacks
):
    from structures.bank_services import bank_account_create
    from tests.factories import MembershipFactory

    stranger = MembershipFactory(principal=True)
    theirs = bank_account_create(
        structure=stranger.structure, by=stranger.user, label="Autre", iban=IBAN
    )
    response = _soumettre(
        api,
        recipient_structure,
        django_capture_on_commit_callbacks,
        codeCoordonneesBancairesFournisseur=theirs.pk,
    )
    assert response.status_code == 400
    assert "codeCoordonneesBancairesFournisseur" in response.json()["libelle"]


# Attachments: rechercher/pj/*, telecharger/pieceJointe, detacherPieceJointe ----------------------
def _ajouter(api, name="bon.txt", content=b"bon de livraison"):
    answer = api.post(
        "transverses/v1/ajouter/fichier",
        {
            "pieceJointeFichier": b64(content),
            "pieceJointeNom": name,
            "pieceJointeTypeMime": "text/plain",
            "pieceJointeExtension": "txt",
            "idUtilisateurCourant": 0,
        },
    ).json()
    assert answer["codeRetour"] == 0, answer
    return answer["pieceJointeId"]


def test_go_searches_the_attachments_of_its_structure_and_account(
    api, supplier_ready, supplier_structure
):
    pdf_id = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(blank_pdf()), "nomFichier": "f.pdf"}
    ).json()["pieceJointeId"]
    txt_id = _ajouter(api)
    answer = api.post(
        "transverses/v1/rechercher/pj/structure",
        {
            "idStructureCPP": supplier_structure.pk,
            "pieceJointeDesignation": "",
            "pieceJointeTypeId": 0,
            "codeLangue": "fr",
        },
    ).json()
    assert answer["codeRetour"] == 0, answer
    items = {p["pieceJointeId"]: p for p in answer["listePiecesJointes"]}
    assert set(items) == {pdf_id, txt_id}
    assert items[pdf_id]["pieceJointeStructureId"] == supplier_structure.pk
    assert items[pdf_id]["pieceJointeTypeCode"] == "FACTURE"
    assert items[txt_id]["pieceJointeExtension"] == "TXT"
    assert answer["parametresRetour"]["total"] == 2
    # GO's RechercherPiecesJointesMonCompte requires a type id: 6 (AUTRE) finds the text file
    mine = api.post("transverses/v1/rechercher/pj/moncompte", {"pieceJointeTypeId": 6}).json()
    assert [p["pieceJointeId"] for p in mine["listePiecesJointes"]] == [txt_id]
    assert "pieceJointeStructureId" not in mine["listePiecesJointes"][0]


def test_attachments_of_another_tenant_are_not_found(api, supplier_ready, client):
    from api.services import technical_account_create
    from tests.api.conftest import CproClient, get_token

    stranger = StructureFactory()
    technical_account_create(structure=stranger, login="tech-autre", password="sandbox")
    other = CproClient(client, get_token(client)["access_token"], "tech-autre", "sandbox")
    theirs = _ajouter(other, name="secret.txt")
    # their structure: unknown to us
    response = api.post("transverses/v1/rechercher/pj/structure", {"idStructureCPP": stranger.pk})
    assert response.status_code == 400
    assert response.json()["codeRetour"] == 20001
    # their file: not in our lists, not downloadable, not detachable
    mine = api.post("transverses/v1/rechercher/pj/moncompte", {}).json()
    assert mine["codeRetour"] == 20000
    for path, body in (
        ("transverses/v1/telecharger/pieceJointe", {"pieceJointeId": theirs}),
        ("transverses/v1/detacherPieceJointe", {"idPieceJointeObjet": theirs}),
    ):
        response = api.post(path, body)
        assert response.status_code == 400, path
        assert response.json()["codeRetour"] == 20001
    assert (
        other.post("transverses/v1/rechercher/pj/moncompte", {}).json()["parametresRetour"]["total"]
        == 1
    )


def test_download_an_attachment_by_its_id(api, supplier_ready):
    txt_id = _ajouter(api, content=b"contenu exact")
    answer = api.post("transverses/v1/telecharger/pieceJointe", {"pieceJointeId": txt_id}).json()
    assert answer["codeRetour"] == 0
    assert base64.b64decode(answer["pieceJointe"]) == b"contenu exact"


def test_go_downloads_invoices_as_demande_paiement(submit, api):
    import io
    import zipfile

    invoice = submit()
    body = {
        "objetPieceJointe": "DEMANDE_PAIEMENT",
        "demandePaiement": {
            "avecPiecesJointesComplementaires": "NON",
            "format": "PDF",
            "listeFacture": [{"idFacture": invoice.pk}],
        },
        "engagementJuridique": None,
        "sollicitation": None,
        "structure": None,
    }
    answer = api.post("transverses/v1/telecharger/pieceJointe", body).json()
    assert answer["codeRetour"] == 0, answer
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(answer["pieceJointe"])))
    assert archive.namelist()
    other = api.post(
        "transverses/v1/telecharger/pieceJointe",
        {
            **body,
            "demandePaiement": {**body["demandePaiement"], "listeFacture": [{"idFacture": 999999}]},
        },
    )
    assert other.status_code == 400


def test_php_detaches_an_unused_attachment_after_a_failed_soumettre(api, supplier_ready):
    pdf_id = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(blank_pdf()), "nomFichier": "f.pdf"}
    ).json()["pieceJointeId"]
    answer = api.post("transverses/v1/detacherPieceJointe", {"idPieceJointeObjet": pdf_id})
    assert answer.status_code == 200
    assert answer.json()["codeRetour"] == 0
    again = api.post("transverses/v1/detacherPieceJointe", {"idPieceJointeObjet": pdf_id})
    assert again.json()["codeRetour"] == 20001


def test_the_pdf_of_a_deposited_invoice_cannot_be_detached(
    api, supplier_ready, recipient_structure, django_capture_on_commit_callbacks
):
    pdf_id = api.post(
        "factures/v1/deposer/pdf", {"fichierFacture": b64(blank_pdf()), "nomFichier": "f.pdf"}
    ).json()["pieceJointeId"]
    payload = saisie_payload(
        recipient_structure.siret,
        number="F-PJ-1",
        modeDepot="DEPOT_PDF_API",
        pieceJointePrincipale=[
            {"pieceJointePrincipaleDesignation": "ma facture", "pieceJointePrincipaleId": pdf_id}
        ],
    )
    del payload["lignePoste"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("factures/v1/soumettre", payload)
    assert response.status_code == 200, response.json()
    answer = api.post("transverses/v1/detacherPieceJointe", {"idPieceJointeObjet": pdf_id})
    assert answer.status_code == 400
    assert answer.json()["codeRetour"] == 20002
    assert "déjà déposée" in answer.json()["libelle"]


def test_oca_finds_the_demo_ej_with_the_demo_suppliers_own_structure(client, sandbox_app):
    from api.services import technical_account_create
    from structures.demo import SUPPLIER_SIRET, demo_load
    from structures.models import Structure
    from tests.api.conftest import CproClient, get_token

    demo_load()
    supplier = Structure.objects.get(identifier=SUPPLIER_SIRET)
    technical_account_create(structure=supplier, login="tech-oca", password="sandbox")
    oca = CproClient(client, get_token(client)["access_token"], "tech-oca", "sandbox")
    answer = oca.post(
        "engagementsJuridiques/v1/rechercher",
        {
            "structureReceptriceEngagementJuridique": str(supplier.pk),
            "numeroEngagementJuridique": "1000000001",
            "etatCourantEngagementJuridique": "COMMANDE",
        },
    ).json()
    assert answer["codeRetour"] == 0, answer
    assert len(answer["listeEngagementJuridique"]) >= 1  # OCA: non-empty list = EJ exists
