"""Forms of the back-office ("Factures reçues"): list filters and «Traiter la facture».

The forms only parse what the user typed; the business rules (motif required and ≤ 255
characters, amount ≤ gross total…) live in `invoices.services.recipient`, whose French
`ChorusError` is shown next to the field it names.
"""

from django import forms

from invoices.choices import REJECTION_REASON_GROUPS, InvoiceStatus
from invoices.services import MOTIF_MAX_LENGTH

S = InvoiceStatus
DATE_ERROR = "{label} : date invalide, format attendu JJ/MM/AAAA."

PAGE_SIZES = (20, 50, 100)


def _date_field(label: str, *, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={
            "invalid": DATE_ERROR.format(label=label),
            "required": f"{label} : ce champ est obligatoire.",
        },
    )


class FilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", required=False)
    supplier = forms.CharField(label="Fournisseur (nom ou SIRET)", required=False, max_length=100)
    service = forms.ChoiceField(label="Service", required=False)
    number = forms.CharField(label="Numéro de facture", required=False, max_length=20)
    received_from = _date_field("Mise à disposition du", required=False)
    received_to = _date_field("Mise à disposition au", required=False)
    deadline = forms.ChoiceField(
        label="Échéance",
        required=False,
        choices=[
            ("", "Toutes"),
            ("late", "En retard"),
            ("close", "Échéance dans 5 jours ou moins"),
        ],
    )
    taille = forms.TypedChoiceField(
        label="Factures par page",
        required=False,
        coerce=int,
        empty_value=PAGE_SIZES[0],
        choices=[(size, str(size)) for size in PAGE_SIZES],
    )

    def __init__(self, *args, statuses, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Tous"), *[(s.value, s.label) for s in statuses]]
        self.fields["service"].choices = [
            ("", "Tous"),
            *[(str(service.pk), f"{service.code} — {service.label}") for service in services],
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error(
                "received_to",
                "Mise à disposition au : doit être postérieure ou égale à la date de début.",
            )
        return data


def _motif_field(label: str, *, required: bool = True, widget=None) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,  # the service says "obligatoire" with its own message
        strip=True,
        widget=widget or forms.Textarea(attrs={"rows": 2, "maxlength": MOTIF_MAX_LENGTH}),
        help_text=f"{MOTIF_MAX_LENGTH} caractères au maximum"
        + (" (obligatoire)." if required else "."),
    )


class ProcessForm(forms.Form):
    """Base: the hidden status the page was loaded with, to detect a stale form."""

    expected_status = forms.CharField(widget=forms.HiddenInput)


class SuspendForm(ProcessForm):
    reason = _motif_field("Motif de suspension")


class RejectForm(ProcessForm):
    reason = forms.ChoiceField(
        label="Motif de rejet",
        required=False,
        choices=[
            ("", "— choisissez un motif —"),
            *[
                (group, [(reason.value, reason.label) for reason in reasons])
                for group, reasons in REJECTION_REASON_GROUPS
            ],
        ],
        error_messages={"invalid_choice": "Motif de rejet : choisissez un motif de la liste."},
    )
    comment = _motif_field("Commentaire de rejet", required=False)


class RecycleForm(ProcessForm):
    comment = _motif_field("Motif de mise à recycler (erreur d'acheminement)")


class ServiceDoneForm(ProcessForm):
    on = _date_field("Date du service fait", required=False)


class MandateForm(ProcessForm):
    mandate_number = forms.CharField(
        label="Numéro de mandat",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 50}),
        help_text="50 caractères au maximum (obligatoire).",
    )


class PaidForm(ProcessForm):
    payment_date = _date_field("Date de mise en paiement", required=False)
    payment_amount = forms.CharField(
        label="Montant mis en paiement (€)",
        required=False,
        help_text="Par défaut le total TTC ; au centime près (ex. 240,00).",
    )


# Recipient transitions offered on the page: method → (target status, form, button label).
ACTIONS = {
    "suspend": (S.SUSPENDUE, SuspendForm, "Suspendre la facture"),
    "reject": (S.REJETEE, RejectForm, "Rejeter la facture"),
    "send_to_recycle": (S.A_RECYCLER, RecycleForm, "Mettre à recycler"),
    "mark_service_done": (S.SERVICE_FAIT, ServiceDoneForm, "Déclarer le service fait"),
    "mandate": (S.MANDATEE, MandateForm, "Mandater"),
    "make_available_to_accounting": (
        S.MISE_A_DISPOSITION_COMPTABLE,
        ProcessForm,
        "Mettre à disposition du comptable",
    ),
    "mark_accounted": (S.COMPTABILISEE, ProcessForm, "Comptabiliser"),
    "mark_paid": (S.MISE_EN_PAIEMENT, PaidForm, "Mettre en paiement"),
}


def mark_errors(form: forms.Form) -> forms.Form:
    """Accessibility: aria-invalid and aria-describedby (help, error) on every field."""
    for name, field in form.fields.items():
        bound = form[name]
        described = []
        if field.help_text:
            described.append(f"{bound.auto_id}_aide")
        if form.is_bound and form.errors.get(name):
            field.widget.attrs["aria-invalid"] = "true"
            described.append(f"{bound.auto_id}_erreur")
        if described:
            field.widget.attrs["aria-describedby"] = " ".join(described)
    return form
