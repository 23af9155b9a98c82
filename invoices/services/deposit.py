"""Deposit of a typed invoice sent by API (`soumettre`): the business rules the API view used to
hold (VAT codes and 0 % motifs, the declared-totals tolerance, Chorus's own numbering) and the
orchestration (one write, or draft → attachments → number → submit), called by the thin view."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from chorus.exceptions import ChorusError
from invoices.choices import DepositMode, VatExemptionReason
from invoices.models import Invoice
from invoices.services.attachments import invoice_add_attachments
from invoices.services.common import membership_checks_memoised
from invoices.services.drafts import LineData, invoice_create_draft, invoice_update_draft
from invoices.services.routing import invoice_deposit, invoice_submit
from structures.models import Structure

INCONSISTENT_AMOUNTS_CODE = 20303
# `lignePosteTauxTva` codes of `recuperer/tauxtva` (chorus-pro.md §6.2): rate and 0 % motif.
VAT_CODES = {
    "TVA20": (Decimal("20"), ""),
    "TVA10": (Decimal("10"), ""),
    "TVA5": (Decimal("5.5"), ""),
    "TVA2": (Decimal("2.1"), ""),
    "TVA1": (Decimal("0"), VatExemptionReason.FRANCHISE_293B),
    "TVA0": (Decimal("0"), ""),
}
# Declared totals may differ from the lines' totals by rounding only: net to the cent, VAT by
# 5 cents (one rounding per line in the client, one per rate here).
TOLERANCES = {"montantHtTotal": Decimal("0.01"), "montantTVA": Decimal("0.05")}


def _is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", "."))
    except InvalidOperation:
        return False
    return True


def vat_exemption_from_motif(motif: str) -> str:
    """A free-text 0 % motif (`motifExonerationTva`) as one of our exemption reasons."""
    code = motif.strip().upper()
    if code in VatExemptionReason.values:
        return code
    if "293" in code:
        return VatExemptionReason.FRANCHISE_293B
    if "283" in code or "AUTOLIQUIDATION" in code:
        return VatExemptionReason.AUTOLIQUIDATION
    return VatExemptionReason.EXONERATION_261 if code else ""


def vat_from_code(
    code: str, *, manual: Decimal | None, exemption_motif: str, position: int
) -> tuple[Decimal, str]:
    """Rate and exemption reason of an API line (`lignePosteTauxTva` or its manual rate)."""
    code = code.strip().upper()
    exemption = ""
    if manual is not None:
        rate = manual
    elif code in VAT_CODES:
        rate, exemption = VAT_CODES[code]
    elif code.startswith("TVA") and _is_number(code[3:]):
        rate = Decimal(code[3:].replace(",", "."))
    else:
        raise ChorusError(
            f"lignePoste[{position}].lignePosteTauxTva : taux « {code} » inconnu "
            "(TVA20, TVA10, TVA5, TVA2, TVA1 ou lignePosteTauxTvaManuel).",
            field="lignePosteTauxTva",
        )
    if rate == 0 and not exemption:
        exemption = vat_exemption_from_motif(exemption_motif)
    return rate, exemption


def check_declared_totals(invoice: Invoice, declared: dict[str, Decimal | None]) -> None:
    """The totals the client declared (`montantTotal`) against those of its lines (20303)."""
    actual = {"montantHtTotal": invoice.total_net, "montantTVA": invoice.total_vat}
    for key, tolerance in TOLERANCES.items():
        sent = declared.get(key)
        if sent is not None and abs(sent - actual[key]) > tolerance:
            raise ChorusError(
                f"montantTotal.{key} : {sent} ne correspond pas au total calculé sur les "
                f"lignes ({actual[key]}). Les contrôles de cohérence de la demande de paiement "
                "ne sont pas valides.",
                field=key,
                code=str(INCONSISTENT_AMOUNTS_CODE),
            )


def auto_number(invoice: Invoice) -> str:
    """Chorus numbers the invoice itself when `numeroFactureSaisi` is null (20 digits)."""
    return f"{timezone.localdate().year}{invoice.pk:016d}"


@dataclass(frozen=True)
class ApiDeposit:
    """What `soumettre` carries once read from its JSON (the view reads, this service decides)."""

    mode: str
    header: dict[str, Any]
    number: str
    lines: list[LineData]
    declared: dict[str, Decimal | None]
    attachment_ids: list[Any]


def invoice_deposit_from_api(
    *,
    supplier: Structure,
    by: User,
    deposit: ApiDeposit,
    pdf_draft: Callable[[], Invoice] | None = None,
    attachments: Callable[[], Iterable[UploadedFile]] = tuple,
) -> Invoice:
    """Deposit a `soumettre` request: one write for the usual typed invoice; otherwise, in one
    transaction, the draft (typed, or `pdf_draft` for a PDF deposit), its attachments, its number
    (Chorus's own when none was sent) and the deposit."""
    lines, typed = deposit.lines, deposit.mode == DepositMode.SAISIE_API
    if typed and not lines:
        raise ChorusError(
            "lignePoste : au moins une ligne est obligatoire en SAISIE_API.", field="lignePoste"
        )
    if typed and deposit.number and not deposit.attachment_ids:
        return invoice_deposit(
            supplier=supplier,
            by=by,
            lines=lines,
            check=lambda built: check_declared_totals(built, deposit.declared),
            deposit_mode=deposit.mode,
            number=deposit.number,
            **deposit.header,
        )
    # One transaction, one structure: draft, update and submit check the membership once.
    with transaction.atomic(), membership_checks_memoised():
        if typed:
            invoice = invoice_create_draft(
                supplier=supplier, by=by, lines=lines, deposit_mode=deposit.mode, **deposit.header
            )
        else:
            assert pdf_draft is not None
            invoice = pdf_draft()
        if lines:
            check_declared_totals(invoice, deposit.declared)
        uploads = list(attachments())
        if uploads:
            invoice_add_attachments(invoice_id=invoice.pk, by=by, uploads=uploads)
        invoice = invoice_update_draft(
            invoice_id=invoice.pk,
            by=by,
            number=deposit.number or invoice.number or auto_number(invoice),
        )
        return invoice_submit(invoice_id=invoice.pk, by=by)
