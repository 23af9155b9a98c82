"""Services of the "Raccordement EDI et API" portal page: a structure's principal manager creates
API applications (client-credentials, owned by the manager like a PISTE account) and creates,
resets or deactivates the structure's technical accounts. Secrets are returned once, never stored
in clear (django-oauth-toolkit and `TechnicalAccount` hash them)."""

import secrets

from django.db import transaction
from oauth2_provider.generators import generate_client_id
from oauth2_provider.models import get_application_model

from accounts.models import User
from api.models import TechnicalAccount
from api.services import technical_account_create
from chorus.exceptions import ChorusError
from structures.models import Structure
from structures.services.common import require_principal

Application = get_application_model()
NAME_MAX_LENGTH = 100
LOGIN_MAX_LENGTH = 150


def _require_principal(*, structure: Structure, by: User) -> None:
    require_principal(
        structure=structure, by=by, action="gérer ses raccordements API", code="interdit"
    )


def api_application_create(*, structure: Structure, by: User, name: str) -> tuple[object, str]:
    """A confidential client-credentials application owned by `by`; returns it and its secret."""
    _require_principal(structure=structure, by=by)
    name = name.strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ChorusError(
            f"Nom de l'application : obligatoire, {NAME_MAX_LENGTH} caractères au maximum.",
            field="name",
        )
    secret = secrets.token_urlsafe(32)
    application = Application(
        client_id=generate_client_id(),
        name=name,
        user=by,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,  # hashed on save
    )
    application.save()
    return application, secret


def api_application_delete(*, application_id: int, by: User) -> None:
    """Revoke one of the manager's applications (its tokens go with it)."""
    application = Application.objects.filter(pk=application_id, user=by).first()
    if application is None:
        raise ChorusError("Application : introuvable.", field="application", code="introuvable")
    application.delete()


def technical_account_issue(
    *, structure: Structure, by: User, login: str
) -> tuple[TechnicalAccount, str]:
    """Create a technical account, or reset the password of one of the structure's accounts
    (reactivating it); returns it and the new password. A login of another structure is refused."""
    _require_principal(structure=structure, by=by)
    login = login.strip()
    if not login or len(login) > LOGIN_MAX_LENGTH or ":" in login or " " in login:
        raise ChorusError(
            f"Identifiant : obligatoire, {LOGIN_MAX_LENGTH} caractères au maximum, sans espace "
            "ni « : ».",
            field="login",
        )
    with transaction.atomic():
        # Logins are one per letter case: « TECH » is « tech » (their service user's e-mail is).
        existing = TechnicalAccount.objects.select_for_update().filter(login__iexact=login).first()
        if existing is not None and existing.structure_id != structure.pk:
            raise ChorusError(
                f"Identifiant : « {login} » est déjà utilisé ; choisissez-en un autre.",
                field="login",
            )
        if existing is not None:
            login = existing.login  # a reset of that account, whatever the case typed
        password = secrets.token_urlsafe(12)
        account = technical_account_create(structure=structure, login=login, password=password)
    return account, password


def technical_account_deactivate(*, structure: Structure, by: User, account_id: int) -> None:
    _require_principal(structure=structure, by=by)
    updated = TechnicalAccount.objects.filter(pk=account_id, structure=structure).update(
        is_active=False
    )
    if not updated:
        raise ChorusError("Compte technique : introuvable.", field="account", code="introuvable")
