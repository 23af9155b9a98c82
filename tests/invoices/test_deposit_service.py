"""`invoices/services/deposit.py`: the API deposit's business rules, outside the API view."""

from decimal import Decimal

import pytest
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices.choices import DepositMode, InvoiceStatus, VatExemptionReason
from invoices.services.deposit import (
    ApiDeposit,
    check_declared_totals,
    invoice_deposit_from_api,
    vat_from_code,
)
from invoices.services.drafts import LineData

pytestmark = pytest.mark.django_db
LINE = LineData(designation="Conseil", quantity="10", unit_price="50", vat_rate="20")


def _deposit(number="F-DEP-1", declared=None, lines=(LINE,)):
    return ApiDeposit(
        mode=DepositMode.SAISIE_API,
        header={"recipient_siret": "", "type": "FACTURE", "cadre": "A1_FACTURE_FOURNISSEUR"},
        number=number,
        lines=list(lines),
        declared=declared or {},
        attachment_ids=[],
    )


@pytest.mark.parametrize(
    ("code", "motif", "expected"),
    [
        ("TVA20", "", (Decimal("20"), "")),
        ("tva5", "", (Decimal("5.5"), "")),
        ("TVA1", "", (Decimal("0"), VatExemptionReason.FRANCHISE_293B)),
        ("TVA0", "autoliquidation art. 283", (Decimal("0"), VatExemptionReason.AUTOLIQUIDATION)),
        ("TVA8,5", "", (Decimal("8.5"), "")),
    ],
)
def test_vat_codes_and_zero_rate_motifs(code, motif, expected):
    assert vat_from_code(code, manual=None, exemption_motif=motif, position=1) == expected


def test_unknown_vat_code_names_the_line():
    with pytest.raises(ChorusError, match=r"lignePoste\[3\]"):
        vat_from_code("TVA?", manual=None, exemption_motif="", position=3)


def test_declared_totals_tolerate_rounding_only():
    from invoices.models import Invoice

    invoice = Invoice(total_net=Decimal("500.00"), total_vat=Decimal("100.00"))
    check_declared_totals(invoice, {"montantHtTotal": Decimal("500.01"), "montantTVA": None})
    check_declared_totals(invoice, {"montantTVA": Decimal("100.05")})
    with pytest.raises(ChorusError) as caught:
        check_declared_totals(invoice, {"montantHtTotal": Decimal("500.02")})
    assert caught.value.code == "20303"


def test_typed_deposit_without_lines_is_refused(supplier, supplier_user):
    with pytest.raises(ChorusError, match="lignePoste"):
        invoice_deposit_from_api(supplier=supplier, by=supplier_user, deposit=_deposit(lines=()))


def test_deposit_without_number_gets_chorus_own_twenty_digits(supplier, supplier_user, recipient):
    deposit = _deposit(number="")
    deposit.header.update(recipient_siret=recipient.siret, issue_date=timezone.localdate())
    invoice = invoice_deposit_from_api(supplier=supplier, by=supplier_user, deposit=deposit)
    assert invoice.status == InvoiceStatus.DEPOSEE
    assert len(invoice.number) == 20
    assert invoice.number.endswith(f"{invoice.pk:016d}")
