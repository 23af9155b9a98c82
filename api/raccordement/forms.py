"""Forms of the "Raccordement EDI et API" page: they shape input, api.raccordement rules."""

from django import forms

from api.raccordement.services import LOGIN_MAX_LENGTH, NAME_MAX_LENGTH


class ApplicationForm(forms.Form):
    name = forms.CharField(
        label="Nom de l'application",
        max_length=NAME_MAX_LENGTH,
        help_text="Par exemple le nom de votre logiciel de facturation.",
    )


class TechnicalAccountForm(forms.Form):
    login = forms.CharField(
        label="Identifiant du compte technique",
        max_length=LOGIN_MAX_LENGTH,
        help_text="Sans espace ni « : ». Un identifiant existant de la structure est réinitialisé "
        "(nouveau mot de passe).",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
