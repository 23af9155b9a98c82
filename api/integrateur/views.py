"""Integrator controls: the JSON API `/integrateur/api/v1/...` (authenticated like `/cpro/`)
and the portal page `/integrateur/` (principal of a structure with a technical account)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conformance import conformance_run
from api.demo import SANDBOX_CLIENT_ID
from api.envelope import Body
from api.events import event_as_json, events_ack, events_feed
from api.faults import (
    fault_as_json,
    fault_rule_create,
    fault_rule_delete,
    fault_rule_set_enabled,
    fault_rules_for,
)
from api.models import TechnicalAccount
from api.models.sandbox import FaultKind, FaultRule, WebhookDelivery, WebhookSubscription
from api.requestlog import entry_as_json, request_log_export, request_log_page
from api.webhooks import (
    delivery_as_json,
    subscription_as_json,
    webhook_delivery_replay,
    webhook_subscription_create,
    webhook_subscription_set_active,
)
from chorus.exceptions import ChorusError
from structures.choices import MembershipRole, MembershipStatus
from structures.models import Structure


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# JSON control API --------------------------------------------------------------------------------
class ControlView(APIView):
    def scope(self, request: Request) -> tuple[str, Structure]:
        return request.piste_application.client_id, request.technical_account.structure


class FaultsView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="faultsView_get"
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        rules = fault_rules_for(client_id=client_id, structure=structure)
        return Response({"pannes": [fault_as_json(r) for r in rules]})

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="faultsView_post"
    )
    def post(self, request):
        client_id, structure = self.scope(request)
        body = Body(request.data)
        rule = fault_rule_create(
            client_id=client_id,
            structure=structure,
            kind=str(body.get("effet", "")),
            path_pattern=str(body.get("chemin", "*")),
            probability=body.int("probabilite", 100),
            remaining_calls=body.int("appelsRestants"),
            delay_ms=body.int("delaiMs", 0),
            retry_after=body.int("retryAfter", 1),
        )
        return Response(fault_as_json(rule), status=201)


class FaultDetailView(ControlView):
    def _rule(self, request, pk) -> FaultRule:
        client_id, structure = self.scope(request)
        return get_object_or_404(FaultRule, pk=pk, client_id=client_id, structure=structure)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="faultDetailView_post",
    )
    def post(self, request, pk):
        """Body `{"active": true|false}`."""
        rule = fault_rule_set_enabled(
            rule=self._rule(request, pk), enabled=bool(Body(request.data).get("active", False))
        )
        return Response(fault_as_json(rule))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="faultDetailView_delete",
    )
    def delete(self, request, pk):
        fault_rule_delete(rule=self._rule(request, pk))
        return Response(status=204)


class RequestLogView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="requestLogView_get",
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        entries, next_before = request_log_page(
            client_id=client_id,
            structure=structure,
            before=_int(request.query_params.get("avant")),
            limit=_int(request.query_params.get("limite"), 50),
        )
        return Response({"requetes": [entry_as_json(e) for e in entries], "avant": next_before})


class RequestLogExportView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="requestLogExportView_get",
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        kind = "csv" if request.query_params.get("type") == "csv" else "json"
        content, content_type = request_log_export(
            client_id=client_id, structure=structure, kind=kind
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="journal-api.{kind}"'
        return response


class EventsView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="eventsView_get"
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        events, cursor, acked = events_feed(
            client_id=client_id,
            structure=structure,
            after=_int(request.query_params.get("after")),
            limit=_int(request.query_params.get("limit"), 100),
        )
        return Response(
            {"evenements": [event_as_json(e) for e in events], "curseur": cursor, "acquitte": acked}
        )


class EventsAckView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="eventsAckView_post",
    )
    def post(self, request):
        client_id, structure = self.scope(request)
        cursor = Body(request.data).int("cursor")
        if cursor is None:
            raise ChorusError("Curseur : « cursor » entier obligatoire.", field="cursor")
        acked = events_ack(client_id=client_id, structure=structure, cursor=cursor)
        return Response({"acquitte": acked})


class WebhooksView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="webhooksView_get"
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        subs = WebhookSubscription.objects.filter(client_id=client_id, structure=structure)
        return Response({"abonnements": [subscription_as_json(s) for s in subs]})

    @extend_schema(
        request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT, operation_id="webhooksView_post"
    )
    def post(self, request):
        client_id, structure = self.scope(request)
        body = Body(request.data)
        sub = webhook_subscription_create(
            client_id=client_id,
            structure=structure,
            url=str(body.get("url", "")),
            secret=str(body.get("secret", "")),
        )
        return Response(subscription_as_json(sub, with_secret=True), status=201)


class WebhookDetailView(ControlView):
    def _sub(self, request, pk) -> WebhookSubscription:
        client_id, structure = self.scope(request)
        return get_object_or_404(
            WebhookSubscription, pk=pk, client_id=client_id, structure=structure
        )

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="webhookDetailView_get",
    )
    def get(self, request, pk):
        sub = self._sub(request, pk)
        deliveries = sub.deliveries.select_related("event").order_by("-id")[:100]
        return Response(
            {**subscription_as_json(sub), "livraisons": [delivery_as_json(d) for d in deliveries]}
        )

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="webhookDetailView_post",
    )
    def post(self, request, pk):
        """Body `{"actif": true|false}`."""
        sub = webhook_subscription_set_active(
            subscription=self._sub(request, pk), active=bool(Body(request.data).get("actif"))
        )
        return Response(subscription_as_json(sub))


class DeliveryReplayView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="deliveryReplayView_post",
    )
    def post(self, request, pk):
        client_id, structure = self.scope(request)
        delivery = get_object_or_404(
            WebhookDelivery,
            pk=pk,
            subscription__client_id=client_id,
            subscription__structure=structure,
        )
        return Response(delivery_as_json(webhook_delivery_replay(delivery=delivery)), status=201)


class ConformanceView(ControlView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses=OpenApiTypes.OBJECT,
        operation_id="conformanceView_get",
    )
    def get(self, request):
        client_id, structure = self.scope(request)
        checks = conformance_run(client_id=client_id, structure=structure)
        return Response(
            {
                "reussi": all(c.passed for c in checks),
                "controles": [
                    {"code": c.code, "libelle": c.label, "reussi": c.passed, "detail": c.detail}
                    for c in checks
                ],
            }
        )


# Portal ------------------------------------------------------------------------------------------
def _principal_structures(user):
    return Structure.objects.filter(
        memberships__user=user,
        memberships__status=MembershipStatus.VALIDEE,
        memberships__role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
    ).order_by("name")


def _portal_scope(request: HttpRequest) -> tuple[Structure, str, list[Structure]]:
    structures = list(_principal_structures(request.user))
    if not structures:
        raise Http404("Réservé au gestionnaire principal d'une structure.")
    wanted = _int(request.GET.get("structure") or request.POST.get("structure"))
    structure = next((s for s in structures if s.pk == wanted), None)
    if wanted is not None and structure is None:
        raise Http404("Structure introuvable.")
    structure = structure or structures[0]
    client_id = (
        request.GET.get("application") or request.POST.get("application") or SANDBOX_CLIENT_ID
    ).strip()[:100]
    return structure, client_id, structures


def _back(structure: Structure, client_id: str) -> HttpResponse:
    url = reverse("integrateur:home")
    return redirect(f"{url}?structure={structure.pk}&application={client_id}")


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    structure, client_id, structures = _portal_scope(request)
    entries, next_before = request_log_page(
        client_id=client_id, structure=structure, before=_int(request.GET.get("avant"))
    )
    return render(
        request,
        "integrateur/home.html",
        {
            "structure": structure,
            "structures": structures,
            "client_id": client_id,
            "accounts": TechnicalAccount.objects.filter(structure=structure).order_by("login"),
            "rules": fault_rules_for(client_id=client_id, structure=structure),
            "kinds": FaultKind.choices,
            "entries": entries,
            "next_before": next_before,
            "checks": conformance_run(client_id=client_id, structure=structure),
            "form": request.session.pop("integrateur_form", {}),
            "form_errors": request.session.pop("integrateur_errors", {}),
        },
    )


@login_required
@require_POST
def fault_add(request: HttpRequest) -> HttpResponse:
    structure, client_id, _ = _portal_scope(request)
    data = request.POST
    try:
        fault_rule_create(
            client_id=client_id,
            structure=structure,
            kind=data.get("kind", ""),
            path_pattern=data.get("path_pattern", "*"),
            probability=_int(data.get("probability"), 0) or 0,
            remaining_calls=_int(data.get("remaining_calls"))
            if data.get("remaining_calls")
            else None,
            delay_ms=_int(data.get("delay_ms"), 0) or 0,
            retry_after=_int(data.get("retry_after"), 1) or 0,
        )
    except ChorusError as exc:
        request.session["integrateur_form"] = {
            k: data.get(k, "") for k in data if k != "csrfmiddlewaretoken"
        }
        request.session["integrateur_errors"] = {exc.field or "kind": exc.message}
        messages.error(request, exc.message)
    else:
        messages.success(request, "Panne simulée enregistrée.")
    return _back(structure, client_id)


@login_required
@require_POST
def fault_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    structure, client_id, _ = _portal_scope(request)
    rule = get_object_or_404(FaultRule, pk=pk, client_id=client_id, structure=structure)
    fault_rule_set_enabled(rule=rule, enabled=not rule.enabled)
    messages.success(request, "Panne activée." if rule.enabled else "Panne désactivée.")
    return _back(structure, client_id)


@login_required
@require_POST
def fault_remove(request: HttpRequest, pk: int) -> HttpResponse:
    structure, client_id, _ = _portal_scope(request)
    rule = get_object_or_404(FaultRule, pk=pk, client_id=client_id, structure=structure)
    fault_rule_delete(rule=rule)
    messages.success(request, "Panne supprimée.")
    return _back(structure, client_id)


@login_required
@require_GET
def log_export(request: HttpRequest) -> HttpResponse:
    structure, client_id, _ = _portal_scope(request)
    kind = "csv" if request.GET.get("type") == "csv" else "json"
    content, content_type = request_log_export(client_id=client_id, structure=structure, kind=kind)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="journal-api.{kind}"'
    return response
