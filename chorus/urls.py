from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider.views import TokenView

from api.authentication import token_view_throttled
from chorus import views

# The admin login goes through allauth, so its rate limits (and MFA) apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "chorus — administration (émulation, ceci n'est pas Chorus Pro)"
admin.site.site_title = "chorus admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("compte/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("structures/", include("structures.urls")),
    path("annuaire/", include("structures.directory.urls")),
    path("factures-recues/", include("invoices.received.urls")),
    path("factures/", include("invoices.urls")),
    path("flux/", include("invoices.flux.urls")),
    path("api/oauth/token", token_view_throttled(TokenView.as_view()), name="oauth_token"),
    path("cpro/", include("api.urls")),
    path("integrateur/", include("api.integrateur.urls")),
    path("raccordement/", include("api.raccordement.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("bac-a-sable/", include("sandbox.urls")),
    path("sandbox/api/v1/", include("sandbox.api_urls")),
    path("", include("support.urls")),
    path("admin/", admin.site.urls),
]
# No /media/ route in any mode: stored files (invoice PDFs, certificates, flux, attachments) are
# served only by views that check the caller's right to each one (chorus/files.py).
