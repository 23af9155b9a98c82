"""Map errors to what PISTE clients expect: empty 401/403 bodies from the gateway, the Chorus
envelope with a code for business errors, 429 with Retry-After."""

from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from api.envelope import error
from api.parsers import TOO_DEEP
from chorus.exceptions import ChorusError

# Our services' symbolic codes mapped to Chorus Pro numeric codes (chorus-pro.md §3).
CHORUS_CODES = {
    "introuvable": 20001,
    "interdit": 20001,
    "concurrent": 20002,
    "doublon": 20013,
}
GENERIC_BUSINESS_CODE = 20001


def business_code(exc: ChorusError) -> int:
    if exc.code and str(exc.code).isdigit():
        return int(exc.code)
    return CHORUS_CODES.get(exc.code, GENERIC_BUSINESS_CODE)


# An empty body, as the gateway answers, but always with a Content-Type: OCA calls
# `headers.get("Content-Type").startswith(...)` on any non-200 (chorus-pro.md §8.5). DRF drops the
# header of an empty `Response`, hence a plain HttpResponse.
GATEWAY_REFUSAL_CONTENT_TYPE = "text/plain; charset=utf-8"


def gateway_refusal(http_status: int) -> HttpResponse:
    return HttpResponse(b"", status=http_status, content_type=GATEWAY_REFUSAL_CONTENT_TYPE)


def exception_handler(exc, context):
    if isinstance(exc, ChorusError):
        return error(business_code(exc), exc.message)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response = gateway_refusal(status.HTTP_401_UNAUTHORIZED)
        response["WWW-Authenticate"] = 'Bearer realm="chorus"'
        return response
    if isinstance(exc, exceptions.PermissionDenied):
        return gateway_refusal(status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.ParseError):
        if str(exc.detail) == TOO_DEEP:
            return error(400, TOO_DEEP)
        return error(400, "Requête mal formée : le corps doit être un objet JSON valide.")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return error(
            415,
            "Format de requête non supporté : envoyez du JSON (Content-Type: application/json).",
            http_status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    if isinstance(exc, exceptions.Throttled):
        response = error(
            429,
            getattr(exc, "libelle", None)
            or "Trop de requêtes pour cette application : réessayez plus tard.",
            http_status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
        if exc.wait is not None:
            response["Retry-After"] = str(max(1, int(exc.wait)))
        return response
    return drf_exception_handler(exc, context)
