from django.urls import path

from structures.directory import views

app_name = "annuaire"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/", views.detail, name="detail"),
]
