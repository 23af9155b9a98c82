"""Forms of the support app. Business rules live in services; forms only shape the input."""

import secrets

from django import forms
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from redis.exceptions import RedisError

from support.choices import SUBCATEGORY_CHOICES, Addressee, Category


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class _CategoryMixin(forms.Form):
    category = forms.ChoiceField(label="Catégorie", choices=Category.choices)
    subcategory = forms.ChoiceField(label="Sous-catégorie", choices=SUBCATEGORY_CHOICES)
    subject = forms.CharField(label="Objet", max_length=150)
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )


def _invoice_label(invoice, addressee: str = "") -> str:
    """« F-1 — Dupont → Mairie », or what stands for a recipient never reached (issue 18), then
    where a request about it goes (`addressee`, from support.selectors.sollicitation_route)."""
    if invoice.recipient is not None:
        to = invoice.recipient.name
    elif invoice.recipient_siret:
        to = f"SIRET {invoice.recipient_siret} (non acheminée : {invoice.get_status_display()})"
    else:
        to = f"sans destinataire ({invoice.get_status_display()})"
    label = f"{invoice.number} — {invoice.supplier.name} → {to}"
    if addressee == Addressee.DESTINATAIRE:
        return f"{label} · adressée à {invoice.recipient.name}"
    if addressee == Addressee.SUPPORT:
        return f"{label} · adressée au support"
    return label


class SollicitationForm(_CategoryMixin):
    invoice = forms.TypedChoiceField(
        label="Facture concernée (facultatif)", required=False, coerce=int, empty_value=None
    )
    structure = forms.TypedChoiceField(
        label="Structure concernée (facultatif)", required=False, coerce=int, empty_value=None
    )
    attachments = MultipleFileField(
        label="Pièces jointes (facultatif)",
        required=False,
        help_text="10 Mo au plus par fichier, nom de 50 caractères au plus (PDF, XML, JPG, PNG…).",
    )

    def __init__(self, *args, invoices=(), structures=(), addressees=None, **kwargs):
        super().__init__(*args, **kwargs)
        addressees = addressees or {}
        self.fields["invoice"].choices = [("", "— aucune —")] + [
            (i.pk, _invoice_label(i, addressees.get(i.pk, ""))) for i in invoices
        ]
        self.fields["structure"].choices = [("", "— aucune —")] + [
            (s.pk, f"{s.name} ({s.identifier})") for s in structures
        ]


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Votre message", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    attachments = MultipleFileField(
        label="Pièces jointes (facultatif)",
        required=False,
        help_text="10 Mo au plus par fichier, nom de 50 caractères au plus.",
    )


CAPTCHA_SALT = "support.contact.captcha"
CAPTCHA_MAX_AGE = 3600


def _captcha_digest(nonce: str, answer: int) -> str:
    return salted_hmac(CAPTCHA_SALT, f"{nonce}:{answer}").hexdigest()


def new_captcha() -> tuple[str, str]:
    """(question, signed token). The token holds a one-time nonce and an HMAC (server secret) of
    nonce + answer: it cannot be read back into the answer, only checked against one."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(16)
    token = signing.dumps({"n": nonce, "h": _captcha_digest(nonce, a + b)}, salt=CAPTCHA_SALT)
    return f"Combien font {a} + {b} ?", token


def captcha_verify(token: str, answer: int) -> bool:
    """True once per token, for the right answer within the hour; a replayed token is refused."""
    try:
        state = signing.loads(token, salt=CAPTCHA_SALT, max_age=CAPTCHA_MAX_AGE)
        nonce, digest = str(state["n"]), str(state["h"])
    except (signing.BadSignature, KeyError, TypeError):
        return False
    if not constant_time_compare(digest, _captcha_digest(nonce, answer)):
        return False
    try:  # one use per question: cache.add is atomic, the second caller gets False
        return cache.add(f"support:captcha:used:{nonce}", 1, CAPTCHA_MAX_AGE)
    except RedisError:
        return True  # the cache down: the signed, timed token still has to be answered


class ContactForm(_CategoryMixin):
    name = forms.CharField(label="Nom et prénom", max_length=150)
    email = forms.EmailField(label="Adresse e-mail")
    captcha_answer = forms.IntegerField(label="Question de vérification")
    captcha_token = forms.CharField(widget=forms.HiddenInput)
    # Honeypot: hidden from people by CSS and aria-hidden; robots fill it in.
    website = forms.CharField(label="Ne pas remplir", required=False)

    field_order = ["name", "email", "category", "subcategory", "subject", "body", "captcha_answer"]

    def __init__(self, *args, captcha_question: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.captcha_question = ""
        if captcha_question:
            self.set_question(captcha_question)

    def set_question(self, question: str) -> None:
        """Show `question` (also on a re-render: the label of an already rendered or validated
        field is cached in its BoundField, so that cache is dropped)."""
        self.captcha_question = question
        self.fields["captcha_answer"].label = f"Question de vérification : {question}"
        self._bound_fields_cache.pop("captcha_answer", None)

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("Ce champ doit rester vide.")
        return ""

    def clean(self):
        cleaned = super().clean()
        token, answer = cleaned.get("captcha_token"), cleaned.get("captcha_answer")
        checked = token is not None and answer is not None and not self.has_error("website")
        if checked and not captcha_verify(token, answer):
            self.add_error(
                "captcha_answer",
                "Question de vérification : la réponse est incorrecte, recommencez.",
            )
        return cleaned


class AssistantForm(forms.Form):
    question = forms.CharField(
        label="Votre question",
        max_length=500,
        error_messages={
            "required": "Votre question : saisissez une question.",
            "max_length": "Votre question : 500 caractères au plus.",
        },
    )
