"""Deposit flows ("flux", chorus-pro.md §5): deposit, processing, pré-contrôle.

`flux_deposit` stores the file (storage API, SHA-256) as IN_RECU and records `process_flux` in the
outbox (sent after commit, re-sent by the sweep); `flux_process` (idempotent) validates every
invoice of the file, turns the valid ones into drafts then deposits them (`invoice_submit`:
normal routing) and records the compte rendu: IN_INTEGRE, IN_INTEGRE_PARTIEL or IN_REJETE.
`flux_precheck` validates without depositing.
Sandbox faults (issue 8): a flow deposited with a `forced_outcome` (an integrator's fault rule,
see api/faults.py) ends IN_INCIDENTE — nothing integrated, one technical error in the compte rendu —
or IN_INTEGRE_PARTIEL — only the first valid invoice integrated, the others refused with the
finding `EMU-FAULT`.
Batches: zip or tar.gz, at most `MAX_MEMBERS` invoices and `MAX_TOTAL_BYTES` uncompressed, only
regular `.xml` / `.pdf` members; member names are reduced to their base name (no path traversal).
"""

import hashlib
import io
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.models import User
from chorus import clock, limits
from chorus.exceptions import ChorusError
from invoices.choices import DepositMode, OutboxKind
from invoices.formats.chorus_checks import rule_finding
from invoices.formats.detect import SYNTAXE_FLUX, UBL_CREDITNOTE, UBL_INVOICE
from invoices.formats.report import FATAL, SOURCE_CHORUS, Finding, Report
from invoices.formats.to_draft import draft_arguments
from invoices.formats.validate import validate_contents, validate_document
from invoices.hooks import flux_state_changed
from invoices.models import Flux, FluxState
from invoices.rules.catalogue import DUPLICATE_NUMBER, RULES_BY_CODE
from invoices.rules.numbering import duplicate_violation
from invoices.services.common import require_member
from invoices.services.outbox import outbox_enqueue
from structures.models import Structure

# One limit per kind of file, the same on the portal and the API (chorus/limits.py).
MAX_UPLOAD_BYTES = limits.FLUX_FILE_MAX_BYTES
MAX_MEMBERS = limits.BATCH_MAX_INVOICES
MAX_MEMBER_BYTES = limits.INVOICE_FILE_MAX_BYTES
MAX_TOTAL_BYTES = limits.BATCH_MAX_UNCOMPRESSED_BYTES
ACCEPTED_SUFFIXES = (".xml", ".pdf")
FORCED_OUTCOMES = (FluxState.IN_INCIDENTE, FluxState.IN_INTEGRE_PARTIEL)
FAULT_RULE_ID = "EMU-FAULT"
FAULT_INCIDENT = (
    "Flux en incident : erreur technique simulée par une panne injectée (bac à sable) ; "
    "aucune facture du flux n'a été intégrée, déposez-le de nouveau."
)
FAULT_REFUSAL = "Refus simulé par une panne injectée (bac à sable) : facture non intégrée."


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes


def _read(file: Any) -> tuple[str, bytes]:
    name = PurePosixPath(getattr(file, "name", "") or "flux").name
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ChorusError(
            f"Fichier : {MAX_UPLOAD_BYTES // 1024 // 1024} Mo au maximum.", field="file"
        )
    if not data:
        raise ChorusError("Fichier : le fichier est vide.", field="file")
    return name, data


def _too_many() -> ChorusError:
    return ChorusError(
        f"Lot : {MAX_MEMBERS} factures au maximum par flux.", field="file", code="lot_trop_gros"
    )


def _too_big() -> ChorusError:
    return ChorusError(
        f"Lot : {MAX_TOTAL_BYTES // 1024 // 1024} Mo décompressés au maximum "
        f"({MAX_MEMBER_BYTES // 1024 // 1024} Mo par fichier).",
        field="file",
        code="lot_trop_gros",
    )


