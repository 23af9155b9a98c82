from django.urls import path

from invoices.flux import views as flux_views

app_name = "flux"

urlpatterns = [
    path("", flux_views.flux_list, name="list"),
    path("deposer/", flux_views.flux_upload, name="upload"),
    path("<int:pk>/", flux_views.flux_detail, name="detail"),
    path("<int:pk>/fichier", flux_views.flux_file, name="file"),
    path("<int:pk>/compte-rendu.json", flux_views.flux_report_json, name="report_json"),
    path("factures/<int:pk>/cii.xml", flux_views.invoice_cii, name="invoice_cii"),
    path("factures/<int:pk>/ubl.xml", flux_views.invoice_ubl, name="invoice_ubl"),
]
