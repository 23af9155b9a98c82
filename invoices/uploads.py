"""Checks on uploaded files before anything is stored (chorus-pro.md §9, reliability-perf.md §3.5).

Order: name (≤ 50 characters with an allowed extension), size (≤ 10 MB per file), magic bytes
(never the Content-Type), then for PDFs a structural parse with pikepdf — open and count pages
only, no recovery of broken files, encrypted files refused. The per-invoice total (≤ 120 MB) is
checked by `validate_total`. Every refusal is a `ChorusError` naming the file and the rule.
"""

import io
from dataclasses import dataclass

import pikepdf
from django.core.files.uploadedfile import UploadedFile

from chorus.exceptions import ChorusError
from chorus.limits import INVOICE_FILE_MAX_BYTES
from invoices.validators import text_check

MB = 1024 * 1024
MAX_FILE_SIZE = INVOICE_FILE_MAX_BYTES  # chorus/limits.py: the same on the portal and the API
MAX_TOTAL_SIZE = 120 * MB
MAX_NAME_LENGTH = 50
HEAD_SIZE = 1024
# The extension allow-list of Chorus Pro attachments (chorus-pro.md §9).
ALLOWED_EXTENSIONS = frozenset(
    [
        "bmp",
        "gif",
        "fax",
        "odt",
        "ppt",
        "tiff",
        "xls",
        "bz2",
        "gz",
        "jpeg",
        "p7s",
        "rtf",
        "txt",
        "xml",
        "csv",
        "gzip",
        "jpg",
        "pdf",
        "svg",
        "xhtml",
        "xlsx",
        "doc",
        "htm",
        "odp",
        "png",
        "tgz",
        "xlc",
        "zip",
        "docx",
        "html",
        "ods",
        "pps",
        "tif",
        "xlm",
        "pptx",
    ]
)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
GZ_MAGIC = (b"\x1f\x8b",)
MAGIC_BYTES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
    "bz2": (b"BZh",),
    "gz": GZ_MAGIC,
    "gzip": GZ_MAGIC,
    "tgz": GZ_MAGIC,
    **{ext: ZIP_MAGIC for ext in ("zip", "xlsx", "docx", "pptx", "odt", "ods", "odp")},
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "svg": "image/svg+xml",
    "zip": "application/zip",
    "gz": "application/gzip",
    "gzip": "application/gzip",
    "tgz": "application/gzip",
    "bz2": "application/x-bzip2",
    "xml": "application/xml",
    "csv": "text/csv",
    "txt": "text/plain",
    "htm": "text/html",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
    "rtf": "application/rtf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "p7s": "application/pkcs7-signature",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"
MAX_PDF_PAGES = 500

KIND_INVOICE = "facture"  # the invoice itself: a PDF only
KIND_ATTACHMENT = "piece_jointe"  # a supporting document: any allowed extension


@dataclass(frozen=True)
class CheckedFile:
    """An uploaded file that passed every check; `content` is what will be stored."""

    name: str
    content: bytes
    content_type: str
    extension: str
    pdf_pages: int | None = None
    pdf_signed: bool = False

    @property
    def size(self) -> int:
        return len(self.content)


def format_size(size: int) -> str:
    """French rendering of a size in MB (MiB) with one decimal: 10,5 Mo."""
    return f"{size / MB:.1f}".replace(".", ",") + " Mo"


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and ext else ""


