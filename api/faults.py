"""Fault injection: make an integrator's own `/cpro/` calls fail the way the real gateway can.

Rules belong to (application `client_id`, structure of the technical account). The middleware
runs before the view, only for a call with a valid token and a technical account whose password
checks out (a call that would have been authenticated), and applies the first enabled rule whose
path pattern matches, drawing its probability and consuming one of its « next N calls ».

Effects: 401 and 403 with an EMPTY body (as the real gateway answers), 429 with `Retry-After`,
500 and 503 with the Chorus envelope, or a delay before the normal answer.

The flux kinds (a deposit ending IN_INCIDENTE / IN_INTEGRE_PARTIEL) are not the middleware's: the
`deposer/flux` view asks `fault_flux_outcome` inside its transaction (a refused deposit consumes
nothing), stores the imposed outcome on the flow, and `invoices.flux.services.flux_process`
honours it. The rule is counted (`hits`, « next N calls ») and named in the request log like
the others.
"""

import fnmatch
import random
import time

from django.db import connection
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse

from api.errors import gateway_refusal
from api.models.sandbox import FaultKind, FaultRule
from api.requestlog import identify
from chorus.exceptions import ChorusError
from invoices.models import FluxState
from structures.models import Structure

CPRO_PREFIX = "/cpro/"
MAX_DELAY_MS = 30_000
HTTP_KINDS = {
    FaultKind.UNAUTHORIZED,
    FaultKind.FORBIDDEN,
    FaultKind.TOO_MANY,
    FaultKind.SERVER_ERROR,
    FaultKind.UNAVAILABLE,
    FaultKind.DELAY,
}
# Flux kinds → the state the deposited flow is made to end in.
FLUX_OUTCOMES = {
    FaultKind.FLUX_INCIDENT: FluxState.IN_INCIDENTE,
    FaultKind.FLUX_PARTIAL: FluxState.IN_INTEGRE_PARTIEL,
}
APPLIED_KINDS = HTTP_KINDS | set(FLUX_OUTCOMES)


# Services ----------------------------------------------------------------------------------------
def fault_rule_create(
    *,
    client_id: str,
    structure: Structure,
    kind: str,
    path_pattern: str = "*",
    probability: int = 100,
    remaining_calls: int | None = None,
    delay_ms: int = 0,
    retry_after: int = 1,
    enabled: bool = True,
) -> FaultRule:
    if kind not in FaultKind.values:
        choices = ", ".join(FaultKind.values)
        raise ChorusError(f"Effet : « {kind} » inconnu (valeurs : {choices}).", field="kind")
    path_pattern = (path_pattern or "*").strip().lstrip("/")
    if path_pattern.startswith("cpro/"):
        path_pattern = path_pattern[len("cpro/") :]
    if not path_pattern or len(path_pattern) > 200:
        raise ChorusError(
            "Chemin : motif obligatoire, 200 caractères au plus.", field="path_pattern"
        )
    if not 0 < probability <= 100:
        raise ChorusError("Probabilité : un entier de 1 à 100 (%).", field="probability")
    if remaining_calls is not None and remaining_calls < 1:
        raise ChorusError(
            "Appels restants : un entier positif, ou vide pour sans limite.",
            field="remaining_calls",
        )
    if kind == FaultKind.DELAY and not 0 < delay_ms <= MAX_DELAY_MS:
        raise ChorusError(
            f"Délai : de 1 à {MAX_DELAY_MS} ms pour un effet « délai ».", field="delay_ms"
        )
    if not 0 < retry_after <= 3600:
        raise ChorusError("Retry-After : de 1 à 3600 secondes.", field="retry_after")
    return FaultRule.objects.create(
        client_id=client_id,
        structure=structure,
        kind=kind,
        path_pattern=path_pattern,
        probability=probability,
        remaining_calls=remaining_calls,
        delay_ms=delay_ms if kind == FaultKind.DELAY else 0,
        retry_after=retry_after,
        enabled=enabled,
    )


def fault_rule_set_enabled(*, rule: FaultRule, enabled: bool) -> FaultRule:
    rule.enabled = enabled
    rule.save(update_fields=["enabled"])
    return rule


def fault_rule_delete(*, rule: FaultRule) -> None:
    rule.delete()


def fault_rules_for(*, client_id: str, structure: Structure):
    return FaultRule.objects.filter(client_id=client_id, structure=structure).order_by("id")


def fault_as_json(rule: FaultRule) -> dict:
    return {
        "id": rule.pk,
        "chemin": rule.path_pattern,
        "effet": rule.kind,
        "probabilite": rule.probability,
        "appelsRestants": rule.remaining_calls,
        "delaiMs": rule.delay_ms,
        "retryAfter": rule.retry_after,
        "active": rule.enabled,
        "declenchements": rule.hits,
        "appliquee": rule.kind in APPLIED_KINDS,
    }


