"""S4 — a hostile-file corpus through the real entry points: refused or flagged within 5 s.

Corpus built in `tests/security/hostile.py`. The time budget is a pass/fail safety bound (a
parser that loops or inflates a bomb blows it), not a benchmark. No case may raise anything but
the declared `ChorusError`, and no case may leak a local file (`/etc/passwd`).
"""

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chorus.exceptions import ChorusError
from invoices.flux.services import flux_precheck, unpack
from invoices.formats.validate import validate_document
from invoices.pdf_intake import prefill_from_cii, prefill_from_pdf
from invoices.uploads import KIND_ATTACHMENT, KIND_INVOICE, MAX_FILE_SIZE, check_uploaded_file
from tests.factories import MembershipFactory
from tests.fixtures import SAMPLES
from tests.security import hostile as h

BUDGET_SECONDS = 5.0
SAMPLE_CII = SAMPLES / "cii" / "akretion-factur-x-en16931.xml"
LEAK_MARKERS = ("root:x:0:0", "lollollol" * 50)


class Clock:
    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.monotonic() - self.started
        assert self.elapsed < BUDGET_SECONDS, f"{self.elapsed:.2f} s > {BUDGET_SECONDS} s"
        return False


def _no_leak(value) -> None:
    text = json.dumps(value, default=str)
    for marker in LEAK_MARKERS:
        assert marker not in text


def _good_xml() -> bytes:
    if SAMPLE_CII.exists():
        return SAMPLE_CII.read_bytes()
    return b"<?xml version='1.0'?><Invoice/>"


# --- upload validators (portal deposit and attachments) ---------------------------------------

