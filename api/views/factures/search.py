"""`rechercher/fournisseur|recipiendaire`, `consulter/fournisseur|recipiendaire`, `historique`."""

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEFAUT,
    Body,
    blank,
    no_result,
    ok,
    page_info,
)
from api.views.base import CproView, cpro_schema
from api.views.factures.common import (
    _as_list,
    _common_filters,
    _downloaded,
    _flux_id,
    _get,
    _id,
    _issued,
    _page,
    _paged,
    _received,
    _required_id,
    _statuses,
)
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
    evenement,
    facture_detail,
    histo_action,
    histo_statut,
    is_status_change,
    is_user_action,
    list_item,
    status_code,
)
from invoices.choices import (
    InvoiceStatus,
)
from invoices.models import Invoice
from invoices.selectors import invoice_timeline

LIST_SCHEMA = envelope_schema(
    "RechercheFactures",
    listeFactures=serializers.ListField(child=serializers.DictField()),
)


class RechercherFournisseurView(CproView):
    """`rechercher/fournisseur`: the structure's issued invoices; `parametresRetour` paging."""

    @cpro_schema(
        request=REQUESTS["rechercher_fournisseur"],
        responses={200: LIST_SCHEMA},
        summary="Rechercher les factures émises",
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        qs = _issued(request).exclude(status=InvoiceStatus.BROUILLON)
        if InvoiceStatus.BROUILLON in _statuses(body):
            qs = _issued(request)
        qs = _common_filters(qs, body).prefetch_related("flux").select_related("created_by")
        if body.filled("numeroFluxDepot"):
            qs = qs.filter(flux__pk=_flux_id(body.get("numeroFluxDepot")))
        if body.filled("typeFacture"):
            qs = qs.filter(type=str(body.get("typeFacture")).upper())
        if body.filled("modeDepot"):
            qs = qs.filter(deposit_mode=str(body.get("modeDepot")).upper())
        # GO's zero value `false` is no filter either: only "processed rejections" filters.
        if body.get("rejetTraite") in (True, "true", "OUI", "oui", 1):
            qs = qs.filter(rejection_processed_at__isnull=False)
        elif body.get("rejetTraite") in ("NON", "non"):
            qs = qs.filter(rejection_processed_at__isnull=True)
        supplier_id = body.filled("idFournisseur")
        if supplier_id is not None and _id(supplier_id) != (request.technical_account.structure_id):
            qs = qs.none()
        if body.filled("idServiceFournisseur"):
            qs = qs.none()  # suppliers have no services in this emulator
        if body.filled("numeroFactureOrigine"):
            qs = qs.filter(credited_invoice__number=str(body.get("numeroFactureOrigine")))
        recipients = [r for r in _as_list(body.get("listeDestinataire")) if not blank(r)]
        condition = Q()
        for item in recipients:
            item = Body(item)
            part = Q()
            if item.filled("idDestinataire"):
                part &= Q(recipient_id=_id(item.get("idDestinataire")))
            services = [
                _id(s) for s in _as_list(item.get("listeIdServiceExecutant")) if not blank(s)
            ]
            if services:
                part &= Q(service_id__in=services)
            condition |= part
        if recipients:
            qs = qs.filter(condition)
        page, size = _page(body.sub("rechercheFactureParFournisseur"))
        invoices, info = _paged(qs.distinct(), page, size)
        data = {
            "listeFactures": [list_item(invoice, side="fournisseur") for invoice in invoices],
            "parametresRetour": info,
        }
        return ok(data) if info["total"] else no_result(data)


class RechercherRecipiendaireView(CproView):
    """`rechercher/recipiendaire`: invoices received; paging keys at the top level (PAS)."""

    @cpro_schema(
        request=REQUESTS["rechercher_recipiendaire"],
        responses={200: LIST_SCHEMA},
        summary="Rechercher les factures reçues",
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        qs = _common_filters(_received(request), body).annotate(downloaded=_downloaded())
        kind = str(body.filled("typeDemandePaiement") or "FACTURE").upper()
        if kind != "FACTURE":
            qs = qs.none()  # no works invoices (FACTURE_TRAVAUX) in this emulator
        if body.filled("idDestinataire"):
            qs = qs.filter(recipient_id=_id(body.get("idDestinataire")))
        if body.filled("idServiceExecutant"):
            qs = qs.filter(service_id=_id(body.get("idServiceExecutant")))
        types = [str(t).upper() for t in _as_list(body.get("listeTypeFacture")) if not blank(t)]
        if types:
            qs = qs.filter(type__in=types)
        if body.get("factureTelechargeeParDestinataire") not in (None, ""):
            wanted = body.get("factureTelechargeeParDestinataire") in (True, "true", "OUI", 1)
            qs = qs.filter(downloaded=wanted)
        suppliers = _as_list(body.get("listeFournisseurs"))
        ids = [_id(Body(item).filled("idFournisseur")) for item in suppliers if not blank(item)]
        ids = [i for i in ids if i]
        if ids:
            qs = qs.filter(supplier_id__in=ids)
        params = body.sub("paramRecherche")
        page, size = _page(params)
        maximum = _id(params.get("nbResultatsMaximum"))
        if maximum is not None and maximum < qs.count():
            kept = qs.order_by("-deposited_at", "-id").values_list("pk", flat=True)[:maximum]
            qs = qs.filter(pk__in=list(kept))
        invoices, info = _paged(qs, page, size)
        data = {
            "listeFactures": [list_item(invoice, side="recipiendaire") for invoice in invoices],
            **info,
        }
        return ok(data, libelle=LIBELLE_DEFAUT) if info["total"] else no_result(data)


def _detail_queryset(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return qs.select_related("supplier", "recipient", "service", "credited_invoice")


class ConsulterFournisseurView(CproView):
    @cpro_schema(
        request=REQUESTS["consulter"],
        responses={200: envelope_schema("ConsulterFacture", facture=serializers.DictField())},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice_id = _required_id(body, "identifiantFactureCPP", "idFacture")
        invoice = _get(_detail_queryset(_issued(request)), invoice_id)
        return ok({"facture": facture_detail(invoice)})


class ConsulterRecipiendaireView(CproView):
    @cpro_schema(
        request=REQUESTS["consulter"],
        responses={200: envelope_schema("ConsulterFactureRecue", facture=serializers.DictField())},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice_id = _required_id(body, "identifiantFactureCPP", "idFacture")
        invoice = _get(_detail_queryset(_received(request)), invoice_id)
        return ok({"facture": facture_detail(invoice)})


def _visible(request: Request, invoice_id: int) -> Invoice:
    """An invoice of the structure, issued or received (history, download)."""
    invoice = _issued(request).filter(pk=invoice_id).first()
    return invoice or _get(_received(request), invoice_id)


class ConsulterHistoriqueView(CproView):
    """`consulter/historique`: status history ("YYYY-MM-DD HH:MM", user) and user actions."""

    @cpro_schema(
        request=REQUESTS["historique"],
        responses={
            200: envelope_schema(
                "HistoriqueFacture",
                idFacture=serializers.IntegerField(),
                statutCourantCode=serializers.CharField(),
                historiquesDesStatuts=serializers.DictField(),
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _visible(request, _required_id(body, "idFacture", "identifiantFactureCPP"))
        events = list(invoice_timeline(invoice=invoice))
        statuses = [histo_statut(e) for e in reversed(events) if is_status_change(e)]
        actions = [histo_action(e) for e in reversed(events) if is_user_action(e)]
        others = [
            evenement(e)
            for e in reversed(events)
            if not is_status_change(e)
            and not is_user_action(e)
            and e.to_status != InvoiceStatus.BROUILLON
            and not e.action.startswith("chorus.invoice.draft_")
        ]
        maximum = _id(body.get("nbResultatsMaximum"))
        if maximum is not None and maximum > 0:
            statuses, actions, others = statuses[:maximum], actions[:maximum], others[:maximum]
        # No action yet: an empty object, never null codes (PHP checks the vocabulary, §8.5).
        last = (
            {
                "derniereActionCode": actions[0]["histoActionCode"],
                "derniereActionId": actions[0]["histoActionId"],
            }
            if actions
            else {}
        )
        return ok(
            {
                "idFacture": invoice.pk,
                "numeroFacture": invoice.number,
                "modeDepot": invoice.deposit_mode,
                "statutCourantCode": status_code(invoice.status),
                "historiquesDesStatuts": {
                    "histoStatut": statuses,
                    **page_info(page=1, size=max(len(statuses), 1), total=len(statuses)),
                    **_histo_page("HistoStatut", len(statuses)),
                },
                "historiquesDesActionsUtilisateurs": {
                    "histoAction": actions,
                    **_histo_page("HistoAction", len(actions)),
                },
                "historiquesDesEvenementsComplementaires": {
                    "evenement": others,
                    **_histo_page("Evenement", len(others)),
                },
                "derniereAction": last,
            },
            libelle=LIBELLE_DEFAUT,
        )


def _histo_page(suffix: str, total: int) -> dict[str, int]:
    """The paging keys of one history block, suffixed (`pageCouranteHistoAction`, …): GO and
    the PHP classes of the official spec read these names."""
    info = page_info(page=1, size=max(total, 1), total=total)
    return {f"{key}{suffix}": value for key, value in info.items()}
