from django.apps import AppConfig


class InvoicesConfig(AppConfig):
    name = "invoices"
    verbose_name = "Factures"

    def ready(self) -> None:
        from invoices import tasks
        from invoices.choices import OutboxKind
        from invoices.services.outbox import outbox_register_tasks

        outbox_register_tasks(  # the services send tasks without importing the task layer
            {
                OutboxKind.ROUTE_INVOICE: tasks.route_invoice,
                OutboxKind.RENDER_DOCUMENTS: tasks.render_invoice_documents,
                OutboxKind.NOTIFY_EVENT: tasks.notify_invoice_event,
                OutboxKind.PROCESS_FLUX: tasks.process_flux,
            }
        )
