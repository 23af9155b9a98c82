"""One French number format for every page, PDF and e-mail (issue 18): `3 730,50 €`, `20 %`,
`480,5` — a narrow no-break space between thousands, a comma before decimals."""

from decimal import Decimal, InvalidOperation
from typing import Any

NBSP = "\u202f"  # narrow no-break space, between thousands
EURO = "\u00a0€"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _group(text: str) -> str:
    """'1234567.50' → '1 234 567,50'."""
    sign = "-" if text.startswith("-") else ""
    whole, _, decimals = text.lstrip("-").partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    grouped = NBSP.join(groups)
    return f"{sign}{grouped},{decimals}" if decimals else f"{sign}{grouped}"


def format_amount(value: Any, currency: str = "EUR") -> str:
    """French money format: 1 234,50 € (narrow no-break space between thousands)."""
    number = _decimal(value)
    if number is None:
        return ""
    text = _group(f"{number.quantize(Decimal('0.01')):f}")
    return f"{text}{EURO}" if currency in ("EUR", "", None) else f"{text}\u00a0{currency}"


def format_price(value: Any, currency: str = "EUR") -> str:
    """A unit price keeps its 3rd and 4th decimals only when they are not zero."""
    number = _decimal(value)
    if number is None:
        return ""
    cents = number.quantize(Decimal("0.01"))
    if cents == number:
        return format_amount(cents, currency)
    text = _group(f"{number.normalize():f}")
    return f"{text}{EURO}" if currency in ("EUR", "", None) else f"{text}\u00a0{currency}"


def format_number(value: Any) -> str:
    """A quantity or a rate without trailing zeros: 480,5 — 12 — 1 000."""
    number = _decimal(value)
    if number is None:
        return ""
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return _group(f"{number.normalize():f}" if number % 1 else f"{number:f}")


def format_rate(value: Any) -> str:
    text = format_number(value)
    return f"{text}\u00a0%" if text else ""