UPLOAD_CASES = {
    "oversize-10MiB+1": lambda: ("facture.pdf", b"%PDF-1.7\n" + b"0" * (MAX_FILE_SIZE - 8)),
    "wrong-magic": lambda: ("facture.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100),
    "html-as-pdf": lambda: ("facture.pdf", b"<html><script>alert(1)</script></html>"),
    "encrypted": lambda: ("facture.pdf", h.encrypted_pdf()),
    "xref-loop": lambda: ("facture.pdf", h.xref_loop_pdf()),
    "truncated": lambda: ("facture.pdf", h.blank_pdf()[:200]),
    "name-too-long": lambda: ("f" * 60 + ".pdf", h.blank_pdf()),
    "nul-in-name": lambda: ("facture\x00.pdf", h.blank_pdf()),
}


@pytest.mark.parametrize("case", UPLOAD_CASES)
def test_hostile_invoice_upload_is_refused_in_time(case):
    name, content = UPLOAD_CASES[case]()
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    with Clock(), pytest.raises(ChorusError) as caught:
        check_uploaded_file(upload, kind=KIND_INVOICE)
    assert caught.value.field == "pdf"
    assert caught.value.message


def test_directory_parts_of_an_uploaded_name_are_dropped():
    """Django keeps only the base name: a traversal name cannot choose where the file goes."""
    upload = SimpleUploadedFile("../../etc/facture.pdf", h.blank_pdf())
    checked = check_uploaded_file(upload, kind=KIND_INVOICE)
    assert checked.name == "facture.pdf"


ATTACHMENT_CASES = {
    "pdf-named-png": lambda: ("photo.png", h.blank_pdf()),
    "exe-named-jpg": lambda: ("photo.jpg", b"MZ\x90\x00" + b"\0" * 100),
    "forbidden-extension": lambda: ("outil.exe", b"MZ\x90\x00"),
    "encrypted-pdf": lambda: ("annexe.pdf", h.encrypted_pdf()),
}


@pytest.mark.parametrize("case", ATTACHMENT_CASES)
def test_hostile_attachment_is_refused_in_time(case):
    name, content = ATTACHMENT_CASES[case]()
    with Clock(), pytest.raises(ChorusError) as caught:
        check_uploaded_file(SimpleUploadedFile(name, content), kind=KIND_ATTACHMENT)
    assert caught.value.field == "pieces_jointes"


def test_deflate_bomb_pdf_passes_the_cheap_structure_check_in_time():
    """pikepdf counts pages without inflating streams: the bomb costs nothing at upload."""
    upload = SimpleUploadedFile("facture.pdf", h.deflate_bomb_pdf())
    with Clock():
        checked = check_uploaded_file(upload, kind=KIND_INVOICE)
    assert checked.pdf_pages == 1


# --- structured formats: detect + parse + map + validate --------------------------------------

FORMAT_CASES = {
    "xxe": lambda: h.XXE,
    "billion-laughs": lambda: h.BILLION_LAUGHS,
    "external-dtd": lambda: h.EXTERNAL_DTD,
    "parameter-entity": lambda: h.PARAMETER_ENTITY,
    "deep-nesting": lambda: h.DEEP_NESTING,
    "facturx-with-xxe": lambda: h.facturx_with(h.XXE),
    "facturx-with-laughs": lambda: h.facturx_with(h.BILLION_LAUGHS),
    "facturx-attachment-bomb": h.facturx_attachment_bomb,
    "encrypted-pdf": h.encrypted_pdf,
    "xref-loop-pdf": h.xref_loop_pdf,
    "deflate-bomb-pdf": h.deflate_bomb_pdf,
    "not-xml": lambda: b"\x00\x01\x02binary",
}


@pytest.mark.parametrize("case", FORMAT_CASES)
def test_hostile_structured_invoice_is_refused_with_a_finding_in_time(case):
    payload = FORMAT_CASES[case]()
    with Clock():
        report, data = validate_document(payload, "hostile.xml", check_routing=False)
    assert data is None or not report.valid
    assert not report.valid
    assert report.findings
    _no_leak(report.as_json())


PDF_INTAKE_CASES = {
    "encrypted": h.encrypted_pdf,
    "xref-loop": h.xref_loop_pdf,
    "deflate-bomb": h.deflate_bomb_pdf,
    "facturx-with-xxe": lambda: h.facturx_with(h.XXE),
    "facturx-with-laughs": lambda: h.facturx_with(h.BILLION_LAUGHS),
    "facturx-attachment-bomb": h.facturx_attachment_bomb,
}


@pytest.mark.parametrize("case", PDF_INTAKE_CASES)
def test_pdf_intake_prefill_survives_hostile_pdfs_in_time(case):
    with Clock():
        prefill = prefill_from_pdf(PDF_INTAKE_CASES[case]())
    _no_leak(vars(prefill))


@pytest.mark.parametrize("payload", [h.XXE, h.BILLION_LAUGHS, h.EXTERNAL_DTD, h.DEEP_NESTING])
def test_pdf_intake_cii_prefill_never_expands_entities(payload):
    with Clock():
        prefill = prefill_from_cii(payload)
    if prefill is not None:
        _no_leak(vars(prefill))


# --- flux batches (zip / tar.gz) --------------------------------------------------------------

BATCH_REFUSED = {
    "zip-bomb": lambda: ("lot.zip", h.zip_bomb()),
    "zip-lying-sizes": lambda: ("lot.zip", h.zip_lying_sizes()),
    "zip-501-members": lambda: ("lot.zip", h.zip_many_members()),
    "gzip-bomb": lambda: ("lot.tar.gz", h.gzip_bomb()),
    "zip-only-traversal": lambda: ("lot.zip", h.zip_of({"../../evil.xml": b"<x/>"})),
    "truncated-zip": lambda: ("lot.zip", h.zip_of({"a.xml": b"<x/>" * 100})[:60]),
    "zip-named-garbage": lambda: ("lot.zip", b"PK\x03\x04" + b"\xff" * 200),
}


@pytest.mark.parametrize("case", BATCH_REFUSED)
def test_hostile_batch_is_refused_in_time(case):
    name, data = BATCH_REFUSED[case]()
    with Clock(), pytest.raises(ChorusError) as caught:
        unpack(name, data)
    assert caught.value.field == "file"


def test_zip_members_with_traversal_or_absolute_names_are_skipped():
    with Clock():
        members = unpack("lot.zip", h.zip_with_traversal(_good_xml()))
    assert [m.name for m in members] == ["bonne.xml"]


def test_tar_links_are_never_followed():
    with Clock():
        members = unpack("lot.tar.gz", h.tar_with_links(_good_xml()))
    assert [m.name for m in members] == ["bonne.xml"]
    assert all(b"root:" not in m.data for m in members)


def test_flux_precheck_of_a_batch_of_hostile_xml_flags_each_in_time():
    batch = h.zip_of({"xxe.xml": h.XXE, "laughs.xml": h.BILLION_LAUGHS, "dtd.xml": h.EXTERNAL_DTD})
    with Clock():
        report = flux_precheck(file=SimpleUploadedFile("lot.zip", batch))
    assert report["total"] == 3
    assert report["valid"] == 0
    _no_leak(report)


# --- through HTTP: the portal answers 4xx with a message, never 500 ---------------------------

HTTP_CASES = {
    "zip-bomb": lambda: ("lot.zip", h.zip_bomb()),
    "zip-lying-sizes": lambda: ("lot.zip", h.zip_lying_sizes()),
    "xxe": lambda: ("facture.xml", h.XXE),
    "billion-laughs": lambda: ("facture.xml", h.BILLION_LAUGHS),
    "facturx-attachment-bomb": lambda: ("facture.pdf", h.facturx_attachment_bomb()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", HTTP_CASES)
def test_flux_precheck_page_answers_hostile_files_without_500(client, case):
    membership = MembershipFactory(principal=True)
    client.force_login(membership.user)
    name, data = HTTP_CASES[case]()
    client.get("/flux/deposer/")  # warm-up: imports and templates are not the file's cost
    with Clock():
        response = client.post(
            "/flux/deposer/",
            {
                "structure": membership.structure.pk,
                "file": SimpleUploadedFile(name, data),
                "precheck": "1",
            },
        )
    assert response.status_code in {200, 400}
    _no_leak(response.content.decode())


def test_facturx_embedded_xml_is_inflated_within_a_cap():
    from invoices.formats.parse import FormatError, extract_from_pdf

    with pytest.raises(FormatError):
        extract_from_pdf(h.facturx_attachment_bomb())
