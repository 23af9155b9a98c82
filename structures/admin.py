from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from chorus.exceptions import ChorusError
from structures.bank_services import clean_bic, clean_iban
from structures.models import (
    BankAccount,
    CompanyRecord,
    EngagementJuridique,
    Membership,
    Service,
    Structure,
    StructureLog,
)


@admin.register(CompanyRecord)
class CompanyRecordAdmin(admin.ModelAdmin):
    list_display = ("siret", "name", "postal_code", "city", "category", "is_active", "updated_on")
    list_filter = ("is_active", "category")
    search_fields = ("siret", "name", "city")


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ("code", "label", "is_active", "ej_required", "valid_from", "valid_until")


class EngagementJuridiqueInline(admin.TabularInline):
    model = EngagementJuridique
    extra = 0
    fields = ("number", "supplier_siret", "amount", "valid_from", "valid_until")


class BankAccountForm(forms.ModelForm):
    """IBAN and BIC checked with python-stdnum, stored compact (as the portal does)."""

    class Meta:
        model = BankAccount
        fields = ("label", "iban", "bic", "is_active", "is_default")

    def _checked(self, cleaner, name: str) -> str:
        try:
            return cleaner(self.cleaned_data.get(name, ""))
        except ChorusError as exc:
            raise ValidationError(exc.message) from None

    def clean_iban(self) -> str:
        return self._checked(clean_iban, "iban")

    def clean_bic(self) -> str:
        return self._checked(clean_bic, "bic")


class BankAccountInline(admin.TabularInline):
    model = BankAccount
    form = BankAccountForm
    extra = 0
    fields = ("label", "iban", "bic", "is_active", "is_default")


@admin.register(BankAccount)
class BankAccountAdmin(admin.ModelAdmin):
    form = BankAccountForm
    list_display = ("label", "structure", "masked_iban", "bic", "is_active", "is_default")
    list_filter = ("is_active", "is_default")
    search_fields = ("label", "structure__name", "structure__identifier")
    autocomplete_fields = ("structure",)

    def get_fields(self, request, obj=None):
        return ("structure", "label", "iban", "bic", "is_active", "is_default")


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "structure"
    extra = 0
    can_delete = False
    fields = ("user", "role", "status", "requested_at", "decided_at")
    readonly_fields = ("user", "role", "status", "requested_at", "decided_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "identifier",
        "identifier_type",
        "kind",
        "company_category",
        "public_category",
        "city",
        "is_active",
    )
    list_filter = ("kind", "is_active", "company_category", "public_category", "identifier_type")
    search_fields = ("name", "identifier", "vat_number")
    readonly_fields = ("created_at",)
    inlines = [ServiceInline, EngagementJuridiqueInline, BankAccountInline, MembershipInline]
    fieldsets = (
        (None, {"fields": ("kind", "identifier_type", "identifier", "name", "is_active")}),
        ("Adresse", {"fields": ("address", "postal_code", "city", "country")}),
        ("Catégorie", {"fields": ("vat_number", "company_category", "public_category")}),
        (
            "Paramètres de destinataire public",
            {
                "fields": (
                    "service_code_required",
                    "ej_required",
                    "ej_or_service_required",
                    "payment_status_not_reported",
                    "ej_format_regex",
                    "ej_format_label",
                )
            },
        ),
        ("Suivi", {"fields": ("created_at",)}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "structure",
        "role",
        "status",
        "access_level",
        "requested_at",
        "decided_at",
    )
    list_filter = ("status", "role", "access_level")
    filter_horizontal = ("services",)
    search_fields = ("user__email", "structure__name", "structure__identifier")
    list_select_related = ("user", "structure")
    autocomplete_fields = ("user", "structure")
    # The status is a protected FSM field: it changes only through the services.
    readonly_fields = ("status", "requested_at", "decided_at", "decided_by")


@admin.register(StructureLog)
class StructureLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "structure", "action", "actor", "target_user", "message")
    list_filter = ("action",)
    search_fields = ("structure__name", "structure__identifier", "message", "actor__email")
    list_select_related = ("structure", "actor", "target_user")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "structure", "is_active", "ej_required")
    list_filter = ("is_active", "ej_required")
    search_fields = ("code", "label", "structure__name", "structure__identifier")
    list_select_related = ("structure",)
    autocomplete_fields = ("structure",)


@admin.register(EngagementJuridique)
class EngagementJuridiqueAdmin(admin.ModelAdmin):
    list_display = ("number", "structure", "supplier_siret", "amount", "valid_from", "valid_until")
    search_fields = ("number", "supplier_siret", "structure__name", "structure__identifier")
    list_select_related = ("structure",)
    autocomplete_fields = ("structure",)
