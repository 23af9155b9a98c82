"""One vocabulary (issue 17): every `chorus.invoice.*` action code has its French label in
`invoices/vocabulary.py`, and no history page shows a raw key."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from invoices.choices import InvoiceStatus, RoutingError
from invoices.models import InvoiceEvent
from invoices.rules.catalogue import RULES
from invoices.vocabulary import (
    ACTION_LABELS,
    UNKNOWN_ACTION_LABEL,
    InvoiceAction,
    action_label,
    reason_label,
)
from tests.invoices.test_received_support import public_structure, received, staff_of

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"""["'](chorus\.invoice\.[a-z_]*[a-z])["']""")


def test_action_codes_are_written_once_in_the_vocabulary_and_named_everywhere_else():
    """Services, tasks and the API name `InvoiceAction.X`: a bare code elsewhere is a second
    home."""
    elsewhere = {}
    for folder in ("invoices", "api", "sandbox", "structures", "support", "accounts", "chorus"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "vocabulary.py" or "migrations" in path.parts:
                continue
            codes = CODE.findall(path.read_text(encoding="utf-8"))
            if codes:
                elsewhere[str(path.relative_to(ROOT))] = codes
    assert elsewhere == {}
    written = set(CODE.findall((ROOT / "invoices" / "vocabulary.py").read_text(encoding="utf-8")))
    assert written == {action.value for action in InvoiceAction}
    assert set(ACTION_LABELS) >= written


def test_labels_are_french_sentences_and_unknown_codes_never_show_raw():
    for code, label in ACTION_LABELS.items():
        assert label
        assert "chorus." not in label
        assert label != code
    assert action_label("chorus.invoice.not_listed") == UNKNOWN_ACTION_LABEL


def test_every_reason_code_has_a_french_label():
    for rule in RULES:
        assert reason_label(rule.code) == rule.label
    for code, label in RoutingError.choices:
        assert reason_label(code) == label


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["fournisseur", "destinataire"])
def test_history_with_every_event_type_shows_no_raw_key(client, side):
    mairie = public_structure(name="Mairie du vocabulaire")
    invoice = received(mairie)
    for code in [*InvoiceAction.values, "chorus.invoice.future_event"]:
        InvoiceEvent.objects.create(invoice=invoice, action=code, reason="")
    if side == "fournisseur":
        user = staff_of(invoice.supplier)
        url = reverse("invoices:detail", args=[invoice.pk])
    else:
        user = staff_of(mairie)
        url = reverse("received:detail", args=[invoice.pk])
    client.force_login(user)
    html = client.get(url).content.decode()
    assert "chorus.invoice" not in html
    assert "Brouillon modifié" in html
    assert "Facture téléchargée" in html
    assert UNKNOWN_ACTION_LABEL in html
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
