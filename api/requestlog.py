"""Request log: what the integrator's software really sent, and what it got back.

`RequestLogMiddleware` records every call to `/cpro/` and to the integrator control API
(`/integrateur/api/`) made with a valid OAuth token, per (application, structure of the technical
account), showing the last `CHORUS_REQUEST_LOG_SIZE` (default 200; older ones are pruned every few
calls). Secrets are masked (Authorization, cpro-account, passwords, client secrets) and base64
file contents replaced by « <fichier base64: N octets> »; bodies are cut at
`CHORUS_REQUEST_LOG_BODY_MAX` characters (4096).
"""

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from oauth2_provider.oauth2_backends import get_oauthlib_core

from api.authentication import _decode_cpro_account
from api.models import TechnicalAccount
from api.models_sandbox import RequestLogEntry
from api.parsers import json_depth_exceeds
from chorus.csv_export import csv_text
from structures.models import Structure

LOGGED_PREFIXES = ("/cpro/", "/integrateur/api/")
SECRET_KEYS = {
    "password",
    "motdepasse",
    "client_secret",
    "clientsecret",
    "secret",
    "access_token",
    "refresh_token",
    "token",
}
BASE64_RE = re.compile(r"^[A-Za-z0-9+/\r\n]+={0,2}$")
BASE64_MIN_CHARS = 200


def _log_size() -> int:
    return settings.CHORUS_REQUEST_LOG_SIZE


def _body_max() -> int:
    return settings.CHORUS_REQUEST_LOG_BODY_MAX


# Identity of a call ------------------------------------------------------------------------------
@dataclass
class Identity:
    client_id: str
    account: TechnicalAccount | None


def identify(request: HttpRequest) -> Identity | None:
    """The application of a valid bearer token, and the technical account named by `cpro-account`
    (its password is NOT checked here). Cached on the request."""
    if hasattr(request, "_sandbox_identity"):
        return request._sandbox_identity
    identity = None
    if request.headers.get("Authorization", "").startswith("Bearer "):
        valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
        if valid:
            credentials = _decode_cpro_account(request.headers.get("cpro-account", ""))
            account = None
            if credentials is not None:
                account = (
                    TechnicalAccount.objects.select_related("structure")
                    .filter(login=credentials[0])
                    .first()
                )
            identity = Identity(oauth_request.access_token.application.client_id, account)
    request._sandbox_identity = identity
    return identity


# Masking -----------------------------------------------------------------------------------------
def _base64_size(text: str) -> int:
    compact = re.sub(r"\s", "", text)
    return len(compact) * 3 // 4 - compact[-2:].count("=")


def mask_value(value: Any, key: str = "") -> Any:
    if key.lower().replace("-", "_") in SECRET_KEYS:
        return "***"
    if isinstance(value, dict):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, str) and len(value) >= BASE64_MIN_CHARS and BASE64_RE.match(value):
        return f"<fichier base64: {_base64_size(value)} octets>"
    return value


def _truncate(text: str) -> str:
    limit = _body_max()
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [tronqué, {len(text)} caractères]"


def mask_body(raw: bytes, content_type: str) -> str:
    if not raw:
        return ""
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            data = json.loads(text)
            too_deep = json_depth_exceeds(data)
        except ValueError:
            return _truncate(text)
        except RecursionError:
            too_deep = True
        if too_deep:
            # Refused by the API's parser anyway: neither walked nor kept.
            return f"<corps JSON trop imbriqué: {len(raw)} octets>"
        return _truncate(json.dumps(mask_value(data), ensure_ascii=False))
    if "multipart" in content_type:
        return f"<corps multipart: {len(raw)} octets>"
    if "x-www-form-urlencoded" in content_type:
        return _truncate(re.sub(r"((?:client_)?secret|password)=[^&]*", r"\1=***", text))
    if BASE64_RE.match(text.strip()) and len(text) >= BASE64_MIN_CHARS:
        return f"<fichier base64: {_base64_size(text.strip())} octets>"
    if not content_type.startswith(("text/", "application/xml")):
        return f"<contenu binaire: {len(raw)} octets>"
    return _truncate(text)


def mask_headers(request: HttpRequest) -> dict[str, str]:
    headers = {}
    for name, value in request.headers.items():
        lowered = name.lower()
        if lowered == "authorization":
            scheme = value.split(" ", 1)[0]
            headers[name] = f"{scheme} ***"
        elif lowered == "cpro-account":
            credentials = _decode_cpro_account(value)
            login = credentials[0] if credentials else "?"
            headers[name] = f"<masqué : compte {login}>"
        elif lowered in {"cookie", "x-csrftoken"}:
            headers[name] = "***"
        elif lowered in {"content-type", "accept", "user-agent", "idempotency-key"}:
            headers[name] = value[:200]
    return headers


