"""The invoice vocabulary in one place: audit action codes (`chorus.invoice.*`) and reason codes
with their French labels. Pages show `action_label` / `reason_label`, never a raw key."""

from django.db import models

from invoices.choices import RejectionReason, RoutingError


class InvoiceAction(models.TextChoices):
    """Every `InvoiceEvent.action` written for an invoice, with the label of its history line."""

    DRAFT_CREATED = "chorus.invoice.draft_created", "Brouillon créé"
    DRAFT_UPDATED = "chorus.invoice.draft_updated", "Brouillon modifié"
    PDF_UPLOADED = "chorus.invoice.pdf_uploaded", "PDF de la facture déposé (brouillon)"
    ATTACHMENTS_ADDED = "chorus.invoice.attachments_added", "Pièces jointes ajoutées"
    DEPOSITED = "chorus.invoice.deposited", "Facture déposée"
    ROUTING_STARTED = "chorus.invoice.routing_started", "Acheminement commencé"
    MADE_AVAILABLE = "chorus.invoice.made_available", "Mise à disposition du destinataire"
    ROUTING_REFUSED = "chorus.invoice.routing_refused", "Acheminement refusé : à recycler"
    TECHNICAL_ERROR = "chorus.invoice.technical_error", "Erreur technique"
    RECYCLED = "chorus.invoice.recycled", "Facture recyclée"
    COMPLETED = "chorus.invoice.completed", "Facture complétée"
    REJECTION_ACKNOWLEDGED = "chorus.invoice.rejection_acknowledged", "Rejet acquitté"
    REJECTION_PROCESSED = "chorus.invoice.rejection_processed", "Rejet traité"
    SUSPENSION_ACKNOWLEDGED = "chorus.invoice.suspension_acknowledged", "Suspension acquittée"
    CREDIT_NOTE_CREATED = "chorus.invoice.credit_note_created", "Avoir créé"
    DOWNLOADED = "chorus.invoice.downloaded", "Facture téléchargée"
    SENT_TO_RECYCLE = "chorus.invoice.sent_to_recycle", "Renvoyée au recyclage par le destinataire"
    REJECTED = "chorus.invoice.rejected", "Rejetée par le destinataire"
    SUSPENDED = "chorus.invoice.suspended", "Suspendue par le destinataire"
    SERVICE_DONE = "chorus.invoice.service_done", "Service fait"
    MANDATED = "chorus.invoice.mandated", "Mandatée"
    MADE_AVAILABLE_TO_ACCOUNTING = (
        "chorus.invoice.made_available_to_accounting",
        "Mise à disposition du comptable",
    )
    ACCOUNTED = "chorus.invoice.accounted", "Comptabilisée"
    PAID = "chorus.invoice.paid", "Mise en paiement"
    DOCUMENTS_FAILED = "chorus.invoice.documents_failed", "Documents impossibles à produire"


ACTION_LABELS: dict[str, str] = dict(InvoiceAction.choices)
UNKNOWN_ACTION_LABEL = "Action enregistrée"


def action_label(code: str) -> str:
    """The French label of an action code; an unlisted code reads as a neutral sentence."""
    return ACTION_LABELS.get(code, UNKNOWN_ACTION_LABEL)


def _reason_labels() -> dict[str, str]:
    from invoices.rules.catalogue import RULES

    labels = {rule.code: rule.label for rule in RULES}
    labels |= {rule.finding_id: rule.label for rule in RULES if rule.finding_id not in labels}
    return labels | dict(RoutingError.choices) | dict(RejectionReason.choices)


def reason_label(code: str) -> str:
    """The French label of a reason code (routing error, rule, rejection motif)."""
    return _reason_labels().get(code, code)
