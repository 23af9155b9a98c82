"""PISTE-style authentication: an OAuth2 bearer token AND a `cpro-account` technical account.

Missing or invalid token or account: 401 with an empty body; an expired technical-account password
or an inactive account: 403 with an empty body — as the real gateway answers.
"""

import base64
import binascii
import hashlib
import hmac
import time

from django.conf import settings
from django.http import HttpRequest
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from api.models import TechnicalAccount

# Passwords already verified by this process: HMAC digest → monotonic expiry. It only saves the
# cache round trip of `TechnicalAccount.check_password` (same key material, same lifetime: a new
# password or a reset changes the digest at once); is_active and expiry are still checked per call.
_VERIFIED: dict[str, float] = {}
_VERIFIED_MAX = 1024


def _password_ok(account: TechnicalAccount, password: str) -> bool:
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"{account.pk}:{account.password_hash}:{password}".encode(),
        hashlib.sha256,
    ).hexdigest()
    now = time.monotonic()
    if _VERIFIED.get(digest, 0.0) > now:
        return True
    if not account.check_password(password):
        return False
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[digest] = now + settings.CHORUS_TECHNICAL_PASSWORD_CACHE_SECONDS
    return True


def _decode_cpro_account(header: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(header.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    login, sep, password = decoded.partition(":")
    return (login, password) if sep and login else None


class PisteOAuth2Validator(OAuth2Validator):
    """django-oauth-toolkit's validator, loading a bearer token with its application only.

    The stock lookup also joins the user table, which a PISTE token (client credentials) never
    has: the same row, a query that compiles in ≈ 1 ms instead of ≈ 1.45 ms (issue 9, P1). A token
    that does carry a user still gets it (lazily) through `access_token.user`.
    """

    def _load_access_token(self, token):
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application")
            .filter(token_checksum=checksum)
            .first()
        )


class PisteAuthentication(BaseAuthentication):
    # The sandbox controls take an expired password: an isolated sandbox whose own clock expired
    # its accounts can still put that clock back (nobody else could repair it).
    allow_expired_password = False

    def authenticate(self, request: HttpRequest):
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        if not valid:
            raise exceptions.NotAuthenticated()
        credentials = _decode_cpro_account(request.headers.get("cpro-account", ""))
        if credentials is None:
            raise exceptions.NotAuthenticated()
        login, password = credentials
        account = (
            TechnicalAccount.objects.select_related("user", "structure").filter(login=login).first()
        )
        if account is None or not _password_ok(account, password):
            raise exceptions.AuthenticationFailed()
        if not account.is_active or (
            not self.allow_expired_password and account.password_expired()
        ):
            raise exceptions.PermissionDenied()
        request.piste_application = oauth_request.access_token.application
        request.technical_account = account
        return account.user, account

    def authenticate_header(self, request: HttpRequest) -> str:
        return 'Bearer realm="chorus"'
