"""`/cpro/...` — the Chorus Pro API paths as exposed by PISTE."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.urls_factures")),
    path("", include("api.urls_referentiel")),
]
