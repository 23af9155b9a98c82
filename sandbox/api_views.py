"""`/sandbox/api/v1/...`: the sandbox control plane by API (not a Chorus Pro path).

Same PISTE authentication as `/cpro/...` (OAuth2 bearer token + `cpro-account`). A technical account
acts only on what it owns: it reads the clock of its sandbox (its isolated sandbox if its structure
belongs to one, else the shared default one), but moves a clock and sets robots only in its own
isolated sandbox. The shared sandbox's clock and robots are its administrators', in the portal
(`/bac-a-sable/`): otherwise any tenant, with the public demo credentials, would move what every
other tenant sees. An account whose password expired by its own sandbox's clock may still use these
controls (to put the clock back). `POST sandboxes` is the bootstrap of a CI run: no account exists
yet, so it takes the secret of `CHORUS_SANDBOX_BOOTSTRAP_SECRET` in the `X-Sandbox-Secret` header
(or a superuser's session).
"""

import secrets
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import PisteAuthentication
from api.envelope import Body, error, ok
from chorus.exceptions import ChorusError
from sandbox import selectors, services
from sandbox.models import Sandbox
from structures.models import Structure


def clock_json(sandbox: Sandbox) -> dict[str, Any]:
    now = sandbox.simulated_now(real=timezone.now())
    return {
        "bacASable": sandbox.slug,
        "maintenant": now.isoformat(),
        "aujourdhui": timezone.localdate(now).isoformat(),
        "decalageSecondes": sandbox.offset_seconds if sandbox.frozen_at is None else None,
        "figee": sandbox.frozen_at is not None,
    }


def scenario_json(structure: Structure) -> dict[str, Any]:
    scenario = selectors.scenario_for(structure_id=structure.pk)
    if scenario is None:
        return {"idStructure": structure.pk, "scenario": None}
    return {
        "idStructure": structure.pk,
        "scenario": {
            "nom": scenario.name,
            "actif": scenario.is_active,
            "regles": [
                {
                    "type": rule.kind,
                    "libelle": rule.describe(),
                    "jours": rule.days,
                    "montant": str(rule.amount) if rule.amount is not None else None,
                    "codesService": rule.service_codes,
                }
                for rule in scenario.rules.all()
            ],
        },
    }


SHARED_SANDBOX_REFUSED = (
    "Action refusée : l'horloge et les robots du bac à sable partagé se règlent dans le portail "
    "(/bac-a-sable/), par ses administrateurs. Créez votre bac à sable isolé (POST "
    "/sandbox/api/v1/sandboxes ou manage.py sandbox_create) : ses comptes techniques règlent son "
    "horloge et ses robots par cette API."
)


class SandboxControlAuthentication(PisteAuthentication):
    allow_expired_password = True


class SandboxView(APIView):
    http_method_names = ["get", "post", "options"]
    authentication_classes = [SandboxControlAuthentication]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not settings.CHORUS_SANDBOX:
            raise Http404
        super().initial(request, *args, **kwargs)

    def sandbox(self, request: Request) -> Sandbox:
        return selectors.sandbox_for_structure(structure_id=request.technical_account.structure_id)

    def own_sandbox(self, request: Request) -> Sandbox | Response:
        """The caller's isolated sandbox, or the answer refusing to touch the shared one."""
        if not selectors.account_can_control_sandbox(account=request.technical_account):
            return error(20001, SHARED_SANDBOX_REFUSED, http_status=403)
        return self.sandbox(request)


class ClockView(SandboxView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="clockView_get"
    )
    def get(self, request: Request) -> Response:
        return ok({"horloge": clock_json(self.sandbox(request))})

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="clockView_post"
    )
    def post(self, request: Request) -> Response:
        return self.get(request)


class ClockAdvanceView(SandboxView):
    http_method_names = ["post", "options"]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="clockAdvanceView_post",
    )
    def post(self, request: Request) -> Response:
        sandbox = self.own_sandbox(request)
        if isinstance(sandbox, Response):
            return sandbox
        body = Body(request.data)
        sandbox, actions = services.clock_advance(
            sandbox=sandbox, days=body.get("jours"), hours=body.get("heures")
        )
        return ok({"horloge": clock_json(sandbox), "actionsRobots": actions})


class ClockFreezeView(SandboxView):
    http_method_names = ["post", "options"]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="clockFreezeView_post",
    )
    def post(self, request: Request) -> Response:
        sandbox = self.own_sandbox(request)
        if isinstance(sandbox, Response):
            return sandbox
        frozen = Body(request.data).get("figer", True)
        if not isinstance(frozen, bool):
            raise ChorusError("figer : true ou false attendu.", field="figer")
        sandbox = services.clock_freeze(sandbox=sandbox, frozen=frozen)
        return ok({"horloge": clock_json(sandbox)})


class ClockResetView(SandboxView):
    http_method_names = ["post", "options"]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="clockResetView_post",
    )
    def post(self, request: Request) -> Response:
        sandbox = self.own_sandbox(request)
        if isinstance(sandbox, Response):
            return sandbox
        return ok({"horloge": clock_json(services.clock_reset(sandbox=sandbox))})


class RobotView(SandboxView):
    def structure(self, request: Request, structure_id: int) -> Structure:
        """A structure of the caller's own isolated sandbox (any other: « introuvable »)."""
        structure = Structure.objects.filter(pk=structure_id).first()
        if structure is None or not selectors.account_can_set_scenario(
            account=request.technical_account, structure=structure
        ):
            raise ChorusError("Structure introuvable.", field="idStructure", code="introuvable")
        return structure

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="robotView_get"
    )
    def get(self, request: Request, structure_id: int) -> Response:
        structure = Structure.objects.filter(pk=structure_id).first()
        if structure is None or not selectors.account_can_view_scenario(
            account=request.technical_account, structure=structure
        ):
            raise ChorusError("Structure introuvable.", field="idStructure", code="introuvable")
        return ok(scenario_json(structure))

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="robotView_post"
    )
    def post(self, request: Request, structure_id: int) -> Response:
        if not selectors.account_can_control_sandbox(account=request.technical_account):
            return error(20001, SHARED_SANDBOX_REFUSED, http_status=403)
        structure = self.structure(request, structure_id)
        body = Body(request.data)
        raw_rules = body.get("regles")
        if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
            raise ChorusError(
                "regles : liste d'objets {type, jours, montant…} attendue.", field="regles"
            )
        rules = [
            services.RuleData(
                kind=str(Body(rule).get("type", "")),
                days=Body(rule).get("jours"),
                amount=Body(rule).get("montant"),
                service_codes=str(Body(rule).get("codesService") or ""),
            )
            for rule in raw_rules
        ]
        active = body.get("actif", True)
        services.robot_scenario_set(
            structure=structure,
            name=str(body.get("nom") or ""),
            rules=rules,
            is_active=bool(active),
        )
        return ok(scenario_json(structure))


class BootstrapPermission(AllowAny):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_superuser", False):
            return True
        expected = settings.CHORUS_SANDBOX_BOOTSTRAP_SECRET
        given = request.headers.get("X-Sandbox-Secret", "")
        if expected and given and secrets.compare_digest(expected, given):
            return True
        raise exceptions.PermissionDenied()


class SandboxCreateView(SandboxView):
    http_method_names = ["post", "options"]
    authentication_classes = [SessionAuthentication]
    permission_classes = [BootstrapPermission]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="sandboxCreateView_post",
    )
    def post(self, request: Request) -> Response:
        name = str(Body(request.data).get("nom") or "")
        return Response({"codeRetour": 0, **services.sandbox_create(name=name)}, status=201)
