"""Invoices ("demandes de paiement"), their lines, their audit trail, documents, the outbox, flux.

One module per model family: `invoice` (Invoice, InvoiceLine, InvoiceEvent), `outbox`, `documents`,
`flux`. The `upload_to` functions stay here: migrations name them `invoices.models.*`.
"""

# ruff: noqa: E402  (the models are imported after the functions their modules need)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from invoices.models.documents import InvoiceDocument
    from invoices.models.flux import Flux


def invoice_document_upload_to(instance: "InvoiceDocument", filename: str) -> str:
    return f"invoices/{instance.invoice.supplier_id}/{instance.invoice_id}/{filename}"


def flux_upload_to(instance: "Flux", filename: str) -> str:
    return f"flux/{instance.supplier_id}/{filename}"


# The models, after the functions above (their modules import them from here).
from invoices.models.documents import (
    InvoiceDocument,
    InvoiceDocumentQuerySet,
)
from invoices.models.flux import (
    Flux,
    FluxState,
)
from invoices.models.invoice import (
    AFTER_COMPTABILISEE,
    AFTER_MANDATEE,
    AFTER_MISE_A_DISPOSITION_COMPTABLE,
    AFTER_SERVICE_FAIT,
    FROZEN_FIELDS,
    PROCESSABLE,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceQuerySet,
    S,
    invoice_number_validator,
)
from invoices.models.outbox import (
    Outbox,
)

__all__ = [
    "AFTER_COMPTABILISEE",
    "AFTER_MANDATEE",
    "AFTER_MISE_A_DISPOSITION_COMPTABLE",
    "AFTER_SERVICE_FAIT",
    "FROZEN_FIELDS",
    "PROCESSABLE",
    "Flux",
    "FluxState",
    "Invoice",
    "InvoiceDocument",
    "InvoiceDocumentQuerySet",
    "InvoiceEvent",
    "InvoiceLine",
    "InvoiceQuerySet",
    "Outbox",
    "S",
    "flux_upload_to",
    "invoice_document_upload_to",
    "invoice_number_validator",
]
