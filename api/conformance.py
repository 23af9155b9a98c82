"""Conformance kit: a checklist run against the integrator's own recorded usage.

Sources: the request log of (application, structure) and the structure's domain data (flux,
invoice events). Each check says what was found, so a failing one tells what to try next.
"""

from dataclasses import dataclass

from django.db.models import Q

from api.models.sandbox import RequestLogEntry
from invoices.choices import InvoiceStatus
from invoices.formats.detect import SYNTAXE_FLUX
from invoices.models import Flux, Invoice, InvoiceEvent
from structures.models import Structure


@dataclass
class Check:
    code: str
    label: str
    passed: bool
    detail: str


def _ok_calls(log, suffix: str):
    return log.filter(path__endswith=suffix, status_code=200, fault="")


def conformance_run(*, client_id: str, structure: Structure) -> list[Check]:
    log = RequestLogEntry.objects.filter(client_id=client_id, structure=structure)
    flux = Flux.objects.filter(supplier=structure)
    ubl = flux.filter(syntax=SYNTAXE_FLUX["UBL_INVOICE"]).exists()
    facturx = flux.filter(syntax=SYNTAXE_FLUX["FACTURX"]).exists()
    checks = [
        Check(
            "flux_ubl_facturx",
            "Dépôt d'un flux UBL et d'un flux Factur-X",
            ubl and facturx,
            f"UBL : {'oui' if ubl else 'non'} ; Factur-X : {'oui' if facturx else 'non'}.",
        )
    ]
    completed = _ok_calls(log, "factures/v1/completer").count()
    checks.append(
        Check(
            "suspendue_completer",
            "Facture SUSPENDUE complétée (factures/v1/completer)",
            completed > 0,
            f"{completed} appel(s) réussi(s) à completer.",
        )
    )
    recycled = _ok_calls(log, "factures/v1/recycler").count()
    checks.append(
        Check(
            "a_recycler_recycler",
            "Facture À RECYCLER recyclée (factures/v1/recycler)",
            recycled > 0,
            f"{recycled} appel(s) réussi(s) à recycler.",
        )
    )
    rejection = (
        InvoiceEvent.objects.filter(invoice__supplier=structure, to_status=InvoiceStatus.REJETEE)
        .order_by("created_at")
        .select_related("invoice")
        .first()
    )
    redeposited = rejection is not None and (
        Invoice.objects.filter(supplier=structure, deposited_at__gt=rejection.created_at)
        .exclude(Q(number=rejection.invoice.number) | Q(pk=rejection.invoice_id))
        .exists()
    )
    checks.append(
        Check(
            "rejetee_nouveau_numero",
            "Facture REJETÉE puis nouvelle facture sous un autre numéro",
            redeposited,
            "Aucune facture rejetée."
            if rejection is None
            else ("Nouvelle facture déposée." if redeposited else "Pas de nouveau dépôt depuis."),
        )
    )
    cr = _ok_calls(log, "transverses/v1/consulterCR").count()
    checks.append(
        Check(
            "consulter_cr",
            "Compte rendu de flux lu (transverses/v1/consulterCR)",
            cr > 0,
            f"{cr} appel(s) réussi(s) à consulterCR.",
        )
    )
    forbidden = log.filter(status_code=403, fault__startswith="403").order_by("id").first()
    survived = (
        forbidden is not None
        and log.filter(
            id__gt=forbidden.id, path__startswith="/cpro/", status_code__lt=300, fault=""
        ).exists()
    )
    checks.append(
        Check(
            "survit_403",
            "Appel réussi après un 403 injecté",
            survived,
            "Aucun 403 injecté."
            if forbidden is None
            else ("Reprise constatée." if survived else "Aucun appel réussi depuis le 403."),
        )
    )
    return checks


def conformance_report(checks: list[Check]) -> str:
    lines = [f"[{'OK' if c.passed else 'ÉCHEC'}] {c.label} — {c.detail}" for c in checks]
    passed = sum(c.passed for c in checks)
    lines.append(f"{passed}/{len(checks)} contrôle(s) réussi(s).")
    return "\n".join(lines)
