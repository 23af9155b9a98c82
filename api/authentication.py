"""PISTE-style authentication: an OAuth2 bearer token AND a `cpro-account` technical account.

Missing or invalid token or account: 401 with an empty body; an expired technical-account password
or an inactive account: 403 with an empty body — as the real gateway answers.
"""

import base64
import binascii
import functools
import hashlib
import hmac
import json
import time
import urllib.parse

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest, JsonResponse
from oauth2_provider.models import get_access_token_model
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.oauth2_validators import OAuth2Validator
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from api.models import TechnicalAccount
from api.throttling import credential_failure_record, credential_failures_wait, credential_keys

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


@functools.cache
def _dummy_hash() -> str:
    return make_password("chorus-timing-equaliser")


def hash_dummy(password: str) -> None:
    """Run the password hasher for nothing: a failure for an unknown login or client id then
    costs what a wrong password costs, so the answer time does not tell which exist (as Django's
    ModelBackend does)."""
    check_password(password, _dummy_hash())


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

    def authenticate_client(self, request, *args, **kwargs):
        authenticated = super().authenticate_client(request, *args, **kwargs)
        if not authenticated and getattr(request, "client", None) is None:
            hash_dummy(str(getattr(request, "client_secret", "") or ""))
        return authenticated

    def _load_access_token(self, token):
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (
            get_access_token_model()
            .objects.select_related("application")
            .filter(token_checksum=checksum)
            .first()
        )


TOO_MANY_FAILURES = (
    "Trop d'échecs d'authentification (compte technique ou adresse) : réessayez plus tard."
)


class CredentialsThrottled(exceptions.Throttled):
    libelle = TOO_MANY_FAILURES


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
        keys = credential_keys(request, login=login)
        wait = credential_failures_wait(keys)
        if wait is not None:
            raise CredentialsThrottled(wait=wait)
        account = (
            TechnicalAccount.objects.select_related("user", "structure").filter(login=login).first()
        )
        if account is None:
            hash_dummy(password)
        if account is None or not _password_ok(account, password):
            credential_failure_record(keys)
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


def _token_client_id(request: HttpRequest) -> str:
    """The client id a token request names: HTTP Basic (RFC 6749 §2.3.1) or the form body."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            decoded = ""
        client_id = urllib.parse.unquote_plus(decoded.partition(":")[0])
        if client_id:
            return client_id[:200]
    return str(request.POST.get("client_id", ""))[:200]


def _is_client_failure(response) -> bool:
    if response.status_code not in (400, 401):
        return False
    try:
        return json.loads(response.content).get("error") == "invalid_client"
    except (ValueError, AttributeError, RecursionError):
        return False


def token_view_throttled(view):
    """Wrap the OAuth token view: refuse with 429 + Retry-After while the client id or the source
    address is over its failure limit (before any secret is hashed), count each `invalid_client`
    answer. The answer's own format stays the token view's."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        keys = credential_keys(request, client_id=_token_client_id(request))
        wait = credential_failures_wait(keys)
        if wait is not None:
            seconds = max(1, int(wait + 0.999))
            response = JsonResponse(
                {
                    "error": "too_many_requests",
                    "error_description": (
                        "Trop d'échecs d'authentification pour ce client ou cette adresse : "
                        f"réessayez dans {seconds} s."
                    ),
                },
                status=429,
            )
            response["Retry-After"] = str(seconds)
            response["Cache-Control"] = "no-store"
            return response
        response = view(request, *args, **kwargs)
        if _is_client_failure(response):
            credential_failure_record(keys)
        return response

    return wrapper
