"""Run the outbox sweep once (for cron, or when no Celery beat runs)."""

from django.core.management.base import BaseCommand

from invoices.tasks import outbox_sweep


class Command(BaseCommand):
    help = "Relance l'acheminement des factures dont la tâche n'a pas été traitée (outbox)."

    def handle(self, *args, **options):
        count = outbox_sweep()
        self.stdout.write(f"{count} facture(s) renvoyée(s) à l'acheminement.")
