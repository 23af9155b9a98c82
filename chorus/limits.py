"""File size limits: one per kind of file, the same on the portal and the API (docs/api.md).

No Django import: the settings read `API_BODY_MAX_BYTES` from here.
"""

MB = 1024 * 1024
# One invoice file: UBL / CII XML, Factur-X or plain PDF, attachment (Chorus Pro: 10 Mo per file).
INVOICE_FILE_MAX_BYTES = 10 * MB
# One flux (portal /flux/ page, API deposer/flux and precontrole): a single invoice file or a zip /
# tar.gz batch of at most BATCH_MAX_INVOICES invoices, each within INVOICE_FILE_MAX_BYTES.
FLUX_FILE_MAX_BYTES = 50 * MB
BATCH_MAX_INVOICES = 500
BATCH_MAX_UNCOMPRESSED_BYTES = 200 * MB
# The API carries files base64-encoded in JSON (4 bytes per 3): the largest body is a full flux.
API_BODY_MAX_BYTES = FLUX_FILE_MAX_BYTES * 4 // 3 + MB


def in_mo(size: int) -> str:
    """« 50 Mo » — how a limit is written in every error message."""
    return f"{size // MB} Mo"
