"""Our own checks on the parsed data: arithmetic, and the Chorus Pro deposit and routing rules of
`invoices.rules` (the same rules as every other channel) as report findings.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from lxml import etree

from invoices.formats.mapping import InvoiceData
from invoices.formats.report import (
    ERROR,
    SOURCE_CHORUS,
    WARNING,
    Finding,
)
from invoices.rules import catalogue as R
from invoices.rules.base import Violation
from invoices.rules.document import check_dates, check_not_self_billing
from invoices.rules.numbering import check_number_free
from invoices.rules.routing import (
    EJ_MAX_LENGTH,
    RoutingData,
    routing_evaluate,
)

# Accepted BT-3 codes and the invoice type they become.
TYPE_CODES = {"380": "FACTURE", "381": "AVOIR", "386": "ACOMPTE"}
CADRE_CODES = {"A1": "A1_FACTURE_FOURNISSEUR", "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"}
CADRE_CODES |= {"A9": "A9_FACTURE_SOUSTRAITANT", "A12": "A12_FACTURE_COTRAITANT"}
FRENCH_VAT_RATES = {Decimal(r) for r in ("20", "10", "5.5", "2.1", "0")}
CENT = Decimal("0.01")


# --- our own checks ------------------------------------------------------------------------------
def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def arithmetic_findings(data: InvoiceData, root: etree._Element) -> list[Finding]:
    """Line net = quantity × price (÷ base quantity): no EN rule checks it. (Σ lines = BT-106 is
    the CEN rule BR-CO-10, run on every file: no second finding of ours for the same fault.)"""
    findings = []
    for line in data.lines:
        if line.quantity is None or line.net_price is None or line.net_amount is None:
            continue
        base = line.price_base_quantity or Decimal(1)
        expected = _round(line.quantity * line.net_price / base)
        # A price rounded to its last decimal may legitimately move the product a little.
        exponent = min(line.net_price.as_tuple().exponent, -2)  # type: ignore[type-var]
        tolerance = CENT + abs(line.quantity / base) * Decimal(1).scaleb(exponent) / 2
        if abs(expected - line.net_amount) <= tolerance:
            continue
        if _has_line_allowance(root, line.location):
            continue
        sign_only = abs(abs(expected) - abs(line.net_amount)) <= tolerance
        # Never blocks: EN 16931 does not require it and no Chorus Pro source does (rule
        # LINE_ARITHMETIC in invoices/rules/catalogue.py).
        findings.append(
            Finding(
                rule_id=R.LINE_ARITHMETIC.finding_id,
                severity=WARNING,
                message_fr=f"Ligne {line.line_id} : montant net {line.net_amount} différent de "
                f"quantité × prix net = {line.quantity} × {line.net_price} = {expected}"
                + (" (signe opposé)." if sign_only else "."),
                business_term="BT-131",
                location=line.location,
                source=SOURCE_CHORUS,
                reason=R.LINE_ARITHMETIC.code,
            )
        )
    return findings


def _has_line_allowance(root: etree._Element, location: str) -> bool:
    from invoices.formats.mapping import NS

    match = re.search(
        r"(IncludedSupplyChainTradeLineItem|InvoiceLine|CreditNoteLine)\[(\d+)\]$", location
    )
    if not match:
        return False
    tag, index = match.groups()
    prefix = "ram" if tag.startswith("Included") else "cac"
    lines = root.xpath(f"//{prefix}:{tag}", namespaces=NS)
    line = lines[int(index) - 1] if len(lines) >= int(index) else None
    if line is None:
        return False
    return bool(
        line.xpath(".//ram:SpecifiedTradeAllowanceCharge|cac:AllowanceCharge", namespaces=NS)
    )


def _chorus(rule: str, message: str, term: str = "", severity: str = ERROR) -> Finding:
    return Finding(rule, severity, message, term, "", SOURCE_CHORUS)


def rule_finding(violation: Violation) -> Finding:
    """A broken rule of `invoices.rules` as a report finding, with its Chorus reason code."""
    rule = violation.rule
    severity = ERROR if rule.blocking else WARNING
    return Finding(
        rule.finding_id, severity, violation.message, rule.term, "", SOURCE_CHORUS, reason=rule.code
    )


def _routing_findings(data: InvoiceData, *, supplier: Any) -> list[Finding]:
    """The routing verdict of `invoices.rules.routing`, the one the routing task applies."""
    supplier_siret = supplier.siret if supplier is not None else (data.seller.siret or "")
    routing = routing_evaluate(
        RoutingData(
            recipient_siret=data.buyer.siret,
            service_code=data.service_code,
            ej_number=data.ej_number,
            supplier_siret=supplier_siret,
        )
    )
    return [rule_finding(routing.violation)] if routing.violation is not None else []


def siret_is_valid(siret: str) -> bool:
    from stdnum.fr import siret as fr_siret

    return fr_siret.is_valid(siret)


def chorus_findings(data: InvoiceData, *, supplier: Any = None) -> list[Finding]:
    """Chorus Pro B2G rules with our own stable ids, checked against the structures directory.

    In the deposit's order (`invoices.rules`): the deposit rules (dates, self-billing, number
    already deposited), then — only when the deposit would pass them — the routing verdict."""
    out: list[Finding] = []
    siret = data.buyer.siret
    if not siret:
        out.append(
            _chorus(
                "CHORUS-001",
                "SIRET du destinataire absent : indiquez-le en BT-46 (schemeID 0009), en BT-49 "
                "ou en BT-47 (14 chiffres).",
                "BT-46",
            )
        )
    elif not siret_is_valid(siret):
        out.append(
            _chorus(
                "CHORUS-001",
                f"SIRET du destinataire « {siret} » invalide (clé de Luhn incorrecte).",
                "BT-46",
            )
        )
    deposit = _deposit_findings(data, supplier=supplier)
    out.extend(deposit)
    if siret and siret_is_valid(siret) and not deposit:
        out.extend(_routing_findings(data, supplier=supplier))
    elif data.ej_number and len(data.ej_number) > EJ_MAX_LENGTH:
        limit = f"N° d'engagement juridique : {EJ_MAX_LENGTH} caractères au plus."
        out.append(rule_finding(R.EJ_FORMAT.violation(limit)))
    out.extend(_document_rules(data, supplier=supplier))
    return out


def _deposit_findings(data: InvoiceData, *, supplier: Any) -> list[Finding]:
    """The rules the deposit itself applies (`invoices.services.routing._deposit`)."""
    supplier_siret = getattr(supplier, "siret", "") or ""
    violations = [
        check_dates(data.issue_date, data.due_date, supplier_id=getattr(supplier, "pk", None)),
        check_not_self_billing(recipient_siret=data.buyer.siret, supplier_siret=supplier_siret),
    ]
    if supplier is not None and getattr(supplier, "pk", None):
        violations.append(
            check_number_free(
                supplier_id=supplier.pk, number=data.number, issue_date=data.issue_date
            )
        )
    return [rule_finding(v) for v in violations if v is not None]


def _document_rules(data: InvoiceData, *, supplier: Any) -> list[Finding]:
    out = []
    if data.type_code not in TYPE_CODES:
        out.append(
            _chorus(
                "CHORUS-006",
                f"Type de facture (BT-3) « {data.type_code} » non accepté : 380 (facture), "
                "381 (avoir) ou 386 (acompte).",
                "BT-3",
            )
        )
    if data.cadre and data.cadre.split("_")[0] not in CADRE_CODES:
        out.append(
            _chorus(
                "CHORUS-007",
                f"Cadre de facturation (BT-23) « {data.cadre} » inconnu : A1, A2, A9 ou A12 "
                "attendu ; A1 (dépôt par un fournisseur) est appliqué.",
                "BT-23",
                WARNING,
            )
        )
    if data.currency and data.currency != "EUR":
        out.append(_chorus("CHORUS-008", "Devise (BT-5) : seul l'euro (EUR) est accepté.", "BT-5"))
    if not data.number or len(data.number) > 20:
        out.append(
            _chorus("CHORUS-009", "Numéro de facture (BT-1) : 1 à 20 caractères attendus.", "BT-1")
        )
    if data.is_credit_note and not data.preceding_invoice:
        out.append(
            rule_finding(
                R.CREDIT_NOTE_WITHOUT_REFERENCE.violation(
                    "Avoir sans référence à la facture d'origine (BT-25)."
                )
            )
        )
    if not data.lines:
        out.append(
            _chorus(
                "CHORUS-011",
                "Aucune ligne de facture (BG-25) : le profil MINIMUM / BASIC WL ne suffit pas "
                "pour intégrer la facture (profil BASIC, EN 16931 ou EXTENDED attendu).",
                "BG-25",
            )
        )
    for line in data.lines:
        rate = line.vat_rate if line.vat_rate is not None else Decimal(0)
        if rate.normalize() not in {r.normalize() for r in FRENCH_VAT_RATES}:
            out.append(
                _chorus(
                    "CHORUS-012",
                    f"Ligne {line.line_id} : taux de TVA {rate} % non français "
                    "(20, 10, 5,5, 2,1 ou 0).",
                    "BT-152",
                )
            )
    if any((t or 0) != 0 for t in (data.totals.allowance_total, data.totals.charge_total)):
        out.append(
            _chorus(
                "CHORUS-013",
                "Remises ou charges au niveau document (BT-107/BT-108) : non reprises par "
                "l'émulateur, la facture ne peut pas être intégrée.",
                "BT-107",
            )
        )
    if supplier is not None and data.seller.siret and data.seller.siret != supplier.siret:
        out.append(
            _chorus(
                "CHORUS-014",
                f"SIRET du vendeur « {data.seller.siret} » différent de la structure qui dépose "
                f"({supplier.siret}).",
                "BT-30",
            )
        )
    return out
