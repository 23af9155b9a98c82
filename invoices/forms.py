"""Forms of the supplier's invoice pages. They only shape input: the rules live in the services.

Draft fields are all optional (a draft may be saved incomplete); amounts are kept as typed text so
the service can name the line and the field of a bad number.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator

from chorus.exceptions import ChorusError
from invoices.choices import (
    VAT_RATE_CHOICES,
    Cadre,
    InvoiceStatus,
    InvoiceType,
    PaymentMode,
    VatExemptionReason,
)
from invoices.uploads import MAX_FILE_SIZE
from invoices.validators import MAX_INVOICE_LINES, date_check, text_check
from structures.validators import validate_siret

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class IssuedFilterForm(forms.Form):
    statut = forms.ChoiceField(
        label="Statut", choices=[("", "— tous —"), *InvoiceStatus.choices], required=False
    )
    synthese = forms.BooleanField(
        label="Synthèse : factures à recycler, suspendues ou rejetées non traitées",
        required=False,
    )
    destinataire = forms.CharField(
        label="Destinataire (SIRET ou raison sociale)", max_length=255, required=False
    )
    numero = forms.CharField(label="Numéro de facture", max_length=20, required=False)
    du = forms.DateField(label="Date de facture, du", required=False, widget=DATE_WIDGET)
    au = forms.DateField(label="au", required=False, widget=DATE_WIDGET)
    montant_min = forms.DecimalField(
        label="Montant TTC minimal (€)", required=False, decimal_places=2, max_digits=15
    )
    montant_max = forms.DecimalField(
        label="Montant TTC maximal (€)", required=False, decimal_places=2, max_digits=15
    )
    par_page = forms.TypedChoiceField(
        label="Factures par page",
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
        required=False,
        empty_value=DEFAULT_PAGE_SIZE,
    )

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", "Date de facture : la date de fin précède la date de début.")
        low, high = data.get("montant_min"), data.get("montant_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "montant_max", "Montant TTC : le maximum est inférieur au minimum saisi."
            )
        return data


class CheckedInputMixin:
    """Refuse, on the field, control characters in typed text (tab and line breaks only in a
    multi-line field) and implausible dates: the checks of `invoices.validators`, which the
    services apply again for the API and the flux files."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # NUL too gets the message that names the field
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]

    def clean(self):
        data = super().clean()
        for name, field in self.fields.items():
            value = data.get(name)
            try:
                if isinstance(field, forms.CharField) and isinstance(value, str):
                    multiline = isinstance(field.widget, forms.Textarea)
                    text_check(value=value, field_label=field.label, multiline=multiline)
                elif isinstance(field, forms.DateField):
                    date_check(value=value, field_label=field.label)
            except ChorusError as exc:
                self.add_error(name, exc.message)
        return data


