"""Sollicitation attachments follow the invoices' Chorus Pro upload rules, from one implementation
(`invoices.uploads`: name ≤ 50 characters, allowed extension, 10 MB, magic bytes, PDF structure)."""

from django.core.files.uploadedfile import UploadedFile

from chorus.exceptions import ChorusError
from invoices.uploads import KIND_ATTACHMENT, check_uploaded_file

MAX_FILES = 5


def validate_attachments(uploads: list[UploadedFile], *, field: str = "attachments") -> None:
    """Raise ChorusError (on `field`) naming the file and the rule it breaks."""
    if len(uploads) > MAX_FILES:
        raise ChorusError(
            f"Pièces jointes : {MAX_FILES} fichiers au plus par message.",
            field=field,
            code="attachment_count",
        )
    for upload in uploads:
        try:
            check_uploaded_file(upload, kind=KIND_ATTACHMENT)
        except ChorusError as exc:
            raise ChorusError(exc.message, field=field, code=exc.code) from None
        upload.seek(0)
