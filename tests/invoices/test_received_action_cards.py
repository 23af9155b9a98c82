"""« Traiter la facture »: only the actions the current status allows; the next step of the normal
path stands out, jumps further ahead (optional steps, allowed by Chorus Pro §4.2) are folded."""

import re

import pytest
from django.urls import reverse

from invoices.choices import InvoiceStatus
from tests.invoices.test_received_support import public_structure, received, staff_of

S = InvoiceStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def mairie():
    return public_structure(name="Mairie de Trifouilly")


@pytest.fixture
def staff(client, mairie):
    user = staff_of(mairie)
    client.force_login(user)
    return user


def _sections(html: str) -> tuple[str, str]:
    """(cards shown at once, cards folded under « étape ultérieure »)."""
    main = re.search(r'data-actions="principales">(.*?)<!-- /actions principales -->', html, re.S)
    later = re.search(r'data-actions="ulterieures".*?</details>', html, re.S)
    return (main.group(1) if main else ""), (later.group(0) if later else "")


def _action(invoice, name: str) -> str:
    return f'action="{reverse("received:process", args=[invoice.pk, name])}"'


@pytest.mark.parametrize(
    ("status", "next_step", "shown", "folded", "absent"),
    [
        (
            S.MISE_A_DISPOSITION,
            "mark_service_done",
            {"suspend", "reject", "send_to_recycle"},
            {"mandate", "make_available_to_accounting", "mark_accounted", "mark_paid"},
            set(),
        ),
        (
            S.MANDATEE,
            "make_available_to_accounting",
            {"reject"},
            {"mark_accounted", "mark_paid"},
            {"suspend", "send_to_recycle", "mark_service_done", "mandate"},
        ),
        (
            S.COMPTABILISEE,
            "mark_paid",
            set(),
            set(),
            {"suspend", "reject", "mark_service_done", "mandate", "mark_accounted"},
        ),
    ],
)
def test_cards_follow_the_status(client, staff, mairie, status, next_step, shown, folded, absent):
    invoice = received(mairie, status=status)
    html = client.get(reverse("received:detail", args=[invoice.pk])).content.decode()
    main, later = _sections(html)
    assert _action(invoice, next_step) in main
    assert re.search(
        rf"{re.escape(_action(invoice, next_step))}[^>]*>.*?étape suivante", main, re.S
    )
    for name in shown:
        assert _action(invoice, name) in main, name
    for name in folded:
        assert _action(invoice, name) in later, name
        assert _action(invoice, name) not in main, name
    for name in absent:
        assert _action(invoice, name) not in html, name
    if not folded:
        assert 'data-actions="ulterieures"' not in html
    assert html.count("étape suivante") == 1


def test_an_error_on_a_folded_action_opens_its_panel(client, staff, mairie):
    invoice = received(mairie, status=S.MISE_A_DISPOSITION)
    url = reverse("received:process", args=[invoice.pk, "mandate"])
    response = client.post(url, {"mandate-expected_status": S.MISE_A_DISPOSITION})
    html = response.content.decode()
    assert "Numéro de mandat" in html
    assert "errorlist" in html
    assert re.search(r'<details class="later-steps" data-actions="ulterieures" open>', html)