def fault_pick(
    *, client_id: str, structure: Structure, path: str, kinds=frozenset(HTTP_KINDS)
) -> FaultRule | None:
    """The rule of one of `kinds` (by default the HTTP ones) to apply to this call, consuming one
    of its remaining calls; None if none."""
    relative = path[len(CPRO_PREFIX) :] if path.startswith(CPRO_PREFIX) else path.lstrip("/")
    rules = FaultRule.objects.filter(
        client_id=client_id, structure=structure, enabled=True, kind__in=kinds
    ).order_by("id")
    for rule in rules:
        if not fnmatch.fnmatchcase(relative, rule.path_pattern):
            continue
        if rule.remaining_calls == 0 or random.randint(1, 100) > rule.probability:  # noqa: S311
            continue
        qs = FaultRule.objects.filter(pk=rule.pk)
        if rule.remaining_calls is not None:
            # Consume atomically: two concurrent calls cannot both take the last one.
            qs = qs.filter(remaining_calls__gt=0)
            if not qs.update(remaining_calls=F("remaining_calls") - 1, hits=F("hits") + 1):
                continue
        else:
            qs.update(hits=F("hits") + 1)
        return rule
    return None


def fault_mark(request: HttpRequest, rule: FaultRule) -> None:
    """Name the applied rule for the request log (on the Django request under a DRF one)."""
    django_request = getattr(request, "_request", request)
    django_request._sandbox_fault = f"{rule.kind} (règle n° {rule.pk})"


def fault_flux_outcome(*, request: HttpRequest, client_id: str, structure: Structure) -> str:
    """For a `deposer/flux` call: the state an enabled flux rule imposes on the deposited flow
    (consuming one of its calls, marking the request log), or "" when none applies."""
    rule = fault_pick(
        client_id=client_id, structure=structure, path=request.path, kinds=set(FLUX_OUTCOMES)
    )
    if rule is None:
        return ""
    fault_mark(request, rule)
    return FLUX_OUTCOMES[rule.kind]


def fault_response(rule: FaultRule) -> HttpResponse | None:
    """The injected answer, or None for a delay (then the call goes on)."""
    if rule.kind == FaultKind.DELAY:
        time.sleep(min(rule.delay_ms, MAX_DELAY_MS) / 1000)
        return None
    if rule.kind == FaultKind.UNAUTHORIZED:
        response = gateway_refusal(401)
        response["WWW-Authenticate"] = 'Bearer realm="chorus"'
        return response
    if rule.kind == FaultKind.FORBIDDEN:
        return gateway_refusal(403)
    if rule.kind == FaultKind.TOO_MANY:
        response = JsonResponse(
            {
                "codeRetour": 429,
                "libelle": "Trop de requêtes pour cette application : réessayez plus tard.",
            },
            status=429,
        )
        response["Retry-After"] = str(rule.retry_after)
        return response
    libelle = {
        FaultKind.SERVER_ERROR: "Erreur interne (panne simulée par le bac à sable).",
        FaultKind.UNAVAILABLE: "Service temporairement indisponible (panne simulée).",
    }[rule.kind]
    return JsonResponse({"codeRetour": int(rule.kind), "libelle": libelle}, status=int(rule.kind))


# Middleware --------------------------------------------------------------------------------------
def _any_rule_enabled() -> bool:
    """`FaultRule.objects.filter(enabled=True).exists()`, written out: it runs before every API
    call, and the ORM takes ≈ 4 times the round trip to compile it (issue 9, P1)."""
    table = connection.ops.quote_name(FaultRule._meta.db_table)  # a name from _meta, no input
    sql = f"SELECT 1 FROM {table} WHERE enabled LIMIT 1"  # noqa: S608  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() is not None


class FaultInjectionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(CPRO_PREFIX):
            response = self._inject(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _inject(self, request: HttpRequest) -> HttpResponse | None:
        if not _any_rule_enabled():
            return None  # the common case costs one cheap query
        identity = identify(request)
        if identity is None or identity.account is None:
            return None
        account = identity.account
        if not fault_rules_for(client_id=identity.client_id, structure=account.structure).filter(
            enabled=True
        ):
            return None
        from api.authentication import _decode_cpro_account

        credentials = _decode_cpro_account(request.headers.get("cpro-account", ""))
        if credentials is None or not account.check_password(credentials[1]):
            return None  # not authenticated: the gateway's own answer applies
        rule = fault_pick(
            client_id=identity.client_id, structure=account.structure, path=request.path
        )
        if rule is None:
            return None
        fault_mark(request, rule)
        return fault_response(rule)
