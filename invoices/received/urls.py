from django.urls import path

from invoices.received import views

app_name = "received"

urlpatterns = [
    path("", views.received_list, name="list"),
    path("export.csv", views.received_export, name="export"),
    path("archive.zip", views.received_zip, name="zip"),
    path("tableau-de-bord/", views.received_dashboard_index, name="dashboard_index"),
    path("tableau-de-bord/<int:structure_id>/", views.received_dashboard, name="dashboard"),
    path("<int:pk>/", views.received_detail, name="detail"),
    path("<int:pk>/traiter/<slug:action>/", views.received_process, name="process"),
]
