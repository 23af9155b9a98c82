"""Legal payment deadline of a received invoice and late-payment amounts (pure functions).

Rules (chorus-pro.md §9; Code de la commande publique R.2192-10 and R.2192-11; décret 2013-269):

* The "délai global de paiement" is 30 days for the State, its public establishments and local
  authorities, 50 days for public health establishments, 60 days for public companies
  (`structures.choices.PAYMENT_DEADLINE_DAYS`).
* It starts on the date the invoice is received, i.e. made available to the recipient on the
  platform (`Invoice.made_available_at`).
* A suspension stops the clock: every SUSPENDUE → COMPLETEE period (from the invoice's events) is
  added to the deadline; a suspension still open counts up to the reference date.
* Late-payment ("intérêts moratoires") rate (décret 2013-269, art. 8): the rate of the European
  Central Bank's most recent main refinancing operations **in force on the first day of the
  calendar semester in which the interest started to run**, plus 8 points. Interest runs from the
  day after the due date, so the applicable semester is the one of `due_date + 1 day`.
* Interest = gross amount × rate × days late / 365, rounded to the cent (half up).
* A flat €40 recovery indemnity ("indemnité forfaitaire pour frais de recouvrement", art. 9) is
  owed as soon as the payment is late.

Everything here takes plain values (dates, decimals, tuples) so it is unit-testable without a
database; `invoices.dashboard` feeds it from the models.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from structures.choices import PAYMENT_DEADLINE_DAYS

# ECB main refinancing operations rate in force on the first day of each semester (in %).
# Source: ECB key interest rates (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/
# key_ecb_interest_rates/). TO BE COMPLETED every semester (January 1st and July 1st); after the
# last entry, the last known rate is used and `DeadlineInfo.rate_is_estimate` is set.
ECB_MAIN_REFINANCING_RATES: tuple[tuple[datetime.date, Decimal], ...] = (
    (datetime.date(2022, 1, 1), Decimal("0.00")),
    (datetime.date(2022, 7, 1), Decimal("0.00")),
    (datetime.date(2023, 1, 1), Decimal("2.50")),
    (datetime.date(2023, 7, 1), Decimal("4.00")),
    (datetime.date(2024, 1, 1), Decimal("4.50")),
    (datetime.date(2024, 7, 1), Decimal("4.25")),
    (datetime.date(2025, 1, 1), Decimal("3.15")),
    (datetime.date(2025, 7, 1), Decimal("2.15")),
)
LATE_PAYMENT_MARGIN = Decimal("8.00")  # points added to the ECB rate (décret 2013-269, art. 8)
RECOVERY_INDEMNITY = Decimal("40.00")  # flat indemnity in euros (décret 2013-269, art. 9)
CLOSE_TO_DEADLINE_DAYS = 5  # "close to the deadline": due in 5 days or fewer
CENT = Decimal("0.01")


def deadline_days(public_category: str) -> int | None:
    """Legal payment deadline in days for a public category, None if unknown."""
    return PAYMENT_DEADLINE_DAYS.get(public_category)


def semester_start(day: datetime.date) -> datetime.date:
    """First day of the calendar semester containing `day` (January 1st or July 1st)."""
    return datetime.date(day.year, 1 if day.month <= 6 else 7, 1)


def ecb_rate_on(day: datetime.date) -> tuple[Decimal, bool]:
    """ECB rate (in %) applicable to interest starting on `day`, and whether it is an estimate.

    The rate is the one in force on the first day of the semester of `day`. Before the table, the
    first known rate is used; after it, the last one: both flagged as estimates.
    """
    start = semester_start(day)
    applicable = [rate for since, rate in ECB_MAIN_REFINANCING_RATES if since <= start]
    if not applicable:
        return ECB_MAIN_REFINANCING_RATES[0][1], True
    is_estimate = start > ECB_MAIN_REFINANCING_RATES[-1][0]
    return applicable[-1], is_estimate


def suspension_periods(
    events: Iterable[tuple[datetime.date, str]],
) -> list[tuple[datetime.date, datetime.date | None]]:
    """Suspension periods from (date, target status) events in chronological order.

    A period opens on a move to SUSPENDUE and closes on the next move to any other status
    (normally COMPLETEE). The last period is open (end None) if the invoice is still suspended.
    """
    periods: list[tuple[datetime.date, datetime.date | None]] = []
    opened: datetime.date | None = None
    for day, to_status in events:
        if to_status == "SUSPENDUE":
            if opened is None:
                opened = day
        elif to_status and opened is not None:
            periods.append((opened, day))
            opened = None
    if opened is not None:
        periods.append((opened, None))
    return periods


def suspended_days(
    periods: Iterable[tuple[datetime.date, datetime.date | None]], *, until: datetime.date
) -> int:
    """Number of days the clock was stopped, an open period counting up to `until`."""
    total = 0
    for start, end in periods:
        stop = min(end or until, until)
        total += max((stop - start).days, 0)
    return total


def late_interest(
    *, gross: Decimal, days_late: int, rate_percent: Decimal, margin: Decimal = LATE_PAYMENT_MARGIN
) -> Decimal:
    """Moratorium interest: gross × (ECB rate + margin) % × days late / 365, to the cent."""
    if days_late <= 0:
        return Decimal("0.00")
    amount = gross * (rate_percent + margin) / Decimal(100) * Decimal(days_late) / Decimal(365)
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DeadlineInfo:
    received_on: datetime.date
    days: int
    suspended_days: int
    due_date: datetime.date
    reference_date: datetime.date  # payment date if paid, else the "as of" date
    is_paid: bool
    days_late: int
    days_left: int  # negative when late
    rate_percent: Decimal  # ECB rate applicable (without the margin)
    rate_is_estimate: bool
    interest: Decimal
    indemnity: Decimal

    @property
    def is_late(self) -> bool:
        return self.days_late > 0

    @property
    def is_close(self) -> bool:
        """Not paid, not late, due in CLOSE_TO_DEADLINE_DAYS days or fewer."""
        return not self.is_paid and 0 <= self.days_left <= CLOSE_TO_DEADLINE_DAYS

    @property
    def total_rate_percent(self) -> Decimal:
        return self.rate_percent + LATE_PAYMENT_MARGIN

    @property
    def total_due_for_lateness(self) -> Decimal:
        return self.interest + self.indemnity


def compute_deadline(
    *,
    received_on: datetime.date,
    days: int,
    gross: Decimal,
    as_of: datetime.date,
    paid_on: datetime.date | None = None,
    suspensions: Iterable[tuple[datetime.date, datetime.date | None]] = (),
) -> DeadlineInfo:
    """Due date, lateness and amounts owed, as of `as_of` (or at the payment date if paid).

    Worked example: received 2024-01-10, 30 days, suspended from 2024-01-20 to 2024-01-25
    (5 days) → due 2024-02-14; paid 2024-03-15 → 30 days late; interest starts 2024-02-15, in the
    semester starting 2024-01-01 (ECB 4.50 %) → 1 200 € × 12.50 % × 30 / 365 = 12.33 €, + 40 €.
    """
    reference = paid_on or as_of
    stopped = suspended_days(suspensions, until=reference)
    due = received_on + datetime.timedelta(days=days + stopped)
    days_late = max((reference - due).days, 0)
    rate, estimate = ecb_rate_on(due + datetime.timedelta(days=1))
    return DeadlineInfo(
        received_on=received_on,
        days=days,
        suspended_days=stopped,
        due_date=due,
        reference_date=reference,
        is_paid=paid_on is not None,
        days_late=days_late,
        days_left=(due - reference).days,
        rate_percent=rate,
        rate_is_estimate=estimate,
        interest=late_interest(gross=gross, days_late=days_late, rate_percent=rate),
        indemnity=RECOVERY_INDEMNITY if days_late > 0 else Decimal("0.00"),
    )
