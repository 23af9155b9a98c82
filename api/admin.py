from django.contrib import admin

from api.models import (
    ApiEvent,
    ApiFile,
    EventConsumer,
    FaultRule,
    IdempotencyRecord,
    RequestLogEntry,
    TechnicalAccount,
    WebhookDelivery,
    WebhookSubscription,
)
from chorus.files import StoredFileAdminMixin


@admin.register(TechnicalAccount)
class TechnicalAccountAdmin(admin.ModelAdmin):
    list_display = ["login", "structure", "is_active", "password_expires_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["login", "structure__name", "structure__identifier"]
    list_select_related = ["structure"]
    readonly_fields = ["user", "password_hash", "created_at"]
    autocomplete_fields = ["structure"]


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "account", "path", "key", "status_code"]
    search_fields = ["key", "account__login"]
    list_select_related = ["account"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiFile)
class ApiFileAdmin(StoredFileAdminMixin, _ReadOnlyAdmin):
    list_display = ["created_at", "account", "filename", "size", "sha256", "invoice"]
    search_fields = ["filename", "sha256", "account__login"]
    list_select_related = ["account", "invoice"]


@admin.register(FaultRule)
class FaultRuleAdmin(admin.ModelAdmin):
    list_display = ["client_id", "structure", "path_pattern", "kind", "enabled", "hits"]
    list_filter = ["kind", "enabled"]
    search_fields = ["client_id", "path_pattern", "structure__name"]
    list_select_related = ["structure"]


@admin.register(RequestLogEntry)
class RequestLogEntryAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "client_id", "login", "method", "path", "status_code", "fault"]
    list_filter = ["status_code", "method"]
    search_fields = ["client_id", "login", "path"]


@admin.register(ApiEvent)
class ApiEventAdmin(_ReadOnlyAdmin):
    list_display = ["seq", "created_at", "kind", "from_state", "to_state", "invoice", "flux"]
    list_filter = ["kind"]
    list_select_related = ["invoice", "flux"]


@admin.register(EventConsumer)
class EventConsumerAdmin(_ReadOnlyAdmin):
    list_display = ["client_id", "structure", "acked_seq", "updated_at"]
    list_select_related = ["structure"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["client_id", "structure", "url", "is_active", "cursor_seq", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["client_id", "url"]
    list_select_related = ["structure"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnlyAdmin):
    list_display = ["subscription", "event", "status", "attempts", "last_status_code"]
    list_filter = ["status"]
    list_select_related = ["subscription", "event"]
