"""The invoice number is unique per supplier and year outside rejected invoices (the database
constraint `uniq_invoice_number` is the race-free guard at deposit; this check lets the pré-contrôle
and the flux predict it with the same reason)."""

import datetime

from invoices.choices import InvoiceStatus
from invoices.rules import catalogue as R
from invoices.rules.base import Violation


def duplicate_message(*, number: str, year: int | None) -> str:
    return (
        f"Numéro de facture : « {number} » a déjà été déposé en {year} par votre structure "
        "(seule une facture rejetée libère son numéro)."
    )


def duplicate_violation(number: str, year: int | None) -> Violation:
    return R.DUPLICATE_NUMBER.violation(duplicate_message(number=number, year=year))


def check_number_free(
    *, supplier_id: int, number: str, issue_date: datetime.date | None
) -> Violation | None:
    from invoices.models import Invoice

    if not number or issue_date is None:
        return None
    taken = (
        Invoice.objects.filter(supplier_id=supplier_id, number_year=issue_date.year, number=number)
        .exclude(status=InvoiceStatus.REJETEE)
        .exists()
    )
    return duplicate_violation(number, issue_date.year) if taken else None
