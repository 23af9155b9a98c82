"""Admin for inspection: invoices are read-only once deposited; services do the mutations."""

from django.contrib import admin

from chorus.files import StoredFileAdminMixin
from invoices.models import Flux, Invoice, InvoiceDocument, InvoiceEvent, InvoiceLine, Outbox
from invoices.totals import compute_totals


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = [
        "position",
        "designation",
        "quantity",
        "unit",
        "unit_price",
        "vat_rate",
        "exemption_reason",
        "line_net",
    ]
    readonly_fields = ["line_net"]

    def _editable(self, obj) -> bool:
        return obj is not None and obj.is_draft

    def get_readonly_fields(self, request, obj=None):
        return self.fields if not self._editable(obj) else self.readonly_fields

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


class InvoiceEventInline(admin.TabularInline):
    model = InvoiceEvent
    extra = 0
    fields = ["created_at", "action", "from_status", "to_status", "actor", "reason", "data"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "type", "supplier", "recipient_siret", "status", "total_gross"]
    list_filter = ["status", "type", "cadre"]
    search_fields = ["number", "recipient_siret", "supplier__name", "supplier__identifier"]
    list_select_related = ["supplier"]
    raw_id_fields = ["supplier", "recipient", "service", "credited_invoice", "created_by"]
    inlines = [InvoiceLineInline, InvoiceEventInline]
    # Computed or set by transitions: never typed in the admin.
    always_readonly = [
        "status",
        "number_year",
        "total_net",
        "total_vat",
        "total_gross",
        "vat_breakdown",
        "supplier_snapshot",
        "recipient_snapshot",
        "created_at",
        "updated_at",
        "deposited_at",
        "made_available_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return [field.name for field in Invoice._meta.fields]
        return self.always_readonly

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the per-invoice check
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_draft:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        invoice = form.instance
        if invoice.is_draft:  # keep the draft's totals in step with lines edited here
            lines = list(invoice.lines.all())
            for line in lines:
                line.line_net = compute_totals([line]).net
                line.save(update_fields=["line_net"])
            totals = compute_totals(lines)
            invoice.total_net, invoice.total_vat, invoice.total_gross = (
                totals.net,
                totals.vat,
                totals.gross,
            )
            invoice.vat_breakdown = [group.as_json() for group in totals.breakdown]
            invoice.save()


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "invoice",
        "created_at",
        "dispatched_at",
        "processed_at",
        "attempts",
    ]
    list_filter = ["kind", ("processed_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["invoice"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Outbox._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # view permission alone shows the read-only page

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Archived records: visible to admins, never added, changed or deleted here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(InvoiceDocument)
class InvoiceDocumentAdmin(StoredFileAdminMixin, _ReadOnlyAdmin):
    list_display = ["created_at", "invoice", "kind", "filename", "size", "sha256"]
    list_filter = ["kind"]
    search_fields = ["filename", "sha256", "invoice__number"]
    list_select_related = ["invoice"]


@admin.register(Flux)
class FluxAdmin(StoredFileAdminMixin, _ReadOnlyAdmin):
    list_display = ["numero", "created_at", "supplier", "syntax", "state", "filename", "size"]
    list_filter = ["state", "syntax"]
    search_fields = ["filename", "sha256", "supplier__name", "supplier__identifier"]
    list_select_related = ["supplier"]
