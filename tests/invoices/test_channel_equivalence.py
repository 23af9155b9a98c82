"""One invoice, every channel, one verdict (issue 17 items 1-2).

For each rule of `invoices.rules`, the same invoice is sent through the portal form, the API
`soumettre`, a UBL flux, a CII flux, a Factur-X flux and the pré-contrôle: each gives the same
verdict (accepted, or refused) and the same Chorus reason code. Real requests and services, no mock
of a rule; the routing task runs (on_commit callbacks executed) after portal / API / flux deposits.
"""

import datetime
import io
import json

import facturx
import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from api.services import api_application_ensure, technical_account_create
from invoices.choices import InvoiceStatus
from invoices.flux.services import flux_deposit, flux_precheck, flux_process
from invoices.formats.cii_writer import build_cii
from invoices.formats.ubl_writer import build_ubl
from invoices.models import Invoice
from invoices.rules import catalogue as R
from invoices.services.common import party_snapshot
from invoices.services.drafts import draft_build
from invoices.services.supplier import invoice_recycle
from tests.api.conftest import CLIENT_ID, CLIENT_SECRET, CproClient, get_token
from tests.factories import (
    EngagementJuridiqueFactory,
    MembershipFactory,
    ServiceFactory,
    StructureFactory,
    UserFactory,
    _luhn_siret,
)
from tests.invoices.conftest import accept_terms
from tests.invoices.factories import make_invoice

pytestmark = pytest.mark.django_db

ACCEPTED = "accepté"
REFUSED = "refusé"
CHANNELS = ("portail", "api_soumettre", "flux_ubl", "flux_cii", "flux_facturx", "precontrole")
# A refusal at deposit time reaches the portal page and the API answer as the rule's sentence.
DEPOSIT_MESSAGES = {
    R.DUPLICATE_NUMBER.code: "a déjà été déposé",
    R.ISSUE_DATE_IN_FUTURE.code: "ne peut pas être dans le futur",
    R.DUE_DATE_BEFORE_ISSUE.code: "ne peut pas précéder la date de facture",
    R.SELF_BILLING.code: "ne peut pas se facturer elle-même",
}


class World:
    def __init__(self, client):
        self.client = client
        self.supplier = StructureFactory(name="Fournisseur équivalence", vat_number="FR32123456789")
        self.user = UserFactory()
        MembershipFactory(user=self.user, structure=self.supplier)
        accept_terms(self.user)
        self.recipient = StructureFactory(public=True, name="Mairie d'Équivalence")
        self.service = ServiceFactory(structure=self.recipient, code="COMPTA", label="Compta")
        api_application_ensure(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, name="Test")
        technical_account_create(
            structure=self.supplier, login="tech-equivalence", password="sandbox"
        )

        self.fields = {
            "recipient_siret": self.recipient.siret,
            "service_code": "",
            "ej_number": "",
            "number": "F-EQ-001",
            "type": "FACTURE",
            "issue_date": timezone.localdate(),
            "due_date": None,
        }


# --- scenarios: one per rule (setup mutates the world and the invoice) ---------------------------
def _ok(w):
    pass


def _duplicate(w):
    make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        supplier=w.supplier,
        number="F-EQ-001",
        issue_date=timezone.localdate(),
        recipient_siret=w.recipient.siret,
    )


def _recipient_unknown(w):
    w.fields["recipient_siret"] = _luhn_siret(987654)


def _recipient_not_public(w):
    w.fields["recipient_siret"] = StructureFactory(name="Société privée").siret


def _recipient_inactive(w):
    w.recipient.is_active = False
    w.recipient.save()


def _service_required(w):
    w.recipient.service_code_required = True
    w.recipient.save()


def _service_unknown(w):
    w.fields["service_code"] = "INCONNU"


def _service_inactive(w):
    w.service.is_active = False
    w.service.save()
    w.fields["service_code"] = "COMPTA"


def _service_out_of_dates(w):
    w.service.valid_until = timezone.localdate() - datetime.timedelta(days=1)
    w.service.save()
    w.fields["service_code"] = "COMPTA"


def _ej_required(w):
    w.recipient.ej_required = True
    w.recipient.save()


def _ej_required_by_service(w):
    w.service.ej_required = True
    w.service.save()
    w.fields["service_code"] = "COMPTA"


def _ej_or_service_required(w):
    w.recipient.ej_or_service_required = True
    w.recipient.save()


