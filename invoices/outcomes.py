"""What the user is told after an action whose outcome is known only after the commit.

Submitting, recycling or depositing a flow routes the document in a task run after the commit
(in-process with `make run`): the view cannot tell yet whether it succeeded. It remembers the
action in the session; the next page shown for that object tells what actually happened, in the
colour of what happened (success, info while in progress, warning to recycle, error if refused).
"""

from django.contrib import messages
from django.http import HttpRequest

from invoices.choices import InvoiceStatus
from invoices.models import Flux, FluxState, Invoice

SESSION_KEY = "chorus_outcome"

DEPOSIT = "depot"
RECYCLE = "recyclage"
FLUX = "flux"

IN_PROGRESS = {InvoiceStatus.DEPOSEE, InvoiceStatus.EN_COURS_ACHEMINEMENT}


def remember(request: HttpRequest, *, kind: str, pk: int) -> None:
    request.session[SESSION_KEY] = {"kind": kind, "pk": pk}


def _pop(request: HttpRequest, kinds: set[str], pk: int) -> str | None:
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("kind") not in kinds or pending.get("pk") != pk:
        return None
    del request.session[SESSION_KEY]
    return pending["kind"]


def _routing_reason(invoice: Invoice) -> str:
    reason = invoice.get_routing_error_display() if invoice.routing_error else ""
    detail = invoice.routing_error_detail
    if reason and detail:
        return f"{reason} ({detail})"
    return reason or detail or "données d'acheminement erronées"


def invoice_outcome(invoice: Invoice, kind: str) -> tuple[int, str]:
    """(message level, French text) for the invoice as it stands after `kind`."""
    number = invoice.number
    status = invoice.status
    if status == InvoiceStatus.A_RECYCLER:
        reason = _routing_reason(invoice)
        if kind == RECYCLE:
            text = (
                f"Recyclage refusé : la facture {number} n'a toujours pas pu être acheminée "
                f"— {reason}. Elle reste « À recycler » : corrigez les données d'acheminement "
                "ci-dessous et recyclez-la de nouveau."
            )
        else:
            text = (
                f"La facture {number} est déposée mais n'a pas pu être acheminée — {reason}. "
                "Elle est « À recycler » : corrigez les données d'acheminement ci-dessous "
                "(Recycler) ; son numéro ne change pas."
            )
        return messages.WARNING, text
    if status == InvoiceStatus.ERREUR_TECHNIQUE:
        return messages.ERROR, (
            f"La facture {number} est déposée mais son acheminement a échoué sur une erreur "
            "technique de la plateforme : contactez l'administrateur de l'émulateur."
        )
    if status == InvoiceStatus.REJETEE:
        return messages.ERROR, f"La facture {number} a été rejetée par le destinataire."
    if status in IN_PROGRESS:
        verb = "recyclée" if kind == RECYCLE else "déposée"
        return messages.INFO, (
            f"La facture {number} est {verb} ; son acheminement vers le destinataire est en "
            "cours : son statut se met à jour sur cette page."
        )
    verb = "recyclée" if kind == RECYCLE else "déposée"
    return messages.SUCCESS, (
        f"La facture {number} est {verb} et mise à disposition du destinataire "
        f"(statut « {invoice.get_status_display()} »)."
    )


def flux_outcome(flux: Flux) -> tuple[int, str]:
    state = flux.state
    if state == FluxState.IN_REJETE:
        return messages.ERROR, (
            f"Flux {flux.numero} rejeté : aucune facture n'a été intégrée. Le compte rendu "
            "ci-dessous dit pourquoi."
        )
    if state == FluxState.IN_INCIDENTE:
        return messages.ERROR, (
            f"Flux {flux.numero} en incident : une erreur technique de la plateforme a empêché "
            "son traitement ; aucune facture n'a été intégrée."
        )
    if state == FluxState.IN_INTEGRE_PARTIEL:
        return messages.WARNING, (
            f"Flux {flux.numero} intégré partiellement : une partie des factures a été refusée "
            "(voir le compte rendu ci-dessous)."
        )
    if state == FluxState.IN_INTEGRE:
        return messages.SUCCESS, f"Flux {flux.numero} intégré."
    return messages.INFO, f"Flux {flux.numero} reçu : traitement en cours."


def announce_invoice(request: HttpRequest, invoice: Invoice) -> None:
    kind = _pop(request, {DEPOSIT, RECYCLE}, invoice.pk)
    if kind:
        level, text = invoice_outcome(invoice, kind)
        messages.add_message(request, level, text)


def announce_flux(request: HttpRequest, flux: Flux) -> None:
    if _pop(request, {FLUX}, flux.pk):
        level, text = flux_outcome(flux)
        messages.add_message(request, level, text)
