from django import forms

from accounts.validators import phone_problem


def _clean_phone(value: str) -> str:
    value = value.strip()
    if problem := phone_problem(value):
        raise forms.ValidationError(problem)
    return value


class PersonForm(forms.Form):
    """The person's name and phone, shared by sign-up and « Mon compte »."""

    first_name = forms.CharField(
        label="Prénom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        label="Téléphone",
        max_length=30,
        required=False,
        help_text="Facultatif. Exemple : 01 23 45 67 89.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))


class SignupExtraForm(PersonForm):
    """Extra fields on allauth's sign-up form: the person's name and phone."""

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.phone = self.cleaned_data.get("phone", "")
        user.save(update_fields=["first_name", "last_name", "phone"])


class ProfileForm(PersonForm):
    """What a user may change on « Mon compte » (the login e-mail is fixed)."""

    contact_email = forms.EmailField(
        label="E-mail de contact",
        required=False,
        help_text=(
            "Adresse où sont envoyées les notifications. "
            "Laissez vide pour utiliser votre e-mail de connexion."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "invalid": (
                "E-mail de contact : saisissez une adresse e-mail valide "
                "(exemple : compta@entreprise.fr)."
            )
        },
    )


class TermsAcceptForm(forms.Form):
    """Accept (or sign) one legal document: a mandatory checkbox, prefixed by the document code."""

    agree = forms.BooleanField(
        required=True,
        error_messages={
            "required": "Case à cocher : vous devez cocher la case pour accepter ce document."
        },
    )

    def __init__(self, *args, document: str, agree_label: str, **kwargs) -> None:
        kwargs.setdefault("prefix", document.lower().replace("_", "-"))
        super().__init__(*args, **kwargs)
        self.document = document
        self.fields["agree"].label = agree_label
