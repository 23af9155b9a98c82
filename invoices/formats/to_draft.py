"""Parsed invoice data → keyword arguments of `invoice_create_draft` (codes → our choices)."""

from decimal import Decimal
from typing import Any

from invoices.formats.mapping import InvoiceData

# --- to our model -------------------------------------------------------------------------------
TYPE_FROM_CODE = {"380": "FACTURE", "381": "AVOIR", "386": "ACOMPTE"}
CADRE_FROM_CODE = {
    "A1": "A1_FACTURE_FOURNISSEUR",
    "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A9": "A9_FACTURE_SOUSTRAITANT",
    "A12": "A12_FACTURE_COTRAITANT",
}
PAYMENT_FROM_CODE = {"30": "VIREMENT", "58": "VIREMENT", "20": "CHEQUE", "59": "PRELEVEMENT"}
PAYMENT_FROM_CODE |= {"49": "PRELEVEMENT", "10": "ESPECE"}
UNIT_FROM_CODE = {"C62": "U", "HUR": "H", "DAY": "J", "KGM": "KG", "MTR": "M", "LTR": "L"}
UNIT_FROM_CODE |= {"MTK": "M2", "H87": "U", "EA": "U", "XPP": "U"}
EXEMPTION_FROM_CATEGORY = {
    "E": "EXONERATION_261",
    "AE": "AUTOLIQUIDATION",
    "K": "LIVRAISON_INTRACOM",
    "G": "EXPORTATION",
    "O": "HORS_CHAMP",
    "Z": "EXONERATION_261",
}


def draft_arguments(data: InvoiceData) -> dict[str, Any]:
    """Keyword arguments of `invoice_create_draft` (header fields + `lines`) for parsed data."""
    from invoices.lines import LineData as DraftLine
    from invoices.validators import lines_count_check

    lines_count_check(count=len(data.lines))
    lines = []
    for line in data.lines:
        rate = line.vat_rate if line.vat_rate is not None else Decimal(0)
        exemption = ""
        if rate == 0:
            exemption = EXEMPTION_FROM_CATEGORY.get(line.vat_category.upper(), "EXONERATION_261")
            if line.vat_category.upper() == "E" and any(
                g.exemption_code.upper() == "VATEX-FR-FRANCHISE" for g in data.vat_breakdown
            ):
                exemption = "FRANCHISE_293B"
        base = line.price_base_quantity or Decimal(1)
        price = (line.net_price or Decimal(0)) / base
        lines.append(
            DraftLine(
                # XML layout may wrap a name over several lines: one line of text here.
                designation=" ".join((line.name or f"Ligne {line.line_id}").split())[:255],
                quantity=line.quantity if line.quantity is not None else Decimal(0),
                unit_price=price.quantize(Decimal("0.0001"))
                if price.as_tuple().exponent < -4
                else price,
                vat_rate=rate,
                unit=UNIT_FROM_CODE.get(line.unit_code.upper(), line.unit_code[:20] or "U"),
                exemption_reason=exemption,
            )
        )
    return {
        "number": data.number,
        "type": TYPE_FROM_CODE.get(data.type_code, "FACTURE"),
        "cadre": CADRE_FROM_CODE.get(data.cadre.split("_")[0], "A1_FACTURE_FOURNISSEUR"),
        "recipient_siret": data.buyer.siret,
        "service_code": data.service_code[:100],
        "ej_number": data.ej_number[:50],
        "issue_date": data.issue_date,
        "due_date": data.due_date,
        "currency": data.currency or "EUR",
        "payment_mode": PAYMENT_FROM_CODE.get(
            data.payment_means, "AUTRE" if data.payment_means else ""
        ),
        "comment": data.note[:2000],
        "lines": lines,
    }
