"""Issue 18 minor: one French number format everywhere (chorus.fr, `{% load chorus_ui %}`)."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from chorus import fr

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("3730.5"), f"3{NNBSP}730,50{NBSP}€"),
        ("1000.00", f"1{NNBSP}000,00{NBSP}€"),
        (Decimal("-1234567.891"), f"-1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (None, ""),
    ],
)
def test_amounts(value, expected):
    assert fr.format_amount(value) == expected


def test_prices_numbers_and_rates():
    assert fr.format_price(Decimal("480.5000")) == f"480,50{NBSP}€"
    assert fr.format_price(Decimal("12.3450")) == f"12,345{NBSP}€"
    assert fr.format_number(Decimal("480.5000")) == "480,5"
    assert fr.format_number(Decimal("1200.0000")) == f"1{NNBSP}200"
    assert fr.format_rate(Decimal("20.00")) == f"20{NBSP}%"
    assert fr.format_rate(Decimal("5.50")) == f"5,5{NBSP}%"
    assert fr.format_amount("1200", "USD") == f"1{NNBSP}200,00{NBSP}USD"


def test_template_filters_and_status_tones():
    html = Template(
        "{% load chorus_ui %}{{ a|eur }}|{{ r|taux }}|{{ q|nombre }}|{{ s|ton }}|{{ k|ton }}"
    ).render(
        Context(
            {
                "a": Decimal("3730.50"),
                "r": "20.00",
                "q": "2.0",
                "s": "REJETEE",
                "k": "MISE_EN_PAIEMENT",
            }
        )
    )
    assert html == f"3{NNBSP}730,50{NBSP}€|20{NBSP}%|2|ko|ok"


def test_long_dates_days_and_severities_in_french():
    import datetime

    html = Template(
        "{% load chorus_ui %}{{ a|date_longue }}|{{ b|date_longue }}|{{ z|jours }}|{{ u|jours }}"
        "|{{ n|jours }}|{{ f|gravite }}|{{ w|gravite }}"
    ).render(
        Context(
            {
                "a": datetime.date(2026, 1, 1),
                "b": datetime.date(2026, 12, 5),
                "z": Decimal("0.0"),
                "u": Decimal("1.5"),
                "n": 30,
                "f": "fatal",
                "w": "warning",
            }
        )
    )
    assert html == (
        f"1er janvier 2026|5 décembre 2026|0{NBSP}jour|1,5{NBSP}jour|30{NBSP}jours"
        "|bloquante|avertissement"
    )
