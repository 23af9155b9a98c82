"""Write operations on accounts: profile edits and acceptance of the legal documents."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.choices import LegalDocument
from accounts.models import TermsAcceptance, User
from accounts.selectors import terms_current_version
from accounts.validators import phone_problem
from chorus.exceptions import ChorusError


def user_update_profile(
    *,
    user: User,
    first_name: str,
    last_name: str,
    phone: str = "",
    contact_email: str = "",
) -> User:
    """Change the person's name, phone and notification address. The login e-mail never changes."""
    first_name, last_name = first_name.strip(), last_name.strip()
    phone, contact_email = phone.strip(), contact_email.strip().lower()
    if not first_name:
        raise ChorusError("Prénom : ce champ est obligatoire.", field="first_name")
    if not last_name:
        raise ChorusError("Nom : ce champ est obligatoire.", field="last_name")
    if problem := phone_problem(phone):
        raise ChorusError(problem, field="phone")
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            raise ChorusError(
                "E-mail de contact : saisissez une adresse e-mail valide.", field="contact_email"
            ) from None
    if contact_email == user.email:
        contact_email = ""  # same as the login e-mail: keep following it
    user.first_name = first_name
    user.last_name = last_name
    user.phone = phone
    user.contact_email = contact_email
    user.save(update_fields=["first_name", "last_name", "phone", "contact_email"])
    return user


def terms_accept(*, user: User, document: str, ip_address: str | None) -> TermsAcceptance:
    """Record that `user` accepts the current version of `document`. Idempotent per version."""
    if document not in LegalDocument.values:
        raise ChorusError(f"Document : « {document} » n'est pas un document à accepter.")
    version = terms_current_version(document=document)
    with transaction.atomic():
        acceptance, _created = TermsAcceptance.objects.get_or_create(
            user=user,
            document=document,
            version=version,
            defaults={"ip_address": ip_address or None},
        )
    return acceptance


def user_mark_email_verified(*, user: User) -> EmailAddress:
    """Give `user` a verified primary login address (accounts created by an administrator)."""
    address, _created = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return address
