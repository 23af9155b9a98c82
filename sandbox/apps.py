from django.apps import AppConfig


class SandboxConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sandbox"
    verbose_name = "Bac à sable"

    def ready(self) -> None:
        from chorus import clock
        from sandbox.selectors import sandbox_for_structure

        clock.register_sandbox_lookup(sandbox_for_structure)  # the clock never imports sandbox
