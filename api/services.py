"""Technical accounts and API applications (the sandbox ones have fixed credentials)."""

from django.contrib.auth.hashers import check_password
from django.db import transaction
from oauth2_provider.models import get_application_model

from accounts.choices import LegalDocument
from accounts.models import User
from accounts.services import terms_accept
from api.models import TechnicalAccount
from chorus.exceptions import ChorusError
from structures.choices import MembershipRole, MembershipStatus
from structures.models import Membership, Structure

Application = get_application_model()


def technical_account_create(
    *, structure: Structure, login: str, password: str
) -> TechnicalAccount:
    """Create (or reset) a technical account and its service user attached to the structure."""
    login = login.strip()
    if not login or ":" in login:
        raise ChorusError("Identifiant : obligatoire, sans le caractère « : ».", field="login")
    if len(password) < 6:
        raise ChorusError("Mot de passe : 6 caractères au minimum.", field="password")
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            email=f"{login.lower()}@comptes-techniques.chorus.invalid",
            defaults={"first_name": "Compte technique", "last_name": login, "mfa_exempt": True},
        )
        if created:
            user.set_unusable_password()  # never logs into the portal
            user.save(update_fields=["password"])
        if not Membership.objects.filter(user=user, structure=structure).exists():
            Membership.objects.create(
                user=user,
                structure=structure,
                role=MembershipRole.UTILISATEUR,
                status=MembershipStatus.VALIDEE,
            )
        # Declaring an API connection commits the structure to the CGU and the billing mandate,
        # which the service user records so that API deposits pass the same check as the portal.
        for document in LegalDocument.values:
            terms_accept(user=user, document=document, ip_address=None)
        # One account per login whatever its letter case (its service user's e-mail is lower case).
        account = TechnicalAccount.objects.filter(login__iexact=login).first()
        if (
            account is not None
            and account.structure_id == structure.pk
            and account.is_active
            and account.check_password(password)
            and not account.password_expired()
        ):
            return account  # already as asked: change nothing
        account = account or TechnicalAccount(login=login, user=user)
        account.structure = structure
        account.is_active = True
        account.set_password(password)
        account.save()
    return account


def api_application_ensure(*, client_id: str, client_secret: str, name: str) -> Application:
    """A confidential client-credentials application with a fixed id and secret (sandbox)."""
    application = Application.objects.filter(client_id=client_id).first()
    if (
        application is not None
        and application.name == name
        and check_password(client_secret, application.client_secret)
    ):
        return application  # already as asked: change nothing
    if application is None:
        application = Application(client_id=client_id)
    application.name = name
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_CLIENT_CREDENTIALS
    application.client_secret = client_secret  # hashed on save by django-oauth-toolkit
    application.save()
    return application
