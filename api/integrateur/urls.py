"""`/integrateur/`: the integrator page and its JSON control API (`api/v1/...`)."""

from django.urls import path

from api.integrateur import views as v

app_name = "integrateur"

A = "api/v1/"

urlpatterns = [
    path("", v.home, name="home"),
    path("pannes/ajouter", v.fault_add, name="fault_add"),
    path("pannes/<int:pk>/basculer", v.fault_toggle, name="fault_toggle"),
    path("pannes/<int:pk>/supprimer", v.fault_remove, name="fault_remove"),
    path("journal/export", v.log_export, name="log_export"),
    path(f"{A}faults", v.FaultsView.as_view(), name="api_faults"),
    path(f"{A}faults/<int:pk>", v.FaultDetailView.as_view(), name="api_fault"),
    path(f"{A}requests", v.RequestLogView.as_view(), name="api_requests"),
    path(f"{A}requests/export", v.RequestLogExportView.as_view(), name="api_requests_export"),
    path(f"{A}events", v.EventsView.as_view(), name="api_events"),
    path(f"{A}events/ack", v.EventsAckView.as_view(), name="api_events_ack"),
    path(f"{A}webhooks", v.WebhooksView.as_view(), name="api_webhooks"),
    path(f"{A}webhooks/<int:pk>", v.WebhookDetailView.as_view(), name="api_webhook"),
    path(f"{A}deliveries/<int:pk>/replay", v.DeliveryReplayView.as_view(), name="api_replay"),
    path(f"{A}conformance", v.ConformanceView.as_view(), name="api_conformance"),
]
