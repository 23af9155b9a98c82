from django.urls import path

from sandbox import api_views

app_name = "sandbox_api"

urlpatterns = [
    path("horloge", api_views.ClockView.as_view(), name="clock"),
    path("horloge/avancer", api_views.ClockAdvanceView.as_view(), name="clock_advance"),
    path("horloge/figer", api_views.ClockFreezeView.as_view(), name="clock_freeze"),
    path("horloge/reinitialiser", api_views.ClockResetView.as_view(), name="clock_reset"),
    path("robots/<int:structure_id>", api_views.RobotView.as_view(), name="robot"),
    path("sandboxes", api_views.SandboxCreateView.as_view(), name="sandboxes"),
]
