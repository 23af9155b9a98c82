"""Issue 14 items 3, 11, 15 through the API: control characters, more lines than the limit and
implausible dates are refused with a 400 in the Chorus envelope, naming the field."""

import pytest

from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from invoices.validators import MAX_INVOICE_LINES
from tests.api.test_factures import (  # noqa: F401 (fixtures)
    recipient_account,
    recipient_api,
    recipient_structure,
    saisie_payload,
    submit,
    supplier_ready,
)

pytestmark = pytest.mark.django_db


# API ---------------------------------------------------------------------------------------------
@pytest.fixture
def soumettre(api, supplier_ready, recipient_structure):  # noqa: F811
    def post(**changes):
        payload = saisie_payload(recipient_structure.siret)
        for key, value in changes.items():
            payload[key] = value
        return api.post("factures/v1/soumettre", payload)

    return post


def _line(**changes):
    line = saisie_payload("x")["lignePoste"][0]
    return {**line, **changes}


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_api_refuses_control_characters_in_a_line_designation(soumettre, char):
    response = soumettre(lignePoste=[_line(lignePosteDenomination=f"Conseil{char}")])
    assert response.status_code == 400
    body = response.json()
    assert body["codeRetour"] != 0
    assert body["libelle"].startswith(
        "lignePoste[1].lignePosteDenomination : caractère de contrôle interdit"
    )
    assert not Invoice.objects.exists()


def test_api_refuses_a_line_break_in_a_single_line_field(soumettre):
    response = soumettre(lignePoste=[_line(lignePosteDenomination="Conseil\nexpert")])
    assert response.status_code == 400
    assert (
        "Ligne 1 — désignation : caractère de contrôle interdit (U+000A"
        in (response.json()["libelle"])
    )


def test_any_endpoint_refuses_control_characters_before_anything_is_stored(
    api,
    supplier_ready,  # noqa: F811
):
    """Even echoed in an error message and kept for an Idempotency-Key replay, a NUL never
    reaches the database (PostgreSQL refuses it: that was a 500)."""
    response = api.post(
        "factures/v1/soumettre",
        {"modeDepot": "SAISIE\x00API", "inconnu": {"cle\x1b": 1}},
        **{"Idempotency-Key": "nul-1"},
    )
    assert response.status_code == 400
    assert response.json()["libelle"].startswith("modeDepot : caractère de contrôle interdit")
    response = api.post("factures/v1/rechercher/fournisseur", {"numeroFacture": ["F\x07"]})
    assert response.status_code == 400
    assert "numeroFacture[1] : caractère de contrôle interdit (U+0007" in response.json()["libelle"]


def test_api_refuses_control_characters_in_the_comment_but_not_a_newline(soumettre):
    response = soumettre(commentaire="Bonjour\x07")
    assert response.status_code == 400
    assert "commentaire : caractère de contrôle interdit" in response.json()["libelle"]
    assert soumettre(commentaire="Bonjour\nMerci").status_code == 200


@pytest.mark.parametrize(
    ("key", "value", "label"),
    [
        ("dateFacture", "0001-01-01", "Date de facture"),
        ("dateFacture", "9999-12-31", "Date de facture"),
        ("dateEcheancePaiement", "9999-01-01", "Date d'échéance"),
    ],
)
def test_api_refuses_implausible_dates(soumettre, key, value, label):
    response = soumettre(**{key: value})
    assert response.status_code == 400
    assert f"{label} : date invraisemblable" in response.json()["libelle"]
    assert not Invoice.objects.exists()


def test_api_refuses_more_lines_than_the_limit_with_a_400(soumettre):
    lines = [_line(lignePosteMontantUnitaireHT=1.0, lignePosteQuantite=1)] * (MAX_INVOICE_LINES + 1)
    response = soumettre(lignePoste=lines)
    assert response.status_code == 400
    body = response.json()
    assert (
        f"{MAX_INVOICE_LINES} lignes au maximum ({MAX_INVOICE_LINES + 1} reçues)"
        in (body["libelle"])
    )
    assert set(body) >= {"codeRetour", "libelle"}
    assert not Invoice.objects.exists()


def test_api_refuses_control_characters_in_a_rejection_motif(submit, recipient_api):  # noqa: F811
    invoice = submit()
    response = recipient_api.post(
        "factures/v1/traiter/recue",
        {"idFacture": invoice.pk, "nouveauStatut": "REJETEE", "motif": "Doublon\x00"},
    )
    assert response.status_code == 400
    assert "caractère de contrôle interdit" in response.json()["libelle"]
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.REJETEE
