"""Issue 14 items 3, 11, 15: control characters, the invoice-line limit and implausible dates are
refused at input on every channel (portal, API, flux files) by the checks of invoices.validators;
a document that cannot be rendered ends in a visible state."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices import pdf, tasks
from invoices.choices import InvoiceStatus, OutboxKind
from invoices.flux.services import flux_deposit
from invoices.formats.ubl_writer import build_ubl
from invoices.models import FluxState, Invoice, Outbox
from invoices.services import invoice_create_draft, invoice_update_draft
from invoices.services.common import party_snapshot
from invoices.validators import MAX_INVOICE_LINES, date_check, lines_count_check, text_check
from tests.factories import MembershipFactory, StructureFactory
from tests.invoices.conftest import accept_terms
from tests.invoices.factories import InvoiceFactory, add_lines, make_invoice
from tests.invoices.test_views_entry import CREATE, form_data

pytestmark = pytest.mark.django_db


# The checks themselves --------------------------------------------------------------------------
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\ud800", "\uffff"])
def test_text_check_refuses_control_characters_naming_the_field(char):
    with pytest.raises(ChorusError) as caught:
        text_check(value=f"Ramettes{char}A4", field_label="Désignation", field="designation")
    assert caught.value.message.startswith("Désignation : caractère de contrôle interdit")
    assert f"U+{ord(char):04X}" in caught.value.message
    assert caught.value.field == "designation"


def test_tab_and_newline_only_in_a_multiline_field():
    text = "Ligne 1\n\tLigne 2\r\n"
    assert text_check(value=text, field_label="Commentaire", multiline=True) == text
    with pytest.raises(ChorusError, match="Désignation : caractère de contrôle interdit"):
        text_check(value="a\nb", field_label="Désignation")
    with pytest.raises(ChorusError):
        text_check(value="a\x00b", field_label="Commentaire", multiline=True)
    assert text_check(value="Été, 50 % — « net »", field_label="Désignation")


@pytest.mark.parametrize("year", [1, 1999, 2100, 9999])
def test_date_check_refuses_implausible_years(year):
    with pytest.raises(ChorusError, match="Date de facture : date invraisemblable"):
        date_check(value=datetime.date(year, 6, 1), field_label="Date de facture")


def test_date_check_accepts_todays_dates():
    today = timezone.localdate()
    assert date_check(value=today, field_label="Date de facture") == today
    assert date_check(value=None, field_label="Date de facture") is None


def test_line_limit_is_one_constant():
    assert lines_count_check(count=MAX_INVOICE_LINES) == MAX_INVOICE_LINES
    with pytest.raises(ChorusError, match=f"{MAX_INVOICE_LINES} lignes au maximum"):
        lines_count_check(count=MAX_INVOICE_LINES + 1)


# Services (every channel goes through them) -----------------------------------------------------
def test_draft_service_refuses_control_characters_and_dates(supplier, supplier_user):
    line = {"designation": "Ok", "quantity": "1", "unit_price": "1", "vat_rate": "20"}
    with pytest.raises(ChorusError, match="Ligne 2 — désignation : caractère de contrôle"):
        invoice_create_draft(
            supplier=supplier, by=supplier_user, lines=[line, {**line, "designation": "A\x00B"}]
        )
    with pytest.raises(ChorusError, match="Ligne 1 — unité : caractère de contrôle"):
        invoice_create_draft(supplier=supplier, by=supplier_user, lines=[{**line, "unit": "\x1b"}])
    with pytest.raises(ChorusError, match="Code service : caractère de contrôle"):
        invoice_create_draft(supplier=supplier, by=supplier_user, service_code="S\x07")
    with pytest.raises(ChorusError, match="Date d'échéance : date invraisemblable"):
        invoice_create_draft(
            supplier=supplier, by=supplier_user, due_date=datetime.date(9999, 12, 31)
        )
    draft = invoice_create_draft(supplier=supplier, by=supplier_user, comment="Lot 1\nLot 2")
    with pytest.raises(ChorusError, match="Date de facture : date invraisemblable"):
        invoice_update_draft(
            invoice_id=draft.pk, by=supplier_user, issue_date=datetime.date(1, 1, 1)
        )
    assert not Invoice.objects.exclude(pk=draft.pk).exists()


# Portal ------------------------------------------------------------------------------------------
@pytest.fixture
def logged(client, supplier_user):
    client.force_login(supplier_user)
    return client


def test_portal_refuses_control_characters_naming_the_field_and_keeps_the_input(
    logged, supplier, recipient
):
    data = form_data(
        supplier, recipient.siret, lines=[("Ramettes\x07A4", "10", "4,99", "20.00", "")]
    )
    data["comment"] = "Livraison\x1b"
    response = logged.post(CREATE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Désignation : caractère de contrôle interdit (U+0007" in html
    assert "Commentaire : caractère de contrôle interdit (U+001B" in html
    assert "4,99" in html  # what was typed is kept
    assert not Invoice.objects.exists()


def test_portal_names_the_field_of_a_nul_character(logged, supplier, recipient):
    lines = [("Ramettes\x00A4", "10", "4,99", "20.00", "")]
    response = logged.post(CREATE, form_data(supplier, recipient.siret, lines=lines))
    assert response.status_code == 400
    assert "Désignation : caractère de contrôle interdit (U+0000" in response.content.decode()
    assert not Invoice.objects.exists()


def test_portal_accepts_a_multiline_comment(logged, supplier, recipient):
    data = form_data(supplier, recipient.siret, comment="Lot 1\r\nLot 2")
    response = logged.post(CREATE, data)
    assert response.status_code == 302
    assert Invoice.objects.get().comment == "Lot 1\r\nLot 2"


def test_portal_refuses_an_implausible_date(logged, supplier, recipient):
    response = logged.post(CREATE, form_data(supplier, recipient.siret, issue_date="9999-12-31"))
    assert response.status_code == 400
    assert "Date de facture : date invraisemblable (31/12/9999)" in response.content.decode()
    assert not Invoice.objects.exists()


def test_portal_refuses_more_lines_than_the_limit(logged, supplier, recipient):
    lines = [("Article", "1", "1", "20.00", "")] * (MAX_INVOICE_LINES + 1)
    response = logged.post(CREATE, form_data(supplier, recipient.siret, lines=lines))
    assert response.status_code == 400
    assert not Invoice.objects.exists()


# Flux files --------------------------------------------------------------------------------------
@pytest.fixture
def flux_supplier():
    membership = MembershipFactory(structure=StructureFactory(vat_number="FR40303265045"))
    accept_terms(membership.user)
    return membership.structure, membership.user


def _ubl(supplier, recipient, *, lines=1, issue_date=datetime.date(2025, 1, 15), name=None):
    template = InvoiceFactory.build(
        supplier=supplier,
        number="F-FLUX-LIM",
        issue_date=issue_date,
        recipient_siret=recipient.siret,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
    )
    template.save()
    built = add_lines(template, specs=[(1, "10.00", "20.00")] * lines)
    if name is not None:
        built[0].designation = name
    xml = build_ubl(template, built)
    template.lines.all().delete()
    template.delete()
    return xml


def _process(structure, user, data, capture):
    with capture(execute=True):
        flux = flux_deposit(
            structure=structure, by=user, file=SimpleUploadedFile("facture.xml", data)
        )
    flux.refresh_from_db()
    return flux


def _messages(flux) -> str:
    return str(flux.report)


def test_flux_over_the_line_limit_is_rejected_with_the_limit(
    flux_supplier, django_capture_on_commit_callbacks
):
    structure, user = flux_supplier
    recipient = StructureFactory(public=True)
    data = _ubl(structure, recipient, lines=MAX_INVOICE_LINES + 1)
    flux = _process(structure, user, data, django_capture_on_commit_callbacks)
    assert flux.state == FluxState.IN_REJETE
    assert f"{MAX_INVOICE_LINES} lignes au maximum" in _messages(flux)
    assert not Invoice.objects.filter(number="F-FLUX-LIM").exists()


def test_flux_with_an_implausible_date_is_rejected(
    flux_supplier, django_capture_on_commit_callbacks
):
    structure, user = flux_supplier
    recipient = StructureFactory(public=True)
    data = _ubl(structure, recipient, issue_date=datetime.date(9999, 1, 15))
    flux = _process(structure, user, data, django_capture_on_commit_callbacks)
    assert flux.state == FluxState.IN_REJETE
    assert "Date de facture : date invraisemblable" in _messages(flux)


def test_flux_with_a_control_character_in_a_line_name_is_rejected(
    flux_supplier, django_capture_on_commit_callbacks
):
    structure, user = flux_supplier
    recipient = StructureFactory(public=True)
    # XML 1.0 carries C1 controls (not C0): one reaches the mapping and must stop there.
    data = _ubl(structure, recipient, name="Prestation\x9b")
    flux = _process(structure, user, data, django_capture_on_commit_callbacks)
    assert flux.state == FluxState.IN_REJETE
    assert "désignation : caractère de contrôle interdit (U+009B" in _messages(flux)


# A document that cannot be rendered ---------------------------------------------------------------
def test_a_document_that_cannot_be_rendered_is_recorded_not_retried_forever(
    supplier, recipient, supplier_user, client, monkeypatch
):
    invoice = make_invoice(
        status=InvoiceStatus.MISE_A_DISPOSITION, supplier=supplier, recipient=recipient
    )
    Outbox.objects.create(invoice=invoice, kind=OutboxKind.RENDER_DOCUMENTS)

    def broken(*args, **kwargs):
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(pdf, "render_invoice_pdf", broken)
    assert tasks.render_invoice_documents(invoice.pk) == 0
    assert tasks.render_invoice_documents(invoice.pk) == 0  # run again: one event
    row = Outbox.objects.get(invoice=invoice, kind=OutboxKind.RENDER_DOCUMENTS)
    assert row.processed_at is not None
    assert "XML compatible" in row.last_error
    events = invoice.events.filter(action=tasks.RENDER_FAILED_ACTION)
    assert events.count() == 1
    assert "impossibles à produire" in events.get().reason
    client.force_login(supplier_user)
    page = client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    assert "Documents impossibles à produire" in page


def test_attachment_names_with_control_characters_are_refused():
    from invoices.uploads import validate_upload

    with pytest.raises(ChorusError, match="Nom du fichier : caractère de contrôle interdit"):
        validate_upload(name="bon\x1b.pdf", size=10, head_bytes=b"%PDF-1.7", kind="piece_jointe")


def test_recipient_dates_must_be_plausible(invoice_in, recipient_user):
    from invoices.services import invoice_mark_paid, invoice_mark_service_done

    invoice = invoice_in(InvoiceStatus.MISE_A_DISPOSITION)
    with pytest.raises(ChorusError, match="Date du service fait : date invraisemblable"):
        invoice_mark_service_done(
            invoice_id=invoice.pk, by=recipient_user, on=datetime.date(1, 1, 1)
        )
    with pytest.raises(ChorusError, match="Date de mise en paiement : date invraisemblable"):
        invoice_mark_paid(
            invoice_id=invoice.pk, by=recipient_user, on=datetime.date(9999, 1, 1), amount="1"
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.MISE_A_DISPOSITION
