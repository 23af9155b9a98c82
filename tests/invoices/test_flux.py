"""Deposit flows: deposit, processing (idempotent), states, batches, pré-contrôle."""

import datetime
import io
import tarfile
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chorus.exceptions import ChorusError
from invoices.choices import InvoiceStatus
from invoices.flux.services import flux_deposit, flux_precheck, flux_process, unpack
from invoices.formats.ubl_writer import build_ubl
from invoices.models import FluxState, Invoice
from invoices.services.common import party_snapshot
from tests.factories import MembershipFactory, StructureFactory
from tests.invoices.conftest import accept_terms
from tests.invoices.factories import InvoiceFactory, add_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier_user():
    # BR-S-02: a seller invoicing standard-rated lines must show its VAT number.
    membership = MembershipFactory(structure=StructureFactory(vat_number="FR40303265045"))
    accept_terms(membership.user)
    return membership.structure, membership.user


def _ubl(supplier, recipient, number="F-FLUX-1") -> bytes:
    """A valid UBL invoice from supplier to recipient, written by our own writer."""
    template = InvoiceFactory.build(
        supplier=supplier,
        number=number,
        issue_date=datetime.date(2025, 1, 15),
        recipient_siret=recipient.siret,
        supplier_snapshot=party_snapshot(supplier),
        recipient_snapshot=party_snapshot(recipient),
    )
    template.save()
    lines = add_lines(template)
    xml = build_ubl(template, lines)
    template.lines.all().delete()
    template.delete()
    return xml


def _deposit(structure, user, name, data):
    return flux_deposit(structure=structure, by=user, file=SimpleUploadedFile(name, data))


def test_valid_invoice_is_integrated_and_enters_routing(
    supplier_user, django_capture_on_commit_callbacks
):
    structure, user = supplier_user
    recipient = StructureFactory(public=True)
    with django_capture_on_commit_callbacks(execute=True):
        flux = _deposit(structure, user, "facture.xml", _ubl(structure, recipient))
    flux.refresh_from_db()
    assert flux.state == FluxState.IN_INTEGRE
    assert flux.numero == f"CPP{flux.pk:022d}"
    assert flux.syntax == "IN_DP_E1_UBL_INVOICE"
    assert len(flux.sha256) == 64
    invoice = flux.invoices.get()
    assert invoice.number == "F-FLUX-1"
    assert invoice.deposit_mode == "EDI"
    assert invoice.status != InvoiceStatus.BROUILLON
    assert flux.report["integrated"] == 1


def test_unknown_recipient_rejects_the_flow_with_chorus_002(supplier_user):
    structure, user = supplier_user
    stranger = StructureFactory.build(public=True, identifier="73282932000074")
    flux = _deposit(structure, user, "facture.xml", _ubl(structure, stranger))
    flux = flux_process(flux_id=flux.pk)
    assert flux.state == FluxState.IN_REJETE
    rules = {f["rule_id"] for f in flux.report["documents"][0]["findings"]}
    assert "CHORUS-002" in rules
    assert not Invoice.objects.filter(number="F-FLUX-1").exists()


def test_processing_twice_changes_nothing(supplier_user):
    structure, user = supplier_user
    recipient = StructureFactory(public=True)
    flux = _deposit(structure, user, "f.xml", _ubl(structure, recipient))
    flux_process(flux_id=flux.pk)
    again = flux_process(flux_id=flux.pk)
    assert again.state == FluxState.IN_INTEGRE
    assert Invoice.objects.filter(supplier=structure).count() == 1


def test_batch_with_one_bad_invoice_is_partially_integrated(supplier_user):
    structure, user = supplier_user
    recipient = StructureFactory(public=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.xml", _ubl(structure, recipient, "F-OK"))
        archive.writestr("ko.xml", b"<a><b></a>")
        archive.writestr("../../evil.xml", b"<x/>")  # traversal: skipped
        archive.writestr("notes.txt", b"ignored")
    flux = _deposit(structure, user, "lot.zip", buffer.getvalue())
    flux = flux_process(flux_id=flux.pk)
    assert flux.state == FluxState.IN_INTEGRE_PARTIEL
    assert sorted(d["filename"] for d in flux.report["documents"]) == ["ko.xml", "ok.xml"]


def test_tar_gz_batch_is_read_and_links_are_ignored():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        content = b"<x/>"
        info = tarfile.TarInfo("dir/a.xml")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
        link = tarfile.TarInfo("b.xml")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
    members = unpack("lot.tar.gz", buffer.getvalue())
    assert [m.name for m in members] == ["a.xml"]


def test_batch_over_member_limit_is_refused(monkeypatch):
    monkeypatch.setattr("invoices.flux.services.MAX_MEMBERS", 2)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for n in range(3):
            archive.writestr(f"{n}.xml", b"<x/>")
    with pytest.raises(ChorusError, match="2 factures au maximum"):
        unpack("lot.zip", buffer.getvalue())


def test_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr("invoices.flux.services.MAX_TOTAL_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.xml", b"<x>" + b"0" * 100_000 + b"</x>")
    with pytest.raises(ChorusError, match="décompressés au maximum"):
        unpack("lot.zip", buffer.getvalue())


def test_precheck_reports_without_depositing(supplier_user):
    structure, _user = supplier_user
    recipient = StructureFactory(public=True)
    report = flux_precheck(
        file=SimpleUploadedFile("f.xml", _ubl(structure, recipient)), structure=structure
    )
    assert report["valid"] == 1
    assert report["integrated"] == 0
    assert not Invoice.objects.filter(supplier=structure).exists()


def test_non_member_cannot_deposit():
    structure = StructureFactory()
    other = MembershipFactory().user
    with pytest.raises(ChorusError):
        _deposit(structure, other, "f.xml", b"<x/>")


def test_deposit_records_the_processing_in_the_outbox_and_the_sweep_resends_it(
    supplier_user, monkeypatch, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from invoices.choices import OutboxKind
    from invoices.models import Outbox
    from invoices.tasks import outbox_sweep, process_flux

    structure, user = supplier_user
    recipient = StructureFactory(public=True)
    sent = []
    monkeypatch.setattr(process_flux, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        flux = _deposit(structure, user, "facture.xml", _ubl(structure, recipient))
    row = Outbox.objects.get(kind=OutboxKind.PROCESS_FLUX, flux=flux)
    assert sent == [flux.pk]  # sent once committed
    Outbox.objects.filter(pk=row.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))

    assert outbox_sweep.apply().get() == 1  # the message was lost: the sweep sends it again
    assert sent == [flux.pk, flux.pk]
    monkeypatch.undo()
    assert process_flux.apply(args=[flux.pk]).get() == FluxState.IN_INTEGRE
    row.refresh_from_db()
    assert row.processed_at is not None


def test_a_flux_is_dated_on_the_sandbox_clock(supplier_user, django_capture_on_commit_callbacks):
    """`dateDepotFlux` and the processing instant follow the supplier's sandbox clock, like the
    deposit date of the invoices the flux carries."""
    from django.utils import timezone

    from sandbox import services as sandbox_services

    structure, user = supplier_user
    recipient = StructureFactory(public=True)
    sandbox_services.clock_advance(days=30)
    simulated = timezone.now() + datetime.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        flux = _deposit(structure, user, "facture.xml", _ubl(structure, recipient))
    flux.refresh_from_db()
    assert abs((flux.created_at - simulated).total_seconds()) < 5
    assert flux.state == FluxState.IN_INTEGRE
    assert abs((flux.processed_at - simulated).total_seconds()) < 5
