"""Stored documents of an invoice (immutable once deposited, archived ten years)."""

from typing import Any

from django.db import models
from django.db.models import Q

from chorus.exceptions import ChorusError
from invoices.models import invoice_document_upload_to
from invoices.models.invoice import Invoice


class InvoiceDocumentQuerySet(models.QuerySet):
    def delete(self):
        raise ChorusError(
            "Un document déposé est archivé dix ans : il ne peut pas être supprimé.",
            code="document_archive",
        )

    def update(self, **kwargs: Any):
        raise ChorusError(
            "Un document déposé est archivé dix ans : il ne peut pas être modifié.",
            code="document_archive",
        )


class InvoiceDocument(models.Model):
    """A file of the invoice's archive (Factur-X, deposit certificate, deposited original…).

    Immutable once stored: 10-year legal archive, nothing deposited is modified or deleted.
    `sha256` and `size` describe the stored bytes (computed by `invoices.documents`).
    """

    class Kind(models.TextChoices):
        FACTURX_PDF = "FACTURX_PDF", "Facture Factur-X"
        ATTESTATION_DEPOT = "ATTESTATION_DEPOT", "Attestation de dépôt"
        ORIGINAL = "ORIGINAL", "Original déposé"
        PIECE_JOINTE = "PIECE_JOINTE", "Pièce jointe"

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="documents", verbose_name="facture"
    )
    kind = models.CharField("nature", max_length=20, choices=Kind.choices)
    file = models.FileField("fichier", upload_to=invoice_document_upload_to, max_length=255)
    filename = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type MIME", max_length=100)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("archivé le", auto_now_add=True)

    objects = InvoiceDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "document de facture"
        verbose_name_plural = "documents de facture"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind"],
                condition=Q(kind__in=["FACTURX_PDF", "ATTESTATION_DEPOT"]),
                name="uniq_invoice_generated_document",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.filename}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ChorusError(
                "Un document déposé est archivé dix ans : il ne peut pas être modifié.",
                code="document_archive",
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise ChorusError(
            "Un document déposé est archivé dix ans : il ne peut pas être supprimé.",
            code="document_archive",
        )


# Deposit flows ("flux", chorus-pro.md §5) ------------------------------------------------------
