from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API Chorus Pro (PISTE)"

    def ready(self) -> None:
        from api import schema  # noqa: F401  (registers the OpenAPI authentication extension)
        from api.events import events_register_listeners

        events_register_listeners()  # invoice status / flux state changes → ApiEvent rows