def _ej_format(w):
    w.recipient.ej_format_regex = r"\d{10}"
    w.recipient.ej_format_label = "10 chiffres"
    w.recipient.save()
    w.fields["ej_number"] = "EJ-ABC"


def _ej_unknown(w):
    EngagementJuridiqueFactory(structure=w.recipient, number="1000000001")
    w.fields["ej_number"] = "1000000002"


def _ej_other_creditor(w):
    EngagementJuridiqueFactory(
        structure=w.recipient, number="1000000001", supplier_siret=_luhn_siret(4242)
    )
    w.fields["ej_number"] = "1000000001"


def _ej_known(w):
    EngagementJuridiqueFactory(
        structure=w.recipient, number="1000000001", supplier_siret=w.supplier.siret
    )
    w.fields["ej_number"] = "1000000001"


def _future_date(w):
    w.fields["issue_date"] = timezone.localdate() + datetime.timedelta(days=3)


def _due_before_issue(w):
    w.fields["due_date"] = timezone.localdate() - datetime.timedelta(days=3)


def _self_billing(w):
    w.fields["recipient_siret"] = w.supplier.siret


def _credit_note_without_reference(w):
    w.fields["type"] = "AVOIR"


SCENARIOS = {
    "valide": (_ok, None),
    # A warning of ours (no Chorus Pro source): accepted on every channel.
    "avoir_sans_reference": (_credit_note_without_reference, None),
    "ej_connu_du_bon_creancier": (_ej_known, None),
    "doublon": (_duplicate, R.DUPLICATE_NUMBER.code),
    "destinataire_inconnu": (_recipient_unknown, R.RECIPIENT_UNKNOWN.code),
    "destinataire_non_public": (_recipient_not_public, R.RECIPIENT_NOT_PUBLIC.code),
    "destinataire_inactif": (_recipient_inactive, R.RECIPIENT_INACTIVE.code),
    "service_obligatoire": (_service_required, R.SERVICE_REQUIRED.code),
    "service_inconnu": (_service_unknown, R.SERVICE_UNKNOWN.code),
    "service_inactif": (_service_inactive, R.SERVICE_INACTIVE.code),
    "service_hors_dates": (_service_out_of_dates, R.SERVICE_INACTIVE.code),
    "ej_obligatoire": (_ej_required, R.EJ_REQUIRED.code),
    "ej_obligatoire_service": (_ej_required_by_service, R.EJ_REQUIRED.code),
    "ej_ou_service_obligatoire": (_ej_or_service_required, R.EJ_OR_SERVICE_REQUIRED.code),
    "ej_format": (_ej_format, R.EJ_FORMAT.code),
    "ej_inconnu": (_ej_unknown, R.EJ_UNKNOWN.code),
    "ej_autre_creancier": (_ej_other_creditor, R.EJ_OTHER_CREDITOR.code),
    "date_future": (_future_date, R.ISSUE_DATE_IN_FUTURE.code),
    "echeance_avant_facture": (_due_before_issue, R.DUE_DATE_BEFORE_ISSUE.code),
    "autofacturation": (_self_billing, R.SELF_BILLING.code),
}


# --- channels ------------------------------------------------------------------------------------
def _deposit_refusal(text: str) -> tuple[str, str]:
    codes = [code for code, fragment in DEPOSIT_MESSAGES.items() if fragment in text]
    return REFUSED, codes[0] if len(codes) == 1 else f"inattendu : {text[:300]}"


def _invoice_verdict(invoice: Invoice) -> tuple[str, str | None]:
    invoice.refresh_from_db()
    if invoice.status == InvoiceStatus.MISE_A_DISPOSITION:
        return ACCEPTED, None
    if invoice.status == InvoiceStatus.A_RECYCLER:
        return REFUSED, invoice.routing_error
    return "statut", invoice.status


def _portal(w, capture):
    f = w.fields
    data = {
        "supplier": w.supplier.pk,
        "recipient_siret": f["recipient_siret"],
        "service_code": f["service_code"],
        "ej_number": f["ej_number"],
        "number": f["number"],
        "type": f["type"],
        "cadre": "A1_FACTURE_FOURNISSEUR",
        "issue_date": f["issue_date"].isoformat(),
        "due_date": f["due_date"].isoformat() if f["due_date"] else "",
        "currency": "EUR",
        "payment_mode": "",
        "comment": "",
        "lignes-TOTAL_FORMS": "1",
        "lignes-INITIAL_FORMS": "0",
        "lignes-MIN_NUM_FORMS": "1",
        "lignes-MAX_NUM_FORMS": "200",
        "lignes-0-designation": "Prestation de conseil",
        "lignes-0-quantity": "10",
        "lignes-0-unit": "U",
        "lignes-0-unit_price": "50",
        "lignes-0-vat_rate": "20.00",
        "lignes-0-exemption_reason": "",
        "action": "envoyer",
    }
    w.client.force_login(w.user)
    with capture(execute=True):
        response = w.client.post(reverse("invoices:create"), data)
    if response.status_code != 302:
        return _deposit_refusal(response.content.decode())
    invoice = Invoice.objects.exclude(status=InvoiceStatus.BROUILLON).get(
        supplier=w.supplier, number=f["number"], deposit_mode="SAISIE_PORTAIL"
    )
    return _invoice_verdict(invoice)