def validate_upload(*, name: str, size: int, head_bytes: bytes, kind: str) -> str:
    """Check name, size and magic bytes; return the lower-case extension."""
    field = "pdf" if kind == KIND_INVOICE else "pieces_jointes"
    label = f"« {name} »"
    if not name or "/" in name or "\\" in name or "\x00" in name:
        raise ChorusError(f"Fichier {label} : nom de fichier invalide.", field=field)
    text_check(value=name, field_label="Nom du fichier", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise ChorusError(
            f"{label} : le nom comporte {len(name)} caractères, la limite est "
            f"{MAX_NAME_LENGTH} caractères (extension comprise).",
            field=field,
        )
    extension = _extension(name)
    if not extension:
        raise ChorusError(
            f"{label} : le nom doit se terminer par une extension (par exemple « .pdf »).",
            field=field,
        )
    if kind == KIND_INVOICE and extension != "pdf":
        raise ChorusError(
            f"{label} : la facture doit être un fichier PDF (extension « .pdf »).", field=field
        )
    if extension not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(sorted(ALLOWED_EXTENSIONS))
        raise ChorusError(
            f"{label} : l'extension « .{extension} » n'est pas acceptée par Chorus Pro "
            f"(extensions autorisées : {allowed}).",
            field=field,
        )
    if size <= 0:
        raise ChorusError(f"{label} : le fichier est vide.", field=field)
    if size > MAX_FILE_SIZE:
        raise ChorusError(
            f"{label} : {format_size(size)}, la limite est 10 Mo par fichier.", field=field
        )
    if extension == "pdf":
        if b"%PDF-" not in head_bytes[:HEAD_SIZE]:
            raise ChorusError(
                f"{label} : ce fichier n'est pas un PDF (signature « %PDF- » absente), malgré "
                "son extension.",
                field=field,
            )
    elif extension in MAGIC_BYTES and not head_bytes.startswith(MAGIC_BYTES[extension]):
        raise ChorusError(
            f"{label} : le contenu ne correspond pas à l'extension « .{extension} ».", field=field
        )
    return extension


def validate_total(*, sizes: list[int], field: str = "pieces_jointes") -> None:
    """Invoice plus attachments: 120 MB at most."""
    total = sum(sizes)
    if total > MAX_TOTAL_SIZE:
        raise ChorusError(
            f"Pièces jointes : la facture et ses pièces jointes pèseraient {format_size(total)}, "
            "la limite est 120 Mo par facture.",
            field=field,
        )


def _has_signature(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is None:
        return False
    if int(acroform.get("/SigFlags", 0)) & 1:
        return True
    return any(field.get("/FT") == pikepdf.Name.Sig for field in acroform.get("/Fields", []))


def check_pdf_structure(*, name: str, content: bytes, field: str = "pdf") -> tuple[int, bool]:
    """pikepdf open (no recovery) and page count: return (pages, signed). Bounded work only."""
    label = f"« {name} »"
    try:
        with pikepdf.open(io.BytesIO(content), attempt_recovery=False) as pdf:
            if pdf.is_encrypted:
                raise ChorusError(
                    f"{label} : le PDF est chiffré (protégé par mot de passe ou restrictions) ; "
                    "déposez une version non chiffrée.",
                    field=field,
                )
            pages = len(pdf.pages)
            signed = _has_signature(pdf)
    except pikepdf.PasswordError:
        raise ChorusError(
            f"{label} : le PDF est chiffré (protégé par mot de passe) ; déposez une version "
            "non chiffrée.",
            field=field,
        ) from None
    except (pikepdf.PdfError, ValueError, RecursionError) as exc:
        raise ChorusError(
            f"{label} : le PDF est endommagé et ne peut pas être lu ({str(exc)[:120]}).",
            field=field,
        ) from None
    if pages == 0:
        raise ChorusError(f"{label} : le PDF ne comporte aucune page.", field=field)
    if pages > MAX_PDF_PAGES:
        raise ChorusError(
            f"{label} : {pages} pages, la limite est {MAX_PDF_PAGES} pages.", field=field
        )
    return pages, signed


def check_uploaded_file(upload: UploadedFile, *, kind: str) -> CheckedFile:
    """All checks on one Django upload; the content is read only once the size is known good."""
    name = (upload.name or "").strip()
    size = upload.size or 0
    upload.seek(0)
    head = upload.read(HEAD_SIZE)
    extension = validate_upload(name=name, size=size, head_bytes=head, kind=kind)
    upload.seek(0)
    content = upload.read(MAX_FILE_SIZE + 1)
    # The declared size is the handler's count; check what was really read too.
    validate_upload(name=name, size=len(content), head_bytes=content[:HEAD_SIZE], kind=kind)
    pages, signed = None, False
    if extension == "pdf":
        field = "pdf" if kind == KIND_INVOICE else "pieces_jointes"
        pages, signed = check_pdf_structure(name=name, content=content, field=field)
    return CheckedFile(
        name=name,
        content=content,
        content_type=CONTENT_TYPES.get(extension, FALLBACK_CONTENT_TYPE),
        extension=extension,
        pdf_pages=pages,
        pdf_signed=signed,
    )
