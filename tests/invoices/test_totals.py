"""Invoice amounts: Decimal, half-up rounding, VAT per rate on the sum of line nets (EN 16931)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from invoices.totals import compute_totals, line_net, round_money, vat_amount

D = Decimal


@dataclass
class Line:
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    exemption_reason: str = ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("1", "1.00")],
)
def test_round_money_is_half_up_to_the_cent(value, expected):
    assert round_money(D(value)) == D(expected)


def test_line_net_rounds_quantity_times_unit_price_half_up():
    assert line_net(quantity=D("3"), unit_price=D("0.3350")) == D("1.01")  # 1.005 → 1.01
    assert line_net(quantity=D("1.5"), unit_price=D("10.01")) == D("15.02")  # 15.015 → 15.02


def test_vat_amount_is_rate_percent_of_taxable_rounded_half_up():
    assert vat_amount(taxable=D("10.05"), rate=D("5.50")) == D("0.55")  # 0.55275
    assert vat_amount(taxable=D("0.25"), rate=D("2.10")) == D("0.01")  # 0.00525


def test_vat_is_computed_on_the_sum_per_rate_not_line_by_line():
    # Three lines of 0.05 € at 10 %: line by line would give 3 × 0.01 = 0.03; on the sum 0.02.
    totals = compute_totals([Line(D("1"), D("0.05"), D("10.00")) for _ in range(3)])
    assert totals.net == D("0.15")
    assert totals.vat == D("0.02")
    assert totals.gross == D("0.17")


def test_breakdown_groups_lines_by_rate_highest_first():
    totals = compute_totals(
        [
            Line(D("2"), D("100"), D("20.00")),
            Line(D("1"), D("50"), D("5.50")),
            Line(D("3"), D("10"), D("20.00")),
            Line(D("1"), D("40"), D("0.00"), "EXONERATION_261"),
        ]
    )
    assert [(b.rate, b.taxable_amount, b.tax_amount) for b in totals.breakdown] == [
        (D("20.00"), D("230.00"), D("46.00")),
        (D("5.50"), D("50.00"), D("2.75")),
        (D("0.00"), D("40.00"), D("0.00")),
    ]
    assert totals.breakdown[2].exemption_reason == "EXONERATION_261"
    assert totals.net == D("320.00")
    assert totals.vat == D("48.75")
    assert totals.gross == totals.net + totals.vat == D("368.75")


def test_zero_rate_lines_with_different_exemption_reasons_are_separate_groups():
    totals = compute_totals(
        [
            Line(D("1"), D("10"), D("0"), "AUTOLIQUIDATION"),
            Line(D("1"), D("5"), D("0"), "HORS_CHAMP"),
        ]
    )
    assert len(totals.breakdown) == 2
    assert totals.vat == D("0.00")


def test_no_lines_gives_zero_totals():
    totals = compute_totals([])
    assert (totals.net, totals.vat, totals.gross, totals.breakdown) == (D(0), D(0), D(0), ())


def test_breakdown_serialises_amounts_as_strings_for_json():
    group = compute_totals([Line(D("1"), D("10"), D("20"))]).breakdown[0]
    assert group.as_json() == {
        "rate": "20.00",
        "exemption_reason": "",
        "taxable_amount": "10.00",
        "tax_amount": "2.00",
    }
