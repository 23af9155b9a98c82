from django.urls import path

from invoices import views

app_name = "invoices"

urlpatterns = [
    path("", views.issued, name="issued"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("saisie/", views.create, name="create"),
    path("saisie/destinataire/", views.recipient_lookup, name="recipient_lookup"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/recycler/", views.recycle, name="recycle"),
    path("<int:pk>/completer/", views.complete, name="complete"),
    path("<int:pk>/rejet/acquitter/", views.acknowledge_rejection, name="acknowledge_rejection"),
    path("<int:pk>/rejet/traiter/", views.process_rejection, name="process_rejection"),
    path(
        "<int:pk>/suspension/acquitter/",
        views.acknowledge_suspension,
        name="acknowledge_suspension",
    ),
    path("<int:pk>/avoir/", views.credit_note, name="credit_note"),
    path("depot-pdf/", views.deposit_pdf, name="deposit_pdf"),
    path("<int:pk>/depot-pdf/", views.deposit_pdf_confirm, name="deposit_pdf_confirm"),
    path("<int:pk>/pieces-jointes/", views.attach, name="attach"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
]
