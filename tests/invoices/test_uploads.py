"""Upload checks (invoices.uploads): Chorus limits, magic bytes, pikepdf structural parse."""

import io

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chorus.exceptions import ChorusError
from invoices.uploads import (
    KIND_ATTACHMENT,
    KIND_INVOICE,
    MAX_FILE_SIZE,
    MAX_TOTAL_SIZE,
    check_pdf_structure,
    check_uploaded_file,
    validate_total,
    validate_upload,
)
from tests.fixtures import SAMPLES

SAMPLE_PDF = SAMPLES / "facturx" / "mustang-Facture_F20180027.pdf"
CORRUPT_PDF = SAMPLES / "invalid" / "mustang-corruptedV2PDF.pdf"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def blank_pdf(*, encryption: pikepdf.Encryption | None = None) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=encryption or False)
    return out.getvalue()


def encrypted_pdf(*, user_password: str = "") -> bytes:
    return blank_pdf(encryption=pikepdf.Encryption(owner="proprietaire", user=user_password))


def sample_bytes() -> bytes:
    return SAMPLE_PDF.read_bytes()


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_sample_pdf_passes_every_check():
    checked = check_uploaded_file(upload("facture.pdf", sample_bytes()), kind=KIND_INVOICE)
    assert checked.extension == "pdf"
    assert checked.content_type == "application/pdf"
    assert checked.pdf_pages == 1
    assert checked.size == SAMPLE_PDF.stat().st_size


def test_extension_is_case_insensitive():
    checked = check_uploaded_file(upload("FACTURE.PDF", sample_bytes()), kind=KIND_INVOICE)
    assert checked.extension == "pdf"


def test_ten_mb_is_accepted_and_ten_mb_plus_one_byte_refused():
    assert (
        validate_upload(name="photo.png", size=MAX_FILE_SIZE, head_bytes=PNG, kind=KIND_ATTACHMENT)
        == "png"
    )
    with pytest.raises(ChorusError) as exc:
        validate_upload(
            name="photo.png", size=MAX_FILE_SIZE + 1, head_bytes=PNG, kind=KIND_ATTACHMENT
        )
    assert exc.value.message == "« photo.png » : 10,0 Mo, la limite est 10 Mo par fichier."


def test_a_real_ten_mb_plus_one_byte_upload_is_refused():
    content = b"%PDF-1.4\n" + b"0" * (MAX_FILE_SIZE + 1 - 9)
    with pytest.raises(ChorusError, match="la limite est 10 Mo par fichier"):
        check_uploaded_file(upload("grosse.pdf", content), kind=KIND_INVOICE)


def test_size_message_uses_french_decimal():
    with pytest.raises(ChorusError) as exc:
        validate_upload(
            name="facture.pdf",
            size=int(10.5 * 1024 * 1024),
            head_bytes=b"%PDF-1.7",
            kind=KIND_INVOICE,
        )
    assert exc.value.message == "« facture.pdf » : 10,5 Mo, la limite est 10 Mo par fichier."
    assert exc.value.field == "pdf"


def test_non_pdf_named_pdf_is_refused():
    with pytest.raises(ChorusError, match="n'est pas un PDF") as exc:
        check_uploaded_file(upload("facture.pdf", PNG), kind=KIND_INVOICE)
    assert "« facture.pdf »" in exc.value.message


def test_magic_bytes_must_match_the_attachment_extension():
    with pytest.raises(ChorusError, match=r"ne correspond pas à l'extension « \.png »"):
        check_uploaded_file(upload("photo.png", b"GIF89a..."), kind=KIND_ATTACHMENT)
    with pytest.raises(ChorusError, match=r"« \.docx »"):
        check_uploaded_file(upload("devis.docx", b"not a zip"), kind=KIND_ATTACHMENT)
    ok = check_uploaded_file(upload("archive.zip", b"PK\x03\x04rest"), kind=KIND_ATTACHMENT)
    assert ok.content_type == "application/zip"
    assert check_uploaded_file(upload("notes.txt", b"bonjour"), kind=KIND_ATTACHMENT)


def test_encrypted_pdf_with_empty_user_password_is_refused():
    with pytest.raises(ChorusError, match="le PDF est chiffré"):
        check_uploaded_file(upload("facture.pdf", encrypted_pdf()), kind=KIND_INVOICE)


def test_password_protected_pdf_is_refused():
    with pytest.raises(ChorusError, match="le PDF est chiffré"):
        check_uploaded_file(
            upload("facture.pdf", encrypted_pdf(user_password="secret")), kind=KIND_INVOICE
        )


def test_corrupt_pdf_is_refused():
    with pytest.raises(ChorusError, match="le PDF est endommagé"):
        check_uploaded_file(upload("casse.pdf", CORRUPT_PDF.read_bytes()), kind=KIND_INVOICE)
    with pytest.raises(ChorusError, match="le PDF est endommagé"):
        check_pdf_structure(name="tronque.pdf", content=sample_bytes()[:20_000])


def test_name_longer_than_fifty_characters_is_refused():
    name = "f" * 47 + ".pdf"  # 51 characters
    with pytest.raises(ChorusError) as exc:
        check_uploaded_file(upload(name, sample_bytes()), kind=KIND_INVOICE)
    assert "51 caractères, la limite est 50 caractères" in exc.value.message
    assert check_uploaded_file(upload("f" * 46 + ".pdf", sample_bytes()), kind=KIND_INVOICE)


def test_name_without_extension_is_refused():
    with pytest.raises(ChorusError, match="doit se terminer par une extension"):
        validate_upload(name="facture", size=10, head_bytes=b"%PDF-", kind=KIND_ATTACHMENT)


def test_forbidden_extension_is_refused():
    with pytest.raises(ChorusError, match=r"l'extension « \.exe » n'est pas acceptée"):
        check_uploaded_file(upload("virus.exe", b"MZ...."), kind=KIND_ATTACHMENT)


def test_invoice_must_be_a_pdf():
    with pytest.raises(ChorusError, match="la facture doit être un fichier PDF"):
        check_uploaded_file(upload("facture.png", PNG), kind=KIND_INVOICE)


def test_empty_file_is_refused():
    with pytest.raises(ChorusError, match="le fichier est vide"):
        validate_upload(name="vide.txt", size=0, head_bytes=b"", kind=KIND_ATTACHMENT)


def test_total_of_120_mb_is_the_limit():
    validate_total(sizes=[MAX_FILE_SIZE] * 12)  # exactly 120 MB
    with pytest.raises(ChorusError) as exc:
        validate_total(sizes=[MAX_FILE_SIZE] * 12 + [1])
    assert "la limite est 120 Mo par facture" in exc.value.message


def test_signature_field_marks_the_pdf_as_signed():
    pdf = pikepdf.open(io.BytesIO(blank_pdf()))
    pdf.Root.AcroForm = pdf.make_indirect(pikepdf.Dictionary(SigFlags=3, Fields=pikepdf.Array()))
    out = io.BytesIO()
    pdf.save(out)
    pages, signed = check_pdf_structure(name="signee.pdf", content=out.getvalue())
    assert (pages, signed) == (1, True)
    assert check_pdf_structure(name="simple.pdf", content=blank_pdf()) == (1, False)


def test_total_constant_is_120_mebibytes():
    assert MAX_TOTAL_SIZE == 120 * 1024 * 1024
