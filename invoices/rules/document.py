"""Deposit checks on the invoice itself: dates and parties. The deposit (`_deposit`) raises on
them; the validation report (flux, pré-contrôle) reports them with the same reason code."""

import datetime

from invoices.rules import catalogue as R
from invoices.rules.base import Violation


def check_dates(
    issue_date: datetime.date | None,
    due_date: datetime.date | None,
    *,
    supplier_id: int | None = None,
) -> Violation | None:
    """« In the future » is read on the supplier's sandbox clock (chorus.clock), the one that dates
    the entry form: advancing the simulated clock never makes a deposit fail."""
    from chorus import clock

    if issue_date is None or not _plausible(issue_date, due_date):
        return None  # the draft itself refuses it first (invoices/validators.py), as on deposit
    if issue_date > clock.today(structure_id=supplier_id):
        return R.ISSUE_DATE_IN_FUTURE.violation("Date de facture : ne peut pas être dans le futur.")
    if due_date and due_date < issue_date:
        return R.DUE_DATE_BEFORE_ISSUE.violation(
            "Date d'échéance : ne peut pas précéder la date de facture."
        )
    return None


def _plausible(*dates: datetime.date | None) -> bool:
    from chorus.exceptions import ChorusError
    from invoices.validators import date_check

    try:
        for value in dates:
            date_check(value=value, field_label="Date")
    except ChorusError:
        return False
    return True


def check_not_self_billing(*, recipient_siret: str, supplier_siret: str) -> Violation | None:
    if recipient_siret and recipient_siret == supplier_siret:
        return R.SELF_BILLING.violation(
            "SIRET du destinataire : une structure ne peut pas se facturer elle-même."
        )
    return None
