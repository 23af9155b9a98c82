"""`{% load chorus_ui %}`: one French number format in every template (chorus.fr), status pills
coloured by meaning, and the five-step progress of an invoice.

`{{ amount|eur }}` → 3 730,50 € · `{{ price|prix }}` → 12,345 € · `{{ qty|nombre }}` → 480,5 ·
`{{ rate|taux }}` → 20 % · `{{ invoice.status|ton }}` → ok / wait / ko / info (CSS badge-…).
"""

from django import template

from chorus import fr
from invoices.choices import InvoiceStatus

register = template.Library()

S = InvoiceStatus
TONES = {
    S.MISE_EN_PAIEMENT: "ok",
    S.COMPLETEE: "ok",
    S.SERVICE_FAIT: "ok",
    S.MANDATEE: "ok",
    S.MISE_A_DISPOSITION_COMPTABLE: "ok",
    S.COMPTABILISEE: "ok",
    S.A_RECYCLER: "wait",
    S.SUSPENDUE: "wait",
    S.REJETEE: "ko",
    S.ERREUR_TECHNIQUE: "ko",
    S.BROUILLON: "draft",
}

# The five steps of the supplier guide; the intermediate back-office statuses count as step 3.
STEPS = [
    ("Déposée", {S.DEPOSEE, S.EN_COURS_ACHEMINEMENT, S.A_RECYCLER}),
    ("Mise à disposition", {S.MISE_A_DISPOSITION, S.SUSPENDUE, S.COMPLETEE, S.REJETEE}),
    ("Service fait", {S.SERVICE_FAIT}),
    ("Mandatée / comptabilisée", {S.MANDATEE, S.MISE_A_DISPOSITION_COMPTABLE, S.COMPTABILISEE}),
    ("Mise en paiement", {S.MISE_EN_PAIEMENT}),
]


@register.filter
def eur(value, currency="EUR") -> str:
    return fr.format_amount(value, currency or "EUR")


@register.filter
def prix(value, currency="EUR") -> str:
    return fr.format_price(value, currency or "EUR")


@register.filter
def nombre(value) -> str:
    return fr.format_number(value)


@register.filter
def taux(value) -> str:
    return fr.format_rate(value)


@register.filter
def ton(status) -> str:
    """Tone of a status: ok (green), wait (amber: the supplier acts), ko (red), draft, info."""
    return TONES.get(status, "info")


@register.inclusion_tag("invoices/_progress.html")
def progression(invoice):
    """The five steps, each done / current / to come (none for a draft or an error)."""
    current = next(
        (i for i, (_label, statuses) in enumerate(STEPS) if invoice.status in statuses), None
    )
    steps = []
    for index, (label, _statuses) in enumerate(STEPS):
        if current is None:
            state = "todo"
        elif index < current:
            state = "done"
        elif index == current:
            state = "current"
        else:
            state = "todo"
        steps.append({"label": label, "state": state})
    return {
        "steps": steps,
        "shown": current is not None,
        "status": invoice.status,
        "tone": ton(invoice.status),
    }


MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
SEVERITIES = {
    "fatal": "bloquante",
    "error": "erreur",
    "warning": "avertissement",
    "info": "information",
}


@register.filter
def date_longue(value) -> str:
    """« 1er janvier 2026 », « 5 décembre 2026 » (a datetime in the current time zone)."""
    if not value:
        return ""
    if hasattr(value, "hour"):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


@register.filter
def jours(value) -> str:
    """A number of days in French: « 0 jour », « 1,5 jour », « 12 jours »."""
    text = fr.format_number(value)
    if not text:
        return ""
    try:
        plural = abs(float(str(value))) >= 2
    except ValueError:
        plural = True
    return f"{text}\u00a0jour{'s' if plural else ''}"


@register.filter
def gravite(value) -> str:
    """Severity of a validation finding in French (the reports store fatal / warning...)."""
    return SEVERITIES.get(str(value).lower(), str(value))
