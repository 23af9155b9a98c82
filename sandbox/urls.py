from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("horloge/avancer/", views.clock_advance, name="clock_advance"),
    path("horloge/figer/", views.clock_freeze, name="clock_freeze"),
    path("horloge/reinitialiser/", views.clock_reset, name="clock_reset"),
    path("reinitialiser/", views.sandbox_reset, name="reset"),
    path("robots/<int:structure_id>/", views.scenario, name="scenario"),
]
