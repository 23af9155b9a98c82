from django.urls import path

from structures import bank_views, settings_views, views

app_name = "structures"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("creer/", views.create, name="create"),
    path("creer/repertoire/", views.lookup, name="lookup"),
    path("rattachement/", views.request_attachment, name="request"),
    path("invitations/", views.invitations, name="invitations"),
    path(
        "invitations/<int:membership_pk>/accepter/",
        views.invitation_accept,
        name="invitation_accept",
    ),
    path(
        "invitations/<int:membership_pk>/refuser/",
        views.invitation_decline,
        name="invitation_decline",
    ),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/demandes/valider/", views.approve, name="approve"),
    path("<int:pk>/demandes/refuser/", views.refuse, name="refuse"),
    path("<int:pk>/membres/ajouter/", views.add_member, name="add_member"),
    path("<int:pk>/membres/<int:membership_pk>/detacher/", views.detach, name="detach"),
    path("<int:pk>/transfert/", views.transfer, name="transfer"),
    path("<int:pk>/quitter/", views.leave, name="leave"),
    # Bank details (principal manager only).
    path("<int:pk>/coordonnees-bancaires/", bank_views.bank_accounts, name="bank_accounts"),
    path(
        "<int:pk>/coordonnees-bancaires/<int:account_pk>/defaut/",
        bank_views.bank_account_default,
        name="bank_account_default",
    ),
    path(
        "<int:pk>/coordonnees-bancaires/<int:account_pk>/desactiver/",
        bank_views.bank_account_deactivate,
        name="bank_account_deactivate",
    ),
    # Settings of a public structure (principal manager only).
    path(
        "<int:pk>/parametres/facturation/",
        settings_views.billing,
        name="settings_billing",
    ),
    path("<int:pk>/parametres/services/", settings_views.service_list, name="settings_services"),
    path(
        "<int:pk>/parametres/services/creer/",
        settings_views.service_create,
        name="settings_service_create",
    ),
    path(
        "<int:pk>/parametres/services/<int:service_pk>/",
        settings_views.service_edit,
        name="settings_service_edit",
    ),
    path(
        "<int:pk>/parametres/services/<int:service_pk>/desactiver/",
        settings_views.service_deactivate,
        name="settings_service_deactivate",
    ),
    path(
        "<int:pk>/parametres/engagements/",
        settings_views.engagement_list,
        name="settings_engagements",
    ),
    path(
        "<int:pk>/parametres/engagements/creer/",
        settings_views.engagement_create,
        name="settings_engagement_create",
    ),
    path(
        "<int:pk>/parametres/engagements/importer/",
        settings_views.engagement_import,
        name="settings_engagement_import",
    ),
    path(
        "<int:pk>/parametres/engagements/modele.csv",
        settings_views.engagement_template,
        name="settings_engagement_template",
    ),
    path(
        "<int:pk>/parametres/engagements/<int:engagement_pk>/",
        settings_views.engagement_edit,
        name="settings_engagement_edit",
    ),
    path(
        "<int:pk>/parametres/engagements/<int:engagement_pk>/supprimer/",
        settings_views.engagement_delete,
        name="settings_engagement_delete",
    ),
    path("<int:pk>/parametres/agents/", settings_views.staff, name="settings_staff"),
    path(
        "<int:pk>/parametres/agents/<int:membership_pk>/",
        settings_views.staff_access,
        name="settings_staff_access",
    ),
]
