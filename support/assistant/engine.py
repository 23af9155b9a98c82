"""Answer one question: invoice intents first (user's own data, permission-checked), then the FAQ.

An invoice the user may not see is answered exactly like an unknown number, so nothing leaks.
"""

import re
from dataclasses import dataclass, field

from django.urls import reverse

from invoices import selectors as invoice_selectors
from invoices.choices import InvoiceStatus
from invoices.models import Invoice
from invoices.templatetags.chorus_ui import date_longue
from support import selectors
from support.assistant.retrieval import THRESHOLD, faq_search
from support.assistant.text import fold

NOT_FOUND = (
    "Je ne trouve aucune facture n° {number} parmi celles que vous pouvez consulter. "
    "Vérifiez le numéro, ou la structure à laquelle vous êtes rattaché."
)
UNKNOWN = (
    "Je ne sais pas répondre à cette question. Reformulez-la, consultez l'aide, ou saisissez une "
    "sollicitation : le support vous répondra."
)

# An invoice number after «facture» / «n°»: contains at least one digit (F-2024-001, 2024/17…).
_NUMBER = re.compile(
    r"(?:facture|avoir|n°|no|numero|numéro)\s*(?:n°|no|numéro|numero)?\s*:?\s*"
    r"([A-Za-z0-9][A-Za-z0-9/_.\-]{0,19})",
    re.IGNORECASE,
)


@dataclass
class Answer:
    text: str
    kind: str  # "faq", "data" or "unknown"
    source: str = ""
    entry_id: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def _find_number(question: str) -> str | None:
    for match in _NUMBER.finditer(question):
        candidate = match.group(1).rstrip(".-/_")
        if any(ch.isdigit() for ch in candidate):
            return candidate
    return None


def _intent(question: str) -> str | None:
    folded = fold(question)
    if "rejet" in folded or "refus" in folded:
        return "rejection"
    if "recycl" in folded:
        return "recycle"
    if "suspen" in folded:
        return "suspension"
    if any(
        word in folded
        for word in (
            "ou en est",
            "statut",
            "etat",
            "suivi",
            "avancement",
            "payee",
            "ou en sont",
            "ou est",
        )
    ):
        return "status"
    return None


def _invoice_url(user, invoice: Invoice) -> str:
    if invoice_selectors.invoice_list_issued(user=user).filter(pk=invoice.pk).exists():
        return reverse("invoices:detail", args=[invoice.pk])
    return reverse("received:detail", args=[invoice.pk])


def _status_date(invoice: Invoice):
    event = invoice.events.order_by("-created_at", "-id").first()
    return event.created_at if event else invoice.updated_at


def _describe(user, invoice: Invoice, intent: str) -> str:
    label = invoice.get_status_display()
    # In the user's time zone (Paris), « 1er » for the first of the month.
    when = date_longue(_status_date(invoice))
    base = f"La facture n° {invoice.number} est au statut « {label} » depuis le {when}."
    if intent == "rejection":
        if invoice.status != InvoiceStatus.REJETEE:
            return base + " Elle n'a pas été rejetée."
        reason = invoice.get_rejection_reason_display() or "non précisé"
        comment = invoice.rejection_comment or "aucun commentaire"
        return (
            f"La facture n° {invoice.number} a été rejetée le {when}. Motif : {reason}. "
            f"Commentaire du destinataire : « {comment} ». Un rejet est définitif : déposez une "
            "facture corrigée (le numéro d'une facture rejetée est libéré, vous pouvez le "
            "réutiliser)."
        )
    if intent == "recycle":
        if invoice.status != InvoiceStatus.A_RECYCLER:
            return base + " Elle n'est pas à recycler."
        reason = invoice.get_routing_error_display() or "non précisé"
        detail = f" ({invoice.routing_error_detail})" if invoice.routing_error_detail else ""
        return (
            f"La facture n° {invoice.number} est à recycler depuis le {when} : erreur "
            f"d'acheminement — {reason}{detail}. Corrigez le SIRET du destinataire, le code "
            "service ou le numéro d'engagement, puis recyclez-la."
        )
    if intent == "suspension" and invoice.status == InvoiceStatus.SUSPENDUE:
        return base + f" Motif de la suspension : « {invoice.suspension_reason} »."
    return base


def _answer_invoice(user, number: str, intent: str) -> Answer:
    invoices = selectors.invoice_find_visible(user=user, number=number)
    if not invoices:
        return Answer(NOT_FOUND.format(number=number), "data")
    invoice = invoices[0]
    return Answer(
        _describe(user, invoice, intent),
        "data",
        source="vos factures",
        links=[(f"Ouvrir la facture n° {invoice.number}", _invoice_url(user, invoice))],
    )


def _answer_without_number(user, intent: str) -> Answer | None:
    """«Pourquoi ma facture est à recycler / a été rejetée ?»: the user's returned invoices."""
    wanted = {"rejection": InvoiceStatus.REJETEE, "recycle": InvoiceStatus.A_RECYCLER}.get(intent)
    if wanted is None or not user.is_authenticated:
        return None
    invoices = list(
        invoice_selectors.invoice_list_returned(user=user)
        .filter(status=wanted)
        .order_by("-updated_at", "-pk")[:3]
    )
    if not invoices:
        return None
    texts = [_describe(user, invoice, intent) for invoice in invoices]
    links = [
        (f"Ouvrir la facture n° {invoice.number}", _invoice_url(user, invoice))
        for invoice in invoices
    ]
    return Answer(" ".join(texts), "data", source="vos factures", links=links)


def assistant_answer(*, user, question: str) -> Answer:
    question = (question or "").strip()[:500]
    intent = _intent(question)
    number = _find_number(question)
    if number and (intent or "ma facture" in fold(question)):
        if not user.is_authenticated:
            return Answer(
                "Connectez-vous pour que je puisse consulter vos factures.",
                "data",
                links=[("Se connecter", reverse("account_login"))],
            )
        return _answer_invoice(user, number, intent or "status")
    if intent and "ma facture" in fold(question):
        data = _answer_without_number(user, intent)
        if data:
            return data
    hits = faq_search(question, limit=1)
    if not hits or hits[0].score < THRESHOLD:
        return Answer(
            UNKNOWN,
            "unknown",
            links=[
                ("Saisir une sollicitation", reverse("support:create"))
                if user.is_authenticated
                else ("Nous contacter", reverse("support:contact"))
            ],
        )
    entry = hits[0].entry
    return Answer(entry.answer, "faq", source=entry.source, entry_id=entry.id)