def _api(w, capture):
    f = w.fields
    api = CproClient(w.client, get_token(w.client)["access_token"], "tech-equivalence", "sandbox")
    payload = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": f["number"],
        "dateFacture": f["issue_date"].isoformat(),
        "destinataire": {
            "codeDestinataire": f["recipient_siret"],
            "codeServiceExecutant": f["service_code"] or None,
        },
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": f["type"],
            "typeTva": "TVA_SUR_DEBIT",
            "numeroBonCommande": f["ej_number"] or None,
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
    if f["due_date"]:
        payload["dateEcheancePaiement"] = f["due_date"].isoformat()
    with capture(execute=True):
        response = api.post("factures/v1/soumettre", payload)
    body = response.json()
    if response.status_code != 200 or body.get("codeRetour"):
        return _deposit_refusal(json.dumps(body, ensure_ascii=False))
    return _invoice_verdict(Invoice.objects.get(pk=body["identifiantFactureCPP"]))


def _document(w) -> Invoice:
    """The invoice as the supplier's software would write it (our own writers, in memory)."""
    f = w.fields
    fields = {k: v for k, v in f.items() if v not in (None, "")}
    line = {"designation": "Prestation de conseil", "quantity": "10", "unit_price": "50"}
    invoice, lines = draft_build(
        supplier=w.supplier,
        by=w.user,
        lines=[{**line, "vat_rate": "20.00", "unit": "U"}],
        cadre="A1_FACTURE_FOURNISSEUR",
        **fields,
    )
    invoice.supplier_snapshot = party_snapshot(w.supplier)
    invoice.recipient_snapshot = {
        "name": "Destinataire",
        "address": "1 place de la Mairie",
        "postal_code": "75001",
        "city": "Paris",
        "country": "FR",
    }
    invoice._lines_for_test = lines
    return invoice


def _file(w, channel: str) -> ContentFile:
    invoice = _document(w)
    lines = invoice._lines_for_test
    if channel == "flux_ubl":
        return ContentFile(build_ubl(invoice, lines), name="facture.xml")
    cii = build_cii(invoice, lines)
    if channel in ("flux_cii", "precontrole"):
        return ContentFile(cii, name="facture.xml")
    buffer = io.BytesIO()
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(buffer)
    pdf_bytes = facturx.generate_from_binary(
        buffer.getvalue(), cii, flavor="factur-x", level="en16931", check_xsd=False
    )
    return ContentFile(pdf_bytes, name="facture.pdf")


def _report_verdict(document: dict) -> tuple[str, str | None]:
    blocking = [f for f in document["findings"] if f["severity"] in ("fatal", "error")]
    if not blocking:
        return ACCEPTED, None
    first = blocking[0]
    return REFUSED, first.get("reason") or f"{first['rule_id']} : {first['message_fr']}"


def _flux(w, capture, channel):
    file = _file(w, channel)
    with capture(execute=True):
        flux = flux_deposit(structure=w.supplier, by=w.user, file=file)
        flux = flux_process(flux_id=flux.pk)
    document = flux.report["documents"][0]
    if document.get("invoice_id"):
        return _invoice_verdict(Invoice.objects.get(pk=document["invoice_id"]))
    return _report_verdict(document)


def _precheck(w, capture, channel):
    report = flux_precheck(file=_file(w, channel), structure=w.supplier)
    return _report_verdict(report["documents"][0])


def _send(channel, w, capture):
    if channel == "portail":
        return _portal(w, capture)
    if channel == "api_soumettre":
        return _api(w, capture)
    if channel == "precontrole":
        return _precheck(w, capture, channel)
    return _flux(w, capture, channel)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_same_invoice_same_verdict_and_reason_on_every_channel(
    scenario, channel, client, django_capture_on_commit_callbacks
):
    world = World(client)
    setup, expected = SCENARIOS[scenario]
    setup(world)
    verdict = _send(channel, world, django_capture_on_commit_callbacks)
    assert verdict == ((REFUSED, expected) if expected else (ACCEPTED, None))


