"""The outbox: one row per side effect, written in the transaction of its action."""

from django.db import models
from django.db.models import Q

from invoices.choices import (
    OutboxKind,
)
from invoices.models.invoice import Invoice


class Outbox(models.Model):
    """Durable record that a task is due, written in the same transaction as the invoice.

    A beat-driven sweep re-enqueues rows still unprocessed after a grace period, so a message lost
    between COMMIT and the broker (or by the broker) is redone (reliability-perf.md §2.2).
    """

    kind = models.CharField(
        "tâche", max_length=60, choices=OutboxKind.choices, default=OutboxKind.ROUTE_INVOICE
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="outbox", null=True, blank=True
    )
    flux = models.ForeignKey(
        "Flux",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox",
        verbose_name="flux",
    )
    event = models.ForeignKey(
        "InvoiceEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="événement notifié",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    dispatched_at = models.DateTimeField("dernier envoi le", null=True, blank=True)
    processed_at = models.DateTimeField("traitée le", null=True, blank=True)
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)

    class Meta:
        verbose_name = "tâche en attente (outbox)"
        verbose_name_plural = "tâches en attente (outbox)"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self) -> str:
        state = "traitée" if self.processed_at else "en attente"
        target = f"flux {self.flux_id}" if self.flux_id else f"facture {self.invoice_id}"
        return f"{self.get_kind_display()} — {target} ({state})"
