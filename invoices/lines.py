"""`LineData`: one invoice line as a channel hands it to the draft services.

The portal form, the API and the flux mapping (`invoices.formats.mapping`) build these; the draft
services (`invoices.services.drafts`) clean and store them. It lives below both, so the parsers
never import the services layer.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LineData:
    """One line as typed by the supplier. Amounts may be strings: they are parsed as Decimal."""

    designation: str
    quantity: Decimal | str | int
    unit_price: Decimal | str | int
    vat_rate: Decimal | str | int
    unit: str = "U"
    exemption_reason: str = ""