ROUTING_SCENARIOS = [
    name
    for name, (_setup, code) in SCENARIOS.items()
    if code is None or code in {rule.code for rule in R.ROUTING_RULES}
]


@pytest.mark.parametrize("scenario", ROUTING_SCENARIOS)
def test_recycler_applies_the_same_routing_rules(
    scenario, client, django_capture_on_commit_callbacks
):
    """`recycler` (portal and API share `invoice_recycle`): corrected routing data, same rules."""
    world = World(client)
    setup, expected = SCENARIOS[scenario]
    setup(world)
    returned = make_invoice(
        status=InvoiceStatus.A_RECYCLER,
        supplier=world.supplier,
        number="F-EQ-RECYCLE",
        recipient_siret=_luhn_siret(555),
        issue_date=timezone.localdate(),
    )
    f = world.fields
    with django_capture_on_commit_callbacks(execute=True):
        invoice_recycle(
            invoice_id=returned.pk,
            by=world.user,
            recipient_siret=f["recipient_siret"],
            service_code=f["service_code"],
            ej_number=f["ej_number"],
        )
    assert _invoice_verdict(returned) == ((REFUSED, expected) if expected else (ACCEPTED, None))


@pytest.mark.parametrize("channel", ["flux_ubl", "flux_cii", "precontrole"])
def test_credit_note_without_reference_is_a_warning_with_its_reason(client, channel):
    world = World(client)
    _credit_note_without_reference(world)
    report = flux_precheck(file=_file(world, channel), structure=world.supplier)
    document = report["documents"][0]
    reasons = {f["reason"]: f["severity"] for f in document["findings"] if f["reason"]}
    assert reasons == {R.CREDIT_NOTE_WITHOUT_REFERENCE.code: "warning"}
    assert document["valid"]


@pytest.mark.parametrize("fmt", ["cii", "facturx"])
def test_precheck_of_an_invoice_own_file_predicts_the_duplicate_refusal(
    fmt, client, django_capture_on_commit_callbacks
):
    """Issue 17: an invoice's own CII / Factur-X pre-checked says what depositing it says."""
    world = World(client)
    assert _portal(world, django_capture_on_commit_callbacks) == (ACCEPTED, None)
    channel = "flux_cii" if fmt == "cii" else "flux_facturx"
    precheck = flux_precheck(file=_file(world, channel), structure=world.supplier)
    assert precheck["valid"] == 0
    assert _report_verdict(precheck["documents"][0]) == (REFUSED, R.DUPLICATE_NUMBER.code)
    assert _flux(world, django_capture_on_commit_callbacks, channel) == (
        REFUSED,
        R.DUPLICATE_NUMBER.code,
    )


def test_every_rule_names_its_source_and_line_arithmetic_never_blocks():
    for rule in R.RULES:
        assert rule.source
        assert rule.label
        assert rule.finding_id.startswith("CHORUS-")
        if not rule.blocking:
            assert "émulateur" in rule.source
    assert not R.LINE_ARITHMETIC.blocking
    assert len(R.RULES_BY_CODE) == len(R.RULES)


@pytest.mark.parametrize("fmt", ["cii", "ubl"])
def test_portal_precheck_of_the_downloaded_file_says_what_its_deposit_says(
    fmt, client, django_capture_on_commit_callbacks
):
    """The issue's own path: /flux/factures/<id>/cii.xml pre-checked on the flux page."""
    world = World(client)
    assert _portal(world, django_capture_on_commit_callbacks) == (ACCEPTED, None)
    invoice = Invoice.objects.get(supplier=world.supplier, number="F-EQ-001")
    url = reverse(f"flux:invoice_{fmt}", args=[invoice.pk])
    content = client.get(url).content
    upload = ContentFile(content, name=f"facture.{fmt}.xml")
    data = {"structure": world.supplier.pk, "file": upload, "precheck": "1"}
    html = client.post(reverse("flux:upload"), data).content.decode()
    assert "0 facture(s) valide(s) sur 1" in html
    assert "a déjà été déposé" in html


def _blocking_rules(document: dict) -> set[str]:
    return {f["rule_id"] for f in document["findings"] if f["severity"] in ("fatal", "error")}


