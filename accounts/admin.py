from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from accounts.models import Notification, SandboxEmail, TermsAcceptance, User
from accounts.services import user_mark_email_verified


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class TermsAcceptanceInline(admin.TabularInline):
    model = TermsAcceptance
    extra = 0
    can_delete = False
    fields = ("document", "version", "accepted_at", "ip_address")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = (
        "email",
        "first_name",
        "last_name",
        "phone",
        "is_active",
        "is_staff",
        "is_superuser",
        "mfa_exempt",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "mfa_exempt", "date_joined")
    search_fields = ("email", "first_name", "last_name", "contact_email", "phone")
    readonly_fields = ("last_login", "date_joined")
    inlines = [TermsAcceptanceInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name", "phone", "contact_email")}),
        (
            "Droits",
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "mfa_exempt",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
        ("Identité", {"fields": ("first_name", "last_name", "phone")}),
    )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            # An administrator vouches for the address: the account can log in at once.
            user_mark_email_verified(user=obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "document", "version", "accepted_at", "ip_address")
    list_filter = ("document", "version")
    search_fields = ("user__email", "user__last_name")
    list_select_related = ("user",)
    date_hierarchy = "accepted_at"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SandboxEmail)
class SandboxEmailAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "to", "subject")
    search_fields = ("to", "subject")
    date_hierarchy = "sent_at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "title", "read_at", "emailed_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "title", "key"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"


# French names in the admin for models whose app has no French translation (issue 18): display
# only, through the admin's app list (changing their Meta would mean migrations in those apps).
FRENCH_ADMIN_NAMES = {
    "oauth2_provider": (
        "OAuth : applications et jetons",
        {
            "accesstoken": "Jetons d'accès",
            "application": "Applications",
            "grant": "Autorisations (codes)",
            "idtoken": "Jetons d'identité",
            "refreshtoken": "Jetons de renouvellement",
        },
    ),
    "mfa": ("Double authentification", {"authenticator": "Authentificateurs"}),
    "api": (None, {"eventconsumer": "Consommateurs du flux d'événements"}),
}
_app_list = admin.site.get_app_list


def _french_app_list(request, app_label=None):
    apps = _app_list(request, app_label)
    for app in apps:
        app_name, models = FRENCH_ADMIN_NAMES.get(app["app_label"], (None, {}))
        if app_name:
            app["name"] = app_name
        for model in app["models"]:
            model["name"] = models.get(model["object_name"].lower(), model["name"])
    return apps


admin.site.get_app_list = _french_app_list
