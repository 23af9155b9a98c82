"""Stored files leave the server only through views that check the caller's right to them.

There is no `/media/` route in any mode (chorus/urls.py): each kind of stored file has its own
download view that looks the object up in the caller's scope (another tenant: 404) and then calls
`stored_file_response`. In the admin, `StoredFileAdminMixin` replaces Django's link to
`FileField.url` with a download that checks the admin's view permission on the object.
"""

from django.core.exceptions import PermissionDenied
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html


def stored_file_response(
    stored: FieldFile, *, filename: str, content_type: str = ""
) -> FileResponse:
    """The stored bytes as a download (never shown inline), or 404 if the file is missing."""
    if not stored:
        raise Http404("Fichier absent de l'archive.")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("Fichier absent de l'archive.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename or "fichier",
        content_type=content_type or "application/octet-stream",
    )


class StoredFileAdminMixin:
    """Admin of a model with a `file` FileField (and `filename`, optional `content_type`).

    Django's admin renders a FileField as a link to `file.url` (under MEDIA_URL, which nothing
    serves): the field is hidden and a « Télécharger » link to a permission-checked view is shown.
    """

    file_field = "file"

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or ()), self.file_field]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "stored_file_link"] if obj is not None else fields

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != self.file_field]
        if obj is not None and "stored_file_link" not in fields:
            fields.append("stored_file_link")
        return fields

    def stored_file_link(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_file", args=[obj.pk])
        return format_html('<a href="{}">Télécharger {}</a>', url, obj.filename)

    stored_file_link.short_description = "fichier"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<int:pk>/fichier/",
                self.admin_site.admin_view(self.stored_file_view),
                name=f"{opts.app_label}_{opts.model_name}_file",
            ),
            *super().get_urls(),
        ]

    def stored_file_view(self, request: HttpRequest, pk: int) -> FileResponse:
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None:
            raise Http404("Fichier introuvable.")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return stored_file_response(
            getattr(obj, self.file_field),
            filename=obj.filename,
            content_type=getattr(obj, "content_type", ""),
        )
