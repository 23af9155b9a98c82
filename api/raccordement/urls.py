from django.urls import path

from api.raccordement import views as v

app_name = "raccordement"

urlpatterns = [
    path("", v.index, name="index"),
    path("<int:pk>/", v.structure, name="structure"),
    path("<int:pk>/applications/", v.application_create, name="application_create"),
    path(
        "<int:pk>/applications/<int:app_pk>/revoquer/",
        v.application_delete,
        name="application_delete",
    ),
    path("<int:pk>/comptes-techniques/", v.account_issue, name="account_issue"),
    path(
        "<int:pk>/comptes-techniques/<int:account_pk>/desactiver/",
        v.account_deactivate,
        name="account_deactivate",
    ),
]
