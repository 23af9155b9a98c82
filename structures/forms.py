"""Forms only shape input; the rules live in structures.services."""

from django import forms

from structures.choices import CompanyCategory, IdentifierType


class AccessibleForm(forms.Form):
    """Django marks invalid fields with aria-invalid and points aria-describedby to
    `<id>_error` / `<id>_helptext`: the field template gives its error list and help those ids."""


class StructureCreateForm(AccessibleForm):
    identifier_type = forms.ChoiceField(
        label="Type d'identifiant", choices=IdentifierType.choices, initial=IdentifierType.SIRET
    )
    identifier = forms.CharField(
        label="Identifiant (SIRET, n° de TVA…)",
        max_length=80,
        help_text="Pour une entreprise française : les 14 chiffres du SIRET de l'établissement.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(
        label="Raison sociale",
        max_length=255,
        required=False,
        help_text="Reprise du répertoire des entreprises pour un SIRET.",
    )
    address = forms.CharField(label="Adresse", max_length=255, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=10, required=False)
    city = forms.CharField(label="Commune", max_length=120, required=False)
    vat_number = forms.CharField(
        label="N° de TVA intracommunautaire",
        max_length=20,
        required=False,
        help_text="Facultatif, par exemple FR40303265045.",
    )
    company_category = forms.ChoiceField(
        label="Catégorie d'entreprise",
        choices=[("", "— non renseignée —"), *CompanyCategory.choices],
        required=False,
    )


class LookupForm(AccessibleForm):
    identifier_type = forms.ChoiceField(
        label="Type d'identifiant", choices=IdentifierType.choices, initial=IdentifierType.SIRET
    )
    identifier = forms.CharField(
        label="Identifiant de la structure (SIRET…)",
        max_length=80,
        help_text="Le SIRET de l'établissement de votre entreprise.",
    )


class MembershipRequestForm(AccessibleForm):
    comment = forms.CharField(
        label="Message au gestionnaire principal (facultatif)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MemberAddForm(AccessibleForm):
    email = forms.EmailField(
        label="E-mail du compte à ajouter",
        help_text="La personne doit déjà avoir un compte actif.",
    )


class RefuseForm(AccessibleForm):
    comment = forms.CharField(
        label="Motif du refus (facultatif, envoyé au demandeur)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TransferForm(AccessibleForm):
    to_user = forms.TypedChoiceField(label="Nouveau gestionnaire principal", coerce=int)

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A technical API account (api.TechnicalAccount) is no person: it cannot manage.
        self.fields["to_user"].choices = [("", "— choisir un membre —")] + [
            (m.user_id, f"{m.user.get_full_name() or m.user.email} ({m.user.email})")
            for m in members
            if not hasattr(m.user, "technical_account")
        ]
