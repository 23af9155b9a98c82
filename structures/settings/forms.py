"""Forms of a public structure's settings pages: they shape input, the rules live in
structures.settings.services."""

from decimal import Decimal, InvalidOperation

from django import forms

from structures.choices import AccessLevel, PublicCategory
from structures.forms import AccessibleForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class BillingParametersForm(AccessibleForm):
    public_category = forms.ChoiceField(
        label="Catégorie d'entité publique",
        choices=[("", "— choisir —"), *PublicCategory.choices],
        required=False,
        help_text="Fixe le délai légal de paiement : 30 jours (État, collectivités), "
        "50 jours (établissements publics de santé), 60 jours (entreprises publiques).",
    )
    service_code_required = forms.BooleanField(label="Code service obligatoire", required=False)
    ej_required = forms.BooleanField(label="N° d'engagement juridique obligatoire", required=False)
    ej_or_service_required = forms.BooleanField(
        label="N° d'engagement juridique OU code service obligatoire",
        required=False,
        help_text="Ne se combine pas avec les deux cases précédentes.",
    )
    payment_status_not_reported = forms.BooleanField(
        label="Statut de mise en paiement non remonté", required=False
    )
    ej_format_regex = forms.CharField(
        label="Format des n° d'engagement (expression régulière)",
        max_length=200,
        required=False,
        help_text="Le numéro entier doit correspondre, par exemple 2024[0-9]{4}. "
        "Laisser vide pour accepter tout numéro.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    ej_format_label = forms.CharField(
        label="Format des n° d'engagement (en clair)",
        max_length=200,
        required=False,
        help_text="Affiché aux fournisseurs, par exemple « 8 chiffres commençant par 2024 ».",
    )
    ej_example = forms.CharField(
        label="Numéro d'exemple à tester",
        max_length=50,
        required=False,
        help_text="Facultatif : indique si ce numéro respecte le format saisi.",
    )


class ServiceForm(AccessibleForm):
    code = forms.CharField(label="Code service", max_length=100)
    label = forms.CharField(label="Libellé", max_length=255)
    is_active = forms.BooleanField(label="Actif", required=False, initial=True)
    ej_required = forms.BooleanField(
        label="N° d'engagement obligatoire pour ce service", required=False
    )
    valid_from = forms.DateField(
        label="Début de validité",
        required=False,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Début de validité : saisissez une date (JJ/MM/AAAA)."},
    )
    valid_until = forms.DateField(
        label="Fin de validité",
        required=False,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Fin de validité : saisissez une date (JJ/MM/AAAA)."},
    )


class FrenchDecimalField(forms.Field):
    """Accepts « 1 234,56 » as well as 1234.56; the sign and precision rules live in services."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": "30"})

    def to_python(self, value):
        value = str(value or "").strip()
        if len(value) > 30:
            raise forms.ValidationError("Montant : 30 caractères au maximum.", code="max_length")
        compact = "".join((value or "").split()).replace(",", ".")
        if not compact:
            return None
        try:
            amount = Decimal(compact)
        except InvalidOperation:
            raise forms.ValidationError(
                f"Montant : « {value} » n'est pas un montant (exemple : 1234,56).",
                code="invalid",
            ) from None
        if not amount.is_finite():
            raise forms.ValidationError("Montant : saisissez un nombre.", code="invalid")
        return amount


class EngagementForm(AccessibleForm):
    number = forms.CharField(label="N° d'engagement", max_length=50)
    supplier_siret = forms.CharField(label="SIRET du fournisseur", max_length=20, required=False)
    amount = FrenchDecimalField(label="Montant (€ HT)", required=False)
    valid_from = forms.DateField(
        label="Début de validité",
        required=False,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Début de validité : saisissez une date (JJ/MM/AAAA)."},
    )
    valid_until = forms.DateField(
        label="Fin de validité",
        required=False,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Fin de validité : saisissez une date (JJ/MM/AAAA)."},
    )


class EngagementImportForm(AccessibleForm):
    MAX_SIZE = 2 * 1024 * 1024

    file = forms.FileField(
        label="Fichier CSV des engagements",
        help_text="Colonnes : numero;siret_fournisseur;montant;debut_validite;fin_validite "
        "(séparateur « ; » ou « , », UTF-8, dates AAAA-MM-JJ ou JJ/MM/AAAA).",
        error_messages={"required": "Fichier CSV : choisissez un fichier à importer."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError(
                "Fichier CSV : 2 Mo au maximum ; découpez le fichier en plusieurs imports."
            )
        return upload


class MemberAccessForm(AccessibleForm):
    access_level = forms.ChoiceField(
        label="Habilitation", choices=AccessLevel.choices, widget=forms.RadioSelect
    )
    services = forms.TypedMultipleChoiceField(
        label="Services traités",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun service coché : l'agent traite les factures de tous les services.",
    )

    def __init__(self, *args, services=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [
            (s.pk, f"{s.code} — {s.label}{'' if s.is_active else ' (inactif)'}") for s in services
        ]
