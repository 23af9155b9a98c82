"""VAT categories the EN 16931 rules constrain beyond one line (issue 16 point 9): refused at entry
with a French message naming the field, or written so that the generated files pass every rule."""

import pytest
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices import services
from invoices.choices import InvoiceStatus
from invoices.formats.cii_writer import build_cii
from invoices.formats.ubl_writer import build_ubl
from invoices.formats.validate import validate_document
from invoices.models import Invoice
from tests.invoices.test_views_entry import form_data

pytestmark = pytest.mark.django_db

STANDARD = {"designation": "Conseil", "quantity": "2", "unit_price": "100", "vat_rate": "20"}
OUT_OF_SCOPE = {
    "designation": "Subvention",
    "quantity": "1",
    "unit_price": "500",
    "vat_rate": "0",
    "exemption_reason": "HORS_CHAMP",
}
INTRACOM = {
    "designation": "Matériel livré depuis l'Allemagne",
    "quantity": "3",
    "unit_price": "40",
    "vat_rate": "0",
    "exemption_reason": "LIVRAISON_INTRACOM",
}


def _deposit(supplier, user, recipient, lines):
    return services.invoice_deposit(
        supplier=supplier,
        by=user,
        lines=lines,
        number="F-TVA-1",
        recipient_siret=recipient.siret,
        issue_date=timezone.localdate(),
    )


def test_out_of_scope_line_mixed_with_other_lines_is_refused(supplier, supplier_user, recipient):
    with pytest.raises(ChorusError, match=r"Ligne 2 — motif d'exonération .* BR-O-11") as caught:
        services.invoice_create_draft(
            supplier=supplier, by=supplier_user, lines=[OUT_OF_SCOPE, STANDARD]
        )
    assert caught.value.field == "exemption_reason"
    assert "hors du champ de la TVA" in caught.value.message
    assert not Invoice.objects.exists()


def test_out_of_scope_invoice_alone_is_deposited_and_written_without_vat_ids(
    supplier, supplier_user, recipient
):
    recipient.vat_number = "FR61217500016"
    recipient.save()
    invoice = _deposit(supplier, supplier_user, recipient, [OUT_OF_SCOPE, OUT_OF_SCOPE])
    assert invoice.status == InvoiceStatus.DEPOSEE
    for writer in (build_cii, build_ubl):
        report, data = validate_document(writer(invoice), "o.xml", check_routing=False)
        assert not report.findings, [f.as_json() for f in report.findings]  # BR-O-02
        assert (data.seller.vat_number, data.buyer.vat_number) == ("", "")


def test_intracom_line_to_a_recipient_without_vat_number_is_refused(
    supplier, supplier_user, recipient
):
    with pytest.raises(ChorusError, match="Ligne 2 — livraison intracommunautaire") as caught:
        _deposit(supplier, supplier_user, recipient, [STANDARD, INTRACOM])
    assert caught.value.field == "recipient_siret"
    assert "n° de TVA intracommunautaire (BT-48)" in caught.value.message
    assert "Mairie de Trifouilly" in caught.value.message
    assert not Invoice.objects.exists()


def test_intracom_line_from_a_supplier_without_vat_number_is_refused(
    supplier, supplier_user, recipient
):
    supplier.vat_number = ""
    supplier.save()
    recipient.vat_number = "FR61217500016"
    recipient.save()
    with pytest.raises(ChorusError, match=r"fournisseur \(BT-31\)") as caught:
        _deposit(supplier, supplier_user, recipient, [INTRACOM])
    assert caught.value.field == "vat_number"


def test_intracom_submit_of_a_draft_is_refused_and_the_draft_kept(
    supplier, supplier_user, recipient
):
    draft = services.invoice_create_draft(
        supplier=supplier,
        by=supplier_user,
        lines=[INTRACOM],
        number="F-TVA-2",
        recipient_siret=recipient.siret,
        issue_date=timezone.localdate(),
    )
    with pytest.raises(ChorusError, match="BR-IC-02"):
        services.invoice_submit(invoice_id=draft.pk, by=supplier_user)
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.BROUILLON


def test_intracom_invoice_is_written_with_buyer_vat_and_delivery_country(
    supplier, supplier_user, recipient
):
    recipient.vat_number = "FR61217500016"
    recipient.save()
    invoice = _deposit(supplier, supplier_user, recipient, [STANDARD, INTRACOM])
    for writer in (build_cii, build_ubl):
        xml = writer(invoice)
        report, data = validate_document(xml, "k.xml", check_routing=False)
        assert not report.findings, [f.as_json() for f in report.findings]  # BR-IC-02/11/12
        assert data.buyer.vat_number == "FR61217500016"
        assert b"<cbc:IdentificationCode>FR</cbc:IdentificationCode>" in xml or (
            b"<ram:ShipToTradeParty>" in xml
        )


def test_portal_refuses_mixing_out_of_scope_with_other_lines(
    client, supplier, supplier_user, recipient
):
    client.force_login(supplier_user)
    lines = [("Subvention", "1", "500", "0.00", "HORS_CHAMP"), ("Conseil", "1", "10", "20.00", "")]
    response = client.post(
        reverse("invoices:create"), form_data(supplier, recipient.siret, lines=lines)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ligne 2 — motif d&#x27;exonération" in html
    assert "BR-O-11" in html
    assert 'value="Subvention"' in html  # nothing typed is lost
    assert not Invoice.objects.exists()


def test_intracom_recycled_to_a_recipient_without_vat_number_is_refused(
    supplier, supplier_user, recipient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = services.invoice_deposit(
            supplier=supplier,
            by=supplier_user,
            lines=[INTRACOM],
            number="F-TVA-3",
            recipient_siret="12345678901234",  # unknown: the routing sends it to recycle
            issue_date=timezone.localdate(),
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.A_RECYCLER
    with pytest.raises(ChorusError, match="BT-48") as caught:
        services.invoice_recycle(
            invoice_id=invoice.pk, by=supplier_user, recipient_siret=recipient.siret
        )
    assert caught.value.field == "recipient_siret"
    recipient.vat_number = "FR61217500016"
    recipient.save()
    services.invoice_recycle(
        invoice_id=invoice.pk, by=supplier_user, recipient_siret=recipient.siret
    )
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.A_RECYCLER


def test_deposit_problems_lists_the_vat_category_problems(supplier, supplier_user, recipient):
    """The portal's « Valider et envoyer » shows every problem at once: these too."""
    problems = services.deposit_problems(
        supplier=supplier,
        by=supplier_user,
        lines=[OUT_OF_SCOPE, INTRACOM],
        number="F-TVA-4",
        recipient_siret=recipient.siret,
        issue_date=timezone.localdate(),
    )
    messages = " ".join(problem.message for problem in problems)
    assert "BR-O-11" in messages
    assert "BR-IC-02" in messages
    assert {"exemption_reason", "recipient_siret"} <= {problem.field for problem in problems}
