"""Legal payment deadline and late-payment amounts, against hand-computed cases."""

import datetime
from decimal import Decimal

import pytest

from invoices import deadlines

D = datetime.date


@pytest.mark.parametrize(
    ("category", "days"),
    [("ETAT", 30), ("COLLECTIVITE", 30), ("HOSPITALIER", 50), ("ENTREPRISE_PUBLIQUE", 60)],
)
def test_deadline_days_by_public_category(category, days):
    assert deadlines.deadline_days(category) == days


def test_unknown_category_has_no_deadline():
    assert deadlines.deadline_days("") is None


@pytest.mark.parametrize(
    ("day", "rate", "estimate"),
    [
        (D(2023, 7, 1), Decimal("4.00"), False),
        (D(2023, 12, 31), Decimal("4.00"), False),
        (D(2024, 1, 1), Decimal("4.50"), False),
        (D(2024, 9, 15), Decimal("4.25"), False),
        (D(2025, 3, 1), Decimal("3.15"), False),
        (D(2025, 7, 1), Decimal("2.15"), False),
        (D(2026, 2, 1), Decimal("2.15"), True),  # after the table: last known rate, flagged
    ],
)
def test_ecb_rate_is_the_one_in_force_on_the_first_day_of_the_semester(day, rate, estimate):
    assert deadlines.ecb_rate_on(day) == (rate, estimate)


def test_paid_in_time_owes_nothing():
    info = deadlines.compute_deadline(
        received_on=D(2024, 3, 1),
        days=30,
        gross=Decimal("1000.00"),
        as_of=D(2024, 6, 1),
        paid_on=D(2024, 3, 31),
    )
    assert info.due_date == D(2024, 3, 31)
    assert (info.days_late, info.interest, info.indemnity) == (0, Decimal("0.00"), Decimal("0"))
    assert not info.is_late
    assert not info.is_close  # paid: never "close to the deadline"


def test_suspension_stops_the_clock_and_late_payment_amounts():
    # Received 10/01/2024, suspended 20/01 → 25/01 (5 days): due 14/02/2024 (30 + 5 days).
    # Paid 15/03/2024: 15 days of February (leap year) + 15 of March = 30 days late.
    # Interest runs from 15/02/2024: semester of 01/01/2024, ECB 4.50 % + 8 = 12.50 %.
    # 1 200 × 12.50 % × 30 / 365 = 12.328… → 12.33 €, plus the 40 € indemnity.
    periods = deadlines.suspension_periods(
        [
            (D(2024, 1, 10), "MISE_A_DISPOSITION"),
            (D(2024, 1, 20), "SUSPENDUE"),
            (D(2024, 1, 25), "COMPLETEE"),
            (D(2024, 3, 15), "MISE_EN_PAIEMENT"),
        ]
    )
    assert periods == [(D(2024, 1, 20), D(2024, 1, 25))]
    info = deadlines.compute_deadline(
        received_on=D(2024, 1, 10),
        days=30,
        gross=Decimal("1200.00"),
        as_of=D(2024, 12, 31),
        paid_on=D(2024, 3, 15),
        suspensions=periods,
    )
    assert info.suspended_days == 5
    assert info.due_date == D(2024, 2, 14)
    assert info.days_late == 30
    assert info.rate_percent == Decimal("4.50")
    assert info.total_rate_percent == Decimal("12.50")
    assert info.interest == Decimal("12.33")
    assert info.indemnity == Decimal("40.00")
    assert info.total_due_for_lateness == Decimal("52.33")


def test_unpaid_invoice_late_as_of_a_date_uses_the_semester_of_the_first_late_day():
    # Hospital (50 days), received 20/05/2025 → due 09/07/2025; interest from 10/07/2025, in the
    # semester of 01/07/2025 (ECB 2.15 %, + 8 = 10.15 %). As of 08/08/2025: 30 days late.
    # 5 000 × 10.15 % × 30 / 365 = 41.712… → 41.71 €.
    info = deadlines.compute_deadline(
        received_on=D(2025, 5, 20), days=50, gross=Decimal("5000.00"), as_of=D(2025, 8, 8)
    )
    assert info.due_date == D(2025, 7, 9)
    assert info.days_late == 30
    assert info.rate_percent == Decimal("2.15")
    assert info.interest == Decimal("41.71")
    assert info.indemnity == Decimal("40.00")
    assert info.days_left == -30


def test_open_suspension_counts_until_the_reference_date():
    periods = deadlines.suspension_periods(
        [(D(2024, 1, 1), "MISE_A_DISPOSITION"), (D(2024, 1, 10), "SUSPENDUE")]
    )
    assert periods == [(D(2024, 1, 10), None)]
    assert deadlines.suspended_days(periods, until=D(2024, 2, 9)) == 30
    info = deadlines.compute_deadline(
        received_on=D(2024, 1, 1),
        days=30,
        gross=Decimal("100"),
        as_of=D(2024, 2, 9),
        suspensions=periods,
    )
    assert info.due_date == D(2024, 3, 1)
    assert not info.is_late


def test_close_to_deadline_means_five_days_or_fewer_left():
    close = deadlines.compute_deadline(
        received_on=D(2024, 1, 1), days=30, gross=Decimal("100"), as_of=D(2024, 1, 26)
    )
    far = deadlines.compute_deadline(
        received_on=D(2024, 1, 1), days=30, gross=Decimal("100"), as_of=D(2024, 1, 25)
    )
    assert (close.days_left, close.is_close) == (5, True)
    assert (far.days_left, far.is_close) == (6, False)


def test_interest_is_zero_when_not_late():
    assert deadlines.late_interest(
        gross=Decimal("100"), days_late=0, rate_percent=Decimal("4")
    ) == Decimal("0.00")
