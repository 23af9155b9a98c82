"""`/cpro/...` — the Chorus Pro API paths as exposed by PISTE."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.urls.factures")),
    path("", include("api.urls.referentiel")),
]