def test_inconsistent_totals_are_refused_on_every_channel_under_the_same_rules(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    """Totals: a file whose BT-112 is not BT-109 + BT-110 is refused under the same EN rule ids by
    the flux (UBL, CII, Factur-X) and the pré-contrôle; the API refuses declared totals that are
    not its lines' (20303); the portal computes its totals and cannot send inconsistent ones."""
    world = World(client)
    real_document = _document

    def wrong_total(w):
        invoice = real_document(w)
        invoice.total_gross += 1
        return invoice

    monkeypatch.setattr(f"{__name__}._document", wrong_total)
    found = {}
    for channel in ("flux_ubl", "flux_cii", "flux_facturx"):
        with django_capture_on_commit_callbacks(execute=True):
            flux = flux_deposit(structure=world.supplier, by=world.user, file=_file(world, channel))
            flux = flux_process(flux_id=flux.pk)
        document = flux.report["documents"][0]
        assert not document.get("invoice_id")
        found[channel] = _blocking_rules(document)
        precheck = flux_precheck(file=_file(world, channel), structure=world.supplier)
        assert _blocking_rules(precheck["documents"][0]) == found[channel]
    assert all("BR-CO-15" in rules for rules in found.values()), found
    api = CproClient(client, get_token(client)["access_token"], "tech-equivalence", "sandbox")
    payload = {
        "modeDepot": "SAISIE_API",
        "numeroFactureSaisi": "F-EQ-TOTAL",
        "destinataire": {"codeDestinataire": world.recipient.siret},
        "references": {"typeFacture": "FACTURE"},
        "lignePoste": [
            {
                "lignePosteDenomination": "Conseil",
                "lignePosteQuantite": 10,
                "lignePosteMontantUnitaireHT": 50.0,
                "lignePosteTauxTva": "TVA20",
            }
        ],
        "montantTotal": {"montantHtTotal": 501.0, "montantTVA": 100.0, "montantTtcTotal": 601.0},
    }
    body = api.post("factures/v1/soumettre", payload).json()
    assert body["codeRetour"] == 20303
    assert not Invoice.objects.filter(number="F-EQ-TOTAL").exists()


def test_batch_with_one_number_twice_pre_checks_as_it_deposits(
    client, django_capture_on_commit_callbacks
):
    """A batch: the deposit integrates the first invoice and refuses the second as a duplicate;
    the pré-contrôle says the same (1 valid of 2, DOUBLON on the second)."""
    import zipfile

    world = World(client)
    cii = _file(world, "flux_cii").read()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.xml", cii)
        archive.writestr("b.xml", cii)
    batch = buffer.getvalue()
    precheck = flux_precheck(file=ContentFile(batch, name="lot.zip"), structure=world.supplier)
    assert (precheck["valid"], precheck["total"]) == (1, 2)
    predicted = [_report_verdict(d) for d in precheck["documents"]]
    with django_capture_on_commit_callbacks(execute=True):
        flux = flux_deposit(
            structure=world.supplier, by=world.user, file=ContentFile(batch, name="lot.zip")
        )
        flux = flux_process(flux_id=flux.pk)
    deposited = [
        (ACCEPTED, None) if d.get("invoice_id") else _report_verdict(d)
        for d in flux.report["documents"]
    ]
    assert predicted == deposited == [(ACCEPTED, None), (REFUSED, R.DUPLICATE_NUMBER.code)]


@pytest.mark.parametrize("channel", ["flux_ubl", "flux_cii", "flux_facturx"])
def test_pre_check_predicts_what_the_draft_creation_refuses(
    client, django_capture_on_commit_callbacks, channel, monkeypatch
):
    """A number EN 16931 accepts but the deposit does not (« # »): refused by both, same text."""
    world = World(client)
    real_document = _document

    def odd_number(w):
        invoice = real_document(w)
        invoice.number = "F#EQ1"
        return invoice

    monkeypatch.setattr(f"{__name__}._document", odd_number)
    precheck = flux_precheck(file=_file(world, channel), structure=world.supplier)
    with django_capture_on_commit_callbacks(execute=True):
        flux = flux_deposit(structure=world.supplier, by=world.user, file=_file(world, channel))
        flux = flux_process(flux_id=flux.pk)
    predicted, deposited = precheck["documents"][0], flux.report["documents"][0]
    assert not deposited.get("invoice_id")
    assert predicted["valid"] is deposited["valid"] is False
    messages = [
        {f["message_fr"] for f in d["findings"] if f["rule_id"] == "CHORUS-020"}
        for d in (predicted, deposited)
    ]
    assert messages[0] == messages[1] != set()