# Recording ---------------------------------------------------------------------------------------
def request_log_record(
    *,
    identity: Identity,
    request: HttpRequest,
    request_body: bytes,
    response: HttpResponse,
    duration_ms: int,
    fault: str = "",
) -> RequestLogEntry:
    structure = identity.account.structure if identity.account else None
    response_body = b"" if response.streaming else response.content
    entry = RequestLogEntry(
        client_id=identity.client_id,
        structure=structure,
        login=identity.account.login if identity.account else "",
        method=request.method or "",
        path=request.path[:300],
        query=request.META.get("QUERY_STRING", "")[:500],
        status_code=response.status_code,
        duration_ms=duration_ms,
        request_headers=mask_headers(request),
        request_body=mask_body(request_body, request.content_type or ""),
        response_body=mask_body(response_body, response.get("Content-Type", "")),
        fault=fault[:100],
    )
    entry.save(force_insert=True)  # autocommit: one statement, one round trip
    if _prune_due(identity.client_id, structure.pk if structure else None):
        request_log_prune(client_id=identity.client_id, structure=structure)
    return entry


# Writes of this process per (application, structure) since its last pruning. Pruning at every
# write cost a DELETE (and a transaction) per API call; every PRUNE_EVERY writes keeps the table
# within N + PRUNE_EVERY × processes rows per pair, and readers only ever show the newest N.
PRUNE_EVERY = 25
_WRITES_SINCE_PRUNE: dict[tuple[str, int | None], int] = {}


def _prune_due(client_id: str, structure_id: int | None) -> bool:
    key = (client_id, structure_id)
    count = _WRITES_SINCE_PRUNE.get(key, PRUNE_EVERY)  # the first write of a process prunes
    if count >= PRUNE_EVERY:
        if len(_WRITES_SINCE_PRUNE) > 10_000:
            _WRITES_SINCE_PRUNE.clear()
        _WRITES_SINCE_PRUNE[key] = 1
        return True
    _WRITES_SINCE_PRUNE[key] = count + 1
    return False


def _newest(qs):
    """The newest N entries of a pair's queryset (more may be stored until the next pruning)."""
    boundary = qs.order_by("-id").values("id")[_log_size() - 1 : _log_size()]
    return qs.filter(id__gte=Coalesce(Subquery(boundary), 0))


def request_log_prune(*, client_id: str, structure: Structure | None) -> int:
    """Keep only the last N entries of (application, structure).

    One DELETE whose bound is a subquery (the id of the entry N+1 from the newest): nothing to
    delete when the log holds N entries or fewer (the bound is NULL), a single statement always.
    """
    qs = RequestLogEntry.objects.filter(client_id=client_id, structure=structure)
    size = _log_size()
    boundary = qs.order_by("-id").values("id")[size : size + 1]
    deleted, _ = qs.filter(id__lte=Subquery(boundary)).delete()
    return deleted


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(LOGGED_PREFIXES):
            return self.get_response(request)
        try:
            body = request.body  # cached: the view reads it again
        except Exception:  # too big: never break the call for the log
            body = b""
        started = time.monotonic()
        response = self.get_response(request)
        duration_ms = int((time.monotonic() - started) * 1000)
        identity = _identity_after(request, response)
        if identity is not None:
            request_log_record(
                identity=identity,
                request=request,
                request_body=body,
                response=response,
                duration_ms=duration_ms,
                fault=getattr(request, "_sandbox_fault", ""),
            )
        return response


def _identity_after(request: HttpRequest, response: HttpResponse) -> Identity | None:
    """Prefer what DRF authenticated; otherwise what the headers name (a failed call)."""
    drf_request = (getattr(response, "renderer_context", None) or {}).get("request")
    application = getattr(drf_request, "piste_application", None)
    account = getattr(drf_request, "technical_account", None)
    if application is not None:
        return Identity(application.client_id, account)
    return identify(request)


# Reading and export ------------------------------------------------------------------------------
def request_log_page(
    *, client_id: str, structure: Structure, before: int | None = None, limit: int = 50
) -> tuple[list[RequestLogEntry], int | None]:
    """Newest first, keyset-paginated on id: (entries, id to pass as `before` for the next page)."""
    qs = _newest(RequestLogEntry.objects.filter(client_id=client_id, structure=structure))
    if before:
        qs = qs.filter(id__lt=before)
    limit = min(max(limit, 1), 500)
    entries = list(qs.order_by("-id")[: limit + 1])
    next_before = entries[limit - 1].id if len(entries) > limit else None
    return entries[:limit], next_before


EXPORT_FIELDS = [
    "id",
    "created_at",
    "login",
    "method",
    "path",
    "query",
    "status_code",
    "duration_ms",
    "fault",
    "request_headers",
    "request_body",
    "response_body",
]


def entry_as_json(entry: RequestLogEntry) -> dict[str, Any]:
    data = {field: getattr(entry, field) for field in EXPORT_FIELDS}
    data["created_at"] = entry.created_at.isoformat()
    return data


def request_log_export(*, client_id: str, structure: Structure, kind: str) -> tuple[str, str]:
    """(content, content type) of the whole log of (application, structure), oldest first."""
    entries = _newest(RequestLogEntry.objects.filter(client_id=client_id, structure=structure))
    rows = [entry_as_json(entry) for entry in entries.order_by("id")]
    if kind == "csv":
        for row in rows:
            row["request_headers"] = json.dumps(row["request_headers"], ensure_ascii=False)
        lines = ([row[field] for field in EXPORT_FIELDS] for row in rows)
        content = csv_text(EXPORT_FIELDS, lines, bom=False, delimiter=",")
        return content, "text/csv; charset=utf-8"
    return json.dumps(rows, ensure_ascii=False, indent=2), "application/json"
