"""The 2026 reform bridge: Chorus statuses with their CDAR lifecycle codes."""

import pytest
from django.template import Context, Template

from invoices.cdar import CHORUS_TO_CDAR, cdar_code, cdar_label
from invoices.choices import InvoiceStatus


def test_every_chorus_status_is_mapped_or_explicitly_none():
    assert set(CHORUS_TO_CDAR) == set(InvoiceStatus.values)


def test_codes_follow_the_reform_lifecycle():
    assert cdar_code(InvoiceStatus.DEPOSEE) == 200
    assert cdar_code(InvoiceStatus.MISE_A_DISPOSITION) == 203
    assert cdar_code(InvoiceStatus.SUSPENDUE) == 208
    assert cdar_code(InvoiceStatus.COMPLETEE) == 209
    assert cdar_code(InvoiceStatus.REJETEE) == 210
    assert cdar_code(InvoiceStatus.MISE_EN_PAIEMENT) == 211
    assert cdar_code(InvoiceStatus.A_RECYCLER) is None
    assert cdar_label(InvoiceStatus.SERVICE_FAIT) == "205 Approuvée"
    assert cdar_label(InvoiceStatus.MANDATEE) == ""


def test_template_filter_shows_code_and_label():
    template = Template("{% load cdar %}[{{ s|cdar_code }}][{{ t|cdar_code }}]")
    rendered = template.render(Context({"s": "SUSPENDUE", "t": "A_RECYCLER"}))
    assert rendered == "[208 Suspendue][]"


@pytest.mark.django_db
def test_both_timelines_show_the_cdar_code_of_each_status_change(client):
    from invoices.choices import InvoiceStatus
    from invoices.services import invoice_suspend
    from tests.factories import MembershipFactory, StructureFactory
    from tests.invoices.factories import make_invoice

    recipient = StructureFactory(public=True)
    invoice = make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION,
        recipient=recipient,
        recipient_siret=recipient.siret,
    )
    agent = MembershipFactory(structure=recipient).user
    invoice_suspend(invoice_id=invoice.pk, by=agent, reason="Pièce manquante")
    supplier_member = MembershipFactory(structure=invoice.supplier).user
    for user, page in ((supplier_member, "/factures/"), (agent, "/factures-recues/")):
        client.force_login(user)
        assert "208 Suspendue" in client.get(f"{page}{invoice.pk}/").text