def _safe_name(raw: str) -> str | None:
    path = PurePosixPath(raw.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.name:
        return None
    if not path.name.lower().endswith(ACCEPTED_SUFFIXES) or path.name.startswith("."):
        return None
    return path.name


def unpack(name: str, data: bytes) -> list[Member]:
    """The invoices of an upload: itself, or the members of a zip / tar.gz batch (safely)."""
    lowered = name.lower()
    members: list[Member] = []
    total = 0
    try:
        if data[:4] == b"PK\x03\x04" or lowered.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
                if len(infos) > MAX_MEMBERS:
                    raise _too_many()
                for info in infos:
                    safe = _safe_name(info.filename)
                    if safe is None:
                        continue
                    if (
                        info.file_size > MAX_MEMBER_BYTES
                        or total + info.file_size > MAX_TOTAL_BYTES
                    ):
                        raise _too_big()
                    with archive.open(info) as handle:
                        content = handle.read(MAX_MEMBER_BYTES + 1)
                    total += len(content)
                    if len(content) > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
                        raise _too_big()
                    members.append(Member(safe, content))
        elif data[:2] == b"\x1f\x8b" or lowered.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
                count = 0
                for info in archive:
                    count += 1
                    if count > MAX_MEMBERS * 2:
                        raise _too_many()
                    if not info.isreg():  # no links, devices, directories
                        continue
                    safe = _safe_name(info.name)
                    if safe is None:
                        continue
                    if info.size > MAX_MEMBER_BYTES or total + info.size > MAX_TOTAL_BYTES:
                        raise _too_big()
                    handle = archive.extractfile(info)
                    content = handle.read(MAX_MEMBER_BYTES + 1) if handle else b""
                    total += len(content)
                    members.append(Member(safe, content))
                    if len(members) > MAX_MEMBERS:
                        raise _too_many()
        else:
            return [Member(name, data)]
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise ChorusError(
            f"Lot illisible ({type(exc).__name__}) : zip ou tar.gz attendu.", field="file"
        ) from None
    if not members:
        raise ChorusError("Lot : aucune facture .xml ou .pdf trouvée dans l'archive.", field="file")
    return members


def flux_precheck(*, file: Any, structure: Structure | None = None) -> dict[str, Any]:
    """Pré-contrôle: validate every invoice of the file, deposit nothing. Returns the report."""
    name, data = _read(file)
    members = unpack(name, data)
    contents = validate_contents([(m.data, m.name) for m in members])  # every core
    claimed: set[tuple[int, str]] = set()  # numbers the batch's own earlier invoices would take
    documents = []
    for member, content in zip(members, contents, strict=True):
        report, invoice = validate_document(
            member.data, member.name, supplier=structure, content=content
        )
        key = (invoice.issue_date.year, invoice.number) if invoice and invoice.issue_date else None
        if report.valid and invoice is not None and structure is not None:
            _predict_deposit(report, invoice, structure)
        if report.valid and key is not None and structure is not None:
            if key in claimed:  # the deposit integrates the first one and refuses this one
                report.add(rule_finding(duplicate_violation(key[1], key[0])))
            claimed.add(key)
        documents.append(report.as_json())
    return _summary(name, documents)


def _predict_deposit(report: Report, data: Any, structure: Structure) -> None:
    """What `_integrate` would refuse when creating and depositing the draft (CHORUS-020)."""
    from invoices.services.routing import deposit_check

    arguments = draft_arguments(data)
    try:
        deposit_check(supplier=structure, lines=arguments.pop("lines"), **arguments)
    except ChorusError as exc:
        reason = exc.code if exc.code in RULES_BY_CODE else ""
        report.add(Finding("CHORUS-020", FATAL, exc.message, "", "", SOURCE_CHORUS, reason=reason))


def _summary(name: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "filename": name,
        "documents": documents,
        "total": len(documents),
        "valid": sum(1 for d in documents if d["valid"]),
        "integrated": sum(1 for d in documents if d.get("invoice_id")),
    }


_UBL_MARKERS = (UBL_INVOICE.encode(), UBL_CREDITNOTE.encode())


def _syntax(name: str, data: bytes) -> str:
    """The flux's syntax label, sniffed from the file's start; "" when nothing is recognised (an
    unreadable file gets no flavour label and does not count as a UBL deposit)."""
    lowered = name.lower()
    if data[:5] == b"%PDF-":
        return SYNTAXE_FLUX["FACTURX"]
    if lowered.endswith((".zip", ".tar.gz", ".tgz", ".tar")):
        return "IN_DP_E1_LOT"
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM
        head = data[:8192].decode("utf-16", errors="ignore").encode()
    if b"CrossIndustryInvoice" in head:
        return SYNTAXE_FLUX["CII"]
    if any(marker in head for marker in _UBL_MARKERS):
        return SYNTAXE_FLUX["UBL_INVOICE"]
    return ""


def flux_deposit(*, structure: Structure, by: User, file: Any, forced_outcome: str = "") -> Flux:
    """Store the file as a new IN_RECU flow and enqueue its processing after commit.

    `forced_outcome` (sandbox fault injection only): IN_INCIDENTE or IN_INTEGRE_PARTIEL."""
    if forced_outcome and forced_outcome not in FORCED_OUTCOMES:
        raise ChorusError(
            f"Issue imposée : « {forced_outcome} » inconnue (IN_INCIDENTE ou IN_INTEGRE_PARTIEL).",
            field="forced_outcome",
        )
    require_member(user=by, structure=structure, role_label="fournisseur")
    if not structure.is_active:
        raise ChorusError("Fournisseur : la structure est inactive.", field="supplier")
    name, data = _read(file)
    unpack(name, data)  # refuses an unreadable or oversized batch before storing anything
    with transaction.atomic():
        flux = Flux(
            supplier=structure,
            deposited_by=by,
            filename=name[:255],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            syntax=_syntax(name, data),
            forced_outcome=forced_outcome,
            created_at=clock.now(structure_id=structure.pk),
        )
        flux.file.save(name, ContentFile(data), save=False)
        flux.save()
        flux_state_changed(flux=flux, from_state="", to_state=flux.state)
        outbox_enqueue(kind=OutboxKind.PROCESS_FLUX, flux=flux)
    return flux


def _integrate(flux: Flux, member: Member, content: Any = None) -> dict[str, Any]:
    from invoices.services.drafts import invoice_create_draft
    from invoices.services.routing import invoice_submit

    report, data = validate_document(
        member.data, member.name, supplier=flux.supplier, content=content
    )
    result = report.as_json()
    if not report.valid or data is None:
        return result
    try:
        with transaction.atomic():
            invoice = invoice_create_draft(
                supplier=flux.supplier,
                by=flux.deposited_by,
                deposit_mode=DepositMode.EDI,
                **draft_arguments(data),
            )
            invoice = invoice_submit(invoice_id=invoice.pk, by=flux.deposited_by)
    except ChorusError as exc:
        # A number taken meanwhile (the pré-check above found it free): the same rule, DOUBLON.
        reason = DUPLICATE_NUMBER.code if exc.code == "doublon" else ""
        reason = exc.code if exc.code in RULES_BY_CODE else reason
        report.add(Finding("CHORUS-020", FATAL, exc.message, "", "", SOURCE_CHORUS, reason=reason))
        return report.as_json()
    flux.invoices.add(invoice)
    result["invoice_id"] = invoice.pk
    return result


def _refuse_by_fault(flux: Flux, member: Member, content: Any = None) -> dict[str, Any]:
    """The member's own report (its number for the CR) plus the injected refusal."""
    report, _ = validate_document(member.data, member.name, supplier=flux.supplier, content=content)
    report.add(Finding(FAULT_RULE_ID, FATAL, FAULT_REFUSAL, "", "", SOURCE_CHORUS))
    return report.as_json()


def _incident_documents(flux: Flux) -> list[dict[str, Any]]:
    incident = Report(filename=flux.filename)
    incident.add(Finding(FAULT_RULE_ID, FATAL, FAULT_INCIDENT, "", "", SOURCE_CHORUS))
    return [incident.as_json()]


def _documents(flux: Flux, members: list[Member]) -> list[dict[str, Any]]:
    # Format, XSD, CEN and Factur-X rules of every member on every core; routing rules (database)
    # and integration then run here, member by member, in order.
    contents = validate_contents([(m.data, m.name) for m in members])
    pairs = list(zip(members, contents, strict=True))
    if flux.forced_outcome != FluxState.IN_INTEGRE_PARTIEL:
        return [_integrate(flux, member, content) for member, content in pairs]
    documents: list[dict[str, Any]] = []
    for member, content in pairs:
        if any(d.get("invoice_id") for d in documents):
            documents.append(_refuse_by_fault(flux, member, content))
        else:
            documents.append(_integrate(flux, member, content))
    return documents


def _save_state(flux: Flux, from_state: str) -> None:
    flux.save()
    flux_state_changed(flux=flux, from_state=from_state, to_state=flux.state)


def flux_process(*, flux_id: int) -> Flux:
    """IN_RECU → IN_EN_TRAITEMENT → IN_INTEGRE | IN_INTEGRE_PARTIEL | IN_REJETE | IN_INCIDENTE
    (the last only when a sandbox fault imposed it). Safe to rerun."""
    with transaction.atomic():
        flux = Flux.objects.select_for_update().get(pk=flux_id)
        if flux.state != FluxState.IN_RECU:
            return flux
        flux.start_processing()
        _save_state(flux, FluxState.IN_RECU)
        if flux.forced_outcome == FluxState.IN_INCIDENTE:
            summary = _summary(flux.filename, _incident_documents(flux))
            flux.mark_incident(report=summary, at=clock.now(structure_id=flux.supplier_id))
            _save_state(flux, FluxState.IN_EN_TRAITEMENT)
            return flux
        with flux.file.open("rb") as handle:
            data = handle.read()
        try:
            members = unpack(flux.filename, data)
        except ChorusError as exc:
            empty = Report(filename=flux.filename)
            empty.add(Finding("FMT-009", FATAL, exc.message, "", "", "FORMAT"))
            documents = [empty.as_json()]
        else:
            documents = _documents(flux, members)
        summary = _summary(flux.filename, documents)
        now = clock.now(structure_id=flux.supplier_id)
        if summary["integrated"] and flux.forced_outcome == FluxState.IN_INTEGRE_PARTIEL:
            # Imposed even when the file held one invoice: the integrator asked for this state.
            flux.integrate_partially(report=summary, at=now)
        elif summary["integrated"] == summary["total"]:
            flux.integrate(report=summary, at=now)
        elif summary["integrated"]:
            flux.integrate_partially(report=summary, at=now)
        else:
            flux.reject(report=summary, at=now)
        _save_state(flux, FluxState.IN_EN_TRAITEMENT)
    return flux
