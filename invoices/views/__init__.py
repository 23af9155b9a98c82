"""The supplier's invoice pages: "Factures émises", manual entry ("Saisie manuelle"), detail,
actions, PDF deposit and documents.

Every lookup goes through the user's validated membership of the supplier structure (the issued
list selector): another tenant's invoice is a 404. Mutations are POST and call one service.
One module per page group: `issued`, `entry`, `detail`, `pdf_deposit`; `common` holds the lookups.
"""

from invoices.views.detail import (
    acknowledge_rejection,
    acknowledge_suspension,
    complete,
    credit_note,
    detail,
    process_rejection,
    recycle,
)
from invoices.views.entry import (
    create,
    edit,
    recipient_lookup,
)
from invoices.views.issued import (
    export_csv,
    issued,
)
from invoices.views.pdf_deposit import (
    attach,
    deposit_pdf,
    deposit_pdf_confirm,
    document_download,
)

__all__ = [
    "acknowledge_rejection",
    "acknowledge_suspension",
    "attach",
    "complete",
    "create",
    "credit_note",
    "deposit_pdf",
    "deposit_pdf_confirm",
    "detail",
    "document_download",
    "edit",
    "export_csv",
    "issued",
    "process_rejection",
    "recipient_lookup",
    "recycle",
]