class InvoiceHeaderForm(CheckedInputMixin, forms.Form):
    supplier = forms.TypedChoiceField(label="Structure fournisseur", coerce=int)
    recipient_siret = forms.CharField(
        label="SIRET du destinataire",
        max_length=30,
        required=False,
        help_text="Les 14 chiffres du SIRET de la structure publique destinataire.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    service_code = forms.CharField(label="Code service", max_length=100, required=False)
    ej_number = forms.CharField(
        label="N° d'engagement juridique (bon de commande)", max_length=50, required=False
    )
    # One-time token of a new invoice's form: sent twice, it makes one invoice (issue 14 #17).
    form_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    number = forms.CharField(
        label="Numéro de facture",
        max_length=20,
        required=False,
        help_text="1 à 20 caractères : lettres, chiffres et / _ . -",
    )
    type = forms.ChoiceField(
        label="Type de facture", choices=InvoiceType.choices, initial=InvoiceType.FACTURE
    )
    cadre = forms.ChoiceField(
        label="Cadre de facturation", choices=Cadre.choices, initial=Cadre.A1_FACTURE_FOURNISSEUR
    )
    issue_date = forms.DateField(label="Date de facture", required=False, widget=DATE_WIDGET)
    due_date = forms.DateField(label="Date d'échéance", required=False, widget=DATE_WIDGET)
    currency = forms.ChoiceField(label="Devise", choices=[("EUR", "Euro (EUR)")], initial="EUR")
    payment_mode = forms.ChoiceField(
        label="Mode de paiement",
        choices=[("", "— non précisé —"), *PaymentMode.choices],
        required=False,
    )
    comment = forms.CharField(
        label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [(s.pk, f"{s.name} ({s.identifier})") for s in suppliers]
        if len(self.fields["supplier"].choices) == 1:
            self.fields["supplier"].initial = self.fields["supplier"].choices[0][0]

    def clean_recipient_siret(self) -> str:
        value = self.cleaned_data["recipient_siret"].strip()
        if not value:
            return ""
        try:
            return validate_siret(value)
        except ValidationError as exc:
            raise ValidationError(f"SIRET du destinataire : {exc.messages[0]}") from None

    def header_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("supplier", None)
        data.pop("form_token", None)
        return data


class LineForm(CheckedInputMixin, forms.Form):
    designation = forms.CharField(label="Désignation", max_length=255, required=False)
    quantity = forms.CharField(
        label="Quantité", max_length=30, required=False, widget=forms.TextInput({"size": 6})
    )
    unit = forms.CharField(
        label="Unité",
        max_length=20,
        required=False,
        initial="U",
        widget=forms.TextInput({"size": 4}),
    )
    unit_price = forms.CharField(
        label="Prix unitaire HT (€)",
        max_length=30,
        required=False,
        widget=forms.TextInput({"size": 8}),
    )
    vat_rate = forms.ChoiceField(
        label="Taux de TVA",
        choices=[(str(rate), label) for rate, label in VAT_RATE_CHOICES],
        initial="20.00",
    )
    exemption_reason = forms.ChoiceField(
        label="Motif d'exonération (TVA à 0 %)",
        choices=[("", "— sans objet —"), *VatExemptionReason.choices],
        required=False,
    )

    TYPED = ("designation", "quantity", "unit_price")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(str(data.get(name) or "").strip() for name in self.TYPED)


LineFormSet = forms.formset_factory(
    LineForm, extra=0, min_num=1, max_num=MAX_INVOICE_LINES, absolute_max=MAX_INVOICE_LINES
)
LINES_PREFIX = "lignes"


class RecycleForm(CheckedInputMixin, forms.Form):
    recipient_siret = forms.CharField(label="SIRET du destinataire", max_length=30)
    service_code = forms.CharField(label="Code service", max_length=100, required=False)
    ej_number = forms.CharField(label="N° d'engagement juridique", max_length=50, required=False)
    comment = forms.CharField(label="Commentaire (facultatif)", max_length=255, required=False)

    def clean_recipient_siret(self) -> str:
        try:
            return validate_siret(self.cleaned_data["recipient_siret"])
        except ValidationError as exc:
            raise ValidationError(f"SIRET du destinataire : {exc.messages[0]}") from None


COMPLETE_REQUIRED = (
    "Commentaire : obligatoire pour compléter la facture. À défaut de commentaire, joignez au "
    "moins une pièce jointe."
)
ATTACHMENTS_HELP = (
    "Facultatif. 10 Mo au plus par fichier, 120 Mo pour la facture et ses pièces jointes ; nom "
    "de 50 caractères au plus avec une extension autorisée (pdf, png, jpg, zip, xlsx, docx, odt…)."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        # The browser refuses an oversized file before sending it (static/js/chorus.js).
        super().__init__({"data-max-bytes": MAX_FILE_SIZE, **(attrs or {})})


class MultipleFileField(forms.FileField):
    """Several files under one name; the checks are `invoices.uploads` (called by services)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [f for f in data if f]
        return [data] if data else []


class CompleteForm(CheckedInputMixin, forms.Form):
    comment = forms.CharField(
        label="Commentaire de complément",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pieces_jointes = MultipleFileField(label="Pièces jointes", help_text=ATTACHMENTS_HELP)

    def clean(self):
        data = super().clean()
        if not (data.get("comment") or "").strip() and not data.get("pieces_jointes"):
            self.add_error("comment", COMPLETE_REQUIRED)
        return data


class AttachmentsForm(forms.Form):
    pieces_jointes = MultipleFileField(
        label="Pièces jointes",
        help_text=ATTACHMENTS_HELP,
        required=True,
        error_messages={"required": "Pièces jointes : choisissez au moins un fichier."},
    )


class PdfDepositForm(forms.Form):
    supplier = forms.TypedChoiceField(label="Structure fournisseur", coerce=int)
    pdf = forms.FileField(
        label="Facture au format PDF (signée ou non)",
        help_text="Un PDF non chiffré de 10 Mo au plus, nom de 50 caractères au plus.",
        error_messages={"required": "Facture PDF : choisissez le fichier de la facture."},
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,.pdf", "data-max-bytes": MAX_FILE_SIZE}
        ),
    )
    pieces_jointes = MultipleFileField(
        label="Pièces jointes (facultatives)", help_text=ATTACHMENTS_HELP
    )

    def __init__(self, *args, suppliers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].choices = [(s.pk, f"{s.name} ({s.identifier})") for s in suppliers]
        if len(self.fields["supplier"].choices) == 1:
            self.fields["supplier"].initial = self.fields["supplier"].choices[0][0]


class PdfConfirmForm(InvoiceHeaderForm):
    """The header of a PDF deposit plus its totals: one summary line is generated from them."""

    total_net = forms.CharField(label="Total HT (€)", max_length=30, required=False)
    total_vat = forms.CharField(label="Total TVA (€)", max_length=30, required=False)
    total_gross = forms.CharField(label="Total TTC (€)", max_length=30, required=False)
    exemption_reason = forms.ChoiceField(
        label="Motif d'exonération (si TVA à 0 %)",
        choices=[("", "— sans objet —"), *VatExemptionReason.choices],
        required=False,
    )
    TOTALS = ("total_net", "total_vat", "total_gross", "exemption_reason")

    def header_fields(self) -> dict:
        data = super().header_fields()
        for name in self.TOTALS:
            data.pop(name, None)
        return data

    def totals_typed(self) -> bool:
        return any((self.cleaned_data.get(n) or "").strip() for n in self.TOTALS[:3])


class CreditNoteForm(forms.Form):
    number = forms.CharField(
        label="Numéro de l'avoir (facultatif, modifiable ensuite)", max_length=20, required=False
    )
