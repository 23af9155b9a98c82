"""Invoice amounts, computed in Decimal the EN 16931 way. Pure functions: no database, no Django.

Rounding rules (documented because they are legal amounts):

* line net amount (BT-131) = quantity × unit price, rounded to the cent, ROUND_HALF_UP;
* VAT breakdown (BG-23): lines are grouped by (VAT rate, exemption reason); the taxable amount of a
  group (BT-116) is the sum of its rounded line nets, and its VAT (BT-117) is taxable × rate / 100
  rounded to the cent, ROUND_HALF_UP. VAT is never computed per line and then summed;
* invoice net (BT-109) = sum of line nets; VAT total (BT-110) = sum of the group VAT amounts;
  gross (BT-112) = net + VAT.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


class LineLike(Protocol):
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    exemption_reason: str


@dataclass(frozen=True)
class VatBreakdown:
    rate: Decimal
    exemption_reason: str
    taxable_amount: Decimal
    tax_amount: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "rate": str(self.rate),
            "exemption_reason": self.exemption_reason,
            "taxable_amount": str(self.taxable_amount),
            "tax_amount": str(self.tax_amount),
        }


@dataclass(frozen=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    breakdown: tuple[VatBreakdown, ...]


def round_money(value: Decimal) -> Decimal:
    """Round to the cent, half up (0.005 → 0.01, -0.005 → -0.01)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_net(*, quantity: Decimal, unit_price: Decimal) -> Decimal:
    return round_money(Decimal(quantity) * Decimal(unit_price))


def vat_amount(*, taxable: Decimal, rate: Decimal) -> Decimal:
    return round_money(Decimal(taxable) * Decimal(rate) / HUNDRED)


def compute_totals(lines: Iterable[LineLike]) -> Totals:
    groups: dict[tuple[Decimal, str], Decimal] = {}
    net = Decimal("0.00")
    for line in lines:
        amount = line_net(quantity=line.quantity, unit_price=line.unit_price)
        net += amount
        key = (Decimal(line.vat_rate).quantize(CENT), line.exemption_reason or "")
        groups[key] = groups.get(key, Decimal("0.00")) + amount
    breakdown = tuple(
        VatBreakdown(
            rate=rate,
            exemption_reason=reason,
            taxable_amount=taxable,
            tax_amount=vat_amount(taxable=taxable, rate=rate),
        )
        for (rate, reason), taxable in sorted(groups.items(), key=lambda kv: (-kv[0][0], kv[0][1]))
    )
    vat = sum((group.tax_amount for group in breakdown), Decimal("0.00"))
    return Totals(net=net, vat=vat, gross=net + vat, breakdown=breakdown)
