from django.contrib import admin

from chorus.files import StoredFileAdminMixin
from support.models import Sollicitation, SollicitationAttachment, SollicitationMessage


class MessageInline(admin.StackedInline):
    model = SollicitationMessage
    extra = 0
    fields = ("author_label", "from_requester", "body", "created_at")
    readonly_fields = ("author_label", "from_requester", "body", "created_at")
    can_delete = False


@admin.register(Sollicitation)
class SollicitationAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "subject",
        "category",
        "status",
        "addressee",
        "contact_email",
        "created_at",
    )
    list_filter = ("status", "addressee", "category")
    search_fields = ("subject", "contact_email", "contact_name")
    readonly_fields = ("status", "created_at", "updated_at", "answered_at", "closed_at")
    raw_id_fields = ("requester", "invoice", "structure", "recipient_structure")
    inlines = [MessageInline]


@admin.register(SollicitationAttachment)
class SollicitationAttachmentAdmin(StoredFileAdminMixin, admin.ModelAdmin):
    list_display = ("filename", "message", "size", "created_at")
    raw_id_fields = ("message",)

    def has_add_permission(self, request) -> bool:
        return False  # attachments come with a message (portal); the file is never edited here
