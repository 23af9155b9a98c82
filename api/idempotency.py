"""`Idempotency-Key` on deposits: the same key and body replay the first answer (one invoice).

The record is inserted before the deposit runs, in the same transaction: a concurrent request with
the same key waits on the unique constraint, then finds the stored answer. The same key with a
different body is refused (422), as is a key longer than 200 characters. Business errors are
stored and replayed too; server errors are not (the client may retry them).
"""

import functools
import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import error
from api.errors import business_code
from api.models import IdempotencyRecord
from chorus.exceptions import ChorusError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REUSED_CODE = 422


def request_fingerprint(data) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        return error(
            REUSED_CODE,
            f"En-tête {HEADER} : cette clé a déjà servi pour une requête différente ; "
            "utilisez une nouvelle clé pour un nouveau dépôt.",
            http_status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a `post(self, request)` of a deposit endpoint."""

    @functools.wraps(method)
    def wrapper(self, request: Request, *args, **kwargs) -> Response:
        key = (request.headers.get(HEADER) or "").strip()
        if not key:
            return method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return error(
                400, f"En-tête {HEADER} : {MAX_KEY_LENGTH} caractères au maximum ({len(key)})."
            )
        account = request.technical_account
        fingerprint = request_fingerprint(request.data)
        lookup = {"account": account, "key": key, "path": request.path[:200]}
        existing = IdempotencyRecord.objects.filter(**lookup).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **lookup, request_hash=fingerprint, status_code=0, body={}
                )
                try:
                    response = method(self, request, *args, **kwargs)
                except ChorusError as exc:
                    response = error(business_code(exc), exc.message)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                    return response
                record.status_code, record.body = response.status_code, response.data
                record.save(update_fields=["status_code", "body"])
                return response
        except IntegrityError:  # a concurrent request with the same key won the race
            existing = IdempotencyRecord.objects.filter(**lookup).first()
            if existing is None or existing.status_code == 0:
                raise
            return _replay(existing, fingerprint)

    return wrapper
