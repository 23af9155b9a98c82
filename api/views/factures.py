"""`/cpro/factures/v1/...` and `transverses/v1/ajouter/fichier` (chorus-pro.md §7.1).

Every endpoint acts through the technical account: its service user for the permission checks of
the invoice services, its structure for the tenant scope. An invoice of another structure is
answered like an unknown one (never its data). Writes go through `invoices.services`, so an
invoice submitted by API is the same as one made on the portal.
"""

import base64
import binascii
import datetime
import hashlib
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import pikepdf
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEFAUT,
    LIBELLE_DEPOT,
    Body,
    blank,
    error,
    no_result,
    ok,
    page_info,
)
from api.idempotency import idempotent
from api.models import ApiFile
from api.serializers_factures import (
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
from api.views.base import CproView, cpro_schema
from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import (
    Cadre,
    DepositMode,
    InvoiceStatus,
    RejectionReason,
)
from invoices.documents import invoice_render_documents
from invoices.models import Invoice, InvoiceDocument, InvoiceEvent
from invoices.selectors import invoice_list_issued, invoice_list_received, invoice_timeline
from invoices.services import (
    MOTIF_MAX_LENGTH,
    LineData,
    invoice_event_create,
    invoice_process_rejection,
    invoice_recipient_act,
    invoice_recycle,
    invoice_update_draft,
)
from invoices.services.attachments import (
    invoice_complete_with_attachments,
    invoice_create_from_pdf,
    pdf_summary_line,
)
from invoices.services.deposit import (
    TOLERANCES,
    ApiDeposit,
    invoice_deposit_from_api,
    vat_from_code,
)
from invoices.services.recipient import recipient_action_for_target
from invoices.uploads import KIND_ATTACHMENT, MAX_FILE_SIZE, MAX_TOTAL_SIZE, check_uploaded_file
from invoices.validators import lines_count_check
from structures.bank_services import bank_account_for_invoice

UNKNOWN_INVOICE_CODE = 20001
TRANSITION_CODE = 20002
FILE_TOO_BIG_CODE = 20003
MAX_PAGE_SIZE = 10000
API_MODES = (DepositMode.SAISIE_API, DepositMode.DEPOT_PDF_API, DepositMode.DEPOT_PDF_SIGNE_API)


def unknown_invoice(identifier: Any) -> ChorusError:
    return ChorusError(
        f"GDP_MSG_11.008 La demande de paiement est inconnue du système (identifiant "
        f"« {identifier} »).",
        field="identifiantFactureCPP",
        code=str(UNKNOWN_INVOICE_CODE),
    )


MAX_ID = 2**63 - 1


def _id(value: Any) -> int | None:
    """An identifier as a database-safe integer, else None (bools and floats refused)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 <= number <= MAX_ID else None


def _required_id(body: Body, *keys: str) -> int:
    raw = body.first(*keys)
    number = _id(raw)
    if number is None:
        raise ChorusError(
            f"{keys[0]} : identifiant entier obligatoire (reçu « {raw} »).", field=keys[0]
        )
    return number


def _issued(request: Request) -> QuerySet[Invoice]:
    return invoice_list_issued(user=request.user, supplier=request.technical_account.structure)


def _received(request: Request) -> QuerySet[Invoice]:
    return invoice_list_received(user=request.user, recipient=request.technical_account.structure)


def _get(queryset: QuerySet[Invoice], invoice_id: int) -> Invoice:
    invoice = queryset.filter(pk=invoice_id).first()
    if invoice is None:
        raise unknown_invoice(invoice_id)
    return invoice


def _decode_base64(value: Any, *, field: str) -> bytes:
    if not isinstance(value, str) or not value.strip():
        raise ChorusError(f"{field} : contenu du fichier en base64 obligatoire.", field=field)
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ChorusError(
            f"{field} : le contenu n'est pas du base64 valide.", field=field
        ) from None


def _decoded_size(value: Any) -> int:
    """Size of the decoded file, known before decoding (to answer 413 cheaply)."""
    text = value if isinstance(value, str) else ""
    return len(text.strip()) * 3 // 4


def _as_list(value: Any) -> list:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _date(value: Any, *, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ChorusError(
            f"{field} : date attendue au format AAAA-MM-JJ (reçu « {value} »).", field=field
        ) from None


def _search_date(value: Any, *, field: str) -> datetime.date | None:
    """A search period bound; GO's zero time.Time (year 1) means "no date"."""
    day = _date(value, field=field)
    return None if day is None or day.year <= 1 else day


def _decimal(value: Any, *, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        result = Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ChorusError(f"{field} : nombre attendu (reçu « {value} »).", field=field) from None
    if not result.is_finite() or abs(result) >= 10**13:
        raise ChorusError(f"{field} : nombre attendu (reçu « {value} »).", field=field)
    return result


def _page(sub: Body) -> tuple[int, int]:
    page = _id(sub.first("pageResultatDemandee", "pageCourante")) or 1
    size = _id(sub.get("nbResultatsParPage")) or 10
    return min(page, 10**6), min(size, MAX_PAGE_SIZE)


def _statuses(body: Body) -> list[str]:
    result = []
    for item in _as_list(body.get("statutCourant")):
        if isinstance(item, dict):
            item = Body(item).first("statutCourant", "statut", "code")
        if item:
            result.append(str(item).strip().upper())
    return result


def _common_filters(qs: QuerySet[Invoice], body: Body) -> QuerySet[Invoice]:
    """Filters shared by the supplier and recipient searches; a blank filter (0, "", null) is
    no filter, as typed clients send every option (chorus-pro.md §8.5)."""
    if body.filled("numeroFacture"):
        qs = qs.filter(number=str(body.get("numeroFacture")).strip())
    statuses = _statuses(body)
    if statuses:
        statuses = ["ERREUR_TECHNIQUE" if s == "TECHNIQUE_INCONNU" else s for s in statuses]
        qs = qs.filter(status__in=statuses)
    cadre = body.filled("cadreFacturation")
    if isinstance(cadre, dict):
        cadre = Body(cadre).filled("codeCadreFacturation")
    if cadre:
        qs = qs.filter(cadre=str(cadre))
    if body.filled("numeroBonCommande"):
        qs = qs.filter(ej_number=str(body.get("numeroBonCommande")).strip())
    if body.filled("numeroMarche"):
        qs = qs.none()  # no contract number is recorded on invoices
    periods = [
        ("periodeDateDepot", "deposited_at__date"),
        ("periodeDateFacture", "issue_date"),
        ("periodeDateHeureEtatCourant", "updated_at__date"),
    ]
    for prefix, lookup in periods:
        start = _search_date(body.filled(f"{prefix}Du"), field=f"{prefix}Du")
        end = _search_date(body.filled(f"{prefix}Au"), field=f"{prefix}Au")
        if start:
            qs = qs.filter(**{f"{lookup}__gte": start})
        if end:
            qs = qs.filter(**{f"{lookup}__lte": end})
    amounts = [("HT", "total_net"), ("TTC", "total_gross"), ("APayer", "total_gross")]
    for suffix, field_name in amounts:
        low = _decimal(body.filled(f"montant{suffix}Min"), field=f"montant{suffix}Min")
        high = _decimal(body.filled(f"montant{suffix}Max"), field=f"montant{suffix}Max")
        if low is not None:
            qs = qs.filter(**{f"{field_name}__gte": low})
        if high is not None:
            qs = qs.filter(**{f"{field_name}__lte": high})
    return qs


def _flux_id(numero: Any) -> int | None:
    digits = "".join(ch for ch in str(numero) if ch.isdigit())
    return _id(digits) if digits else None


def _downloaded() -> Exists:
    return Exists(
        InvoiceEvent.objects.filter(
            invoice=OuterRef("pk"), action="chorus.invoice.downloaded", data__by="recipiendaire"
        )
    )


def _paged(qs: QuerySet[Invoice], page: int, size: int) -> tuple[list[Invoice], dict]:
    total = qs.count()
    items = list(qs.order_by("-deposited_at", "-id")[(page - 1) * size : page * size])
    return items, page_info(page=page, size=size, total=total)


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


# traiter/recue ---------------------------------------------------------------------------------
RECIPIENT_TARGETS = {
    InvoiceStatus.SUSPENDUE,
    InvoiceStatus.A_RECYCLER,
    InvoiceStatus.REJETEE,
    InvoiceStatus.SERVICE_FAIT,
    InvoiceStatus.MANDATEE,
    InvoiceStatus.MISE_A_DISPOSITION_COMPTABLE,
    InvoiceStatus.COMPTABILISEE,
    InvoiceStatus.MISE_EN_PAIEMENT,
}
MOTIF_REQUIRED = {InvoiceStatus.SUSPENDUE, InvoiceStatus.REJETEE, InvoiceStatus.A_RECYCLER}


def _refused_transition(current: str, target: str) -> ChorusError:
    return ChorusError(
        "Incohérence au niveau du statut d'origine ou de destination de la facture "
        f"(statut courant « {current} », nouveauStatut « {target} »).",
        field="nouveauStatut",
        code=str(TRANSITION_CODE),
    )


def _rejection_reason(motif: str) -> tuple[str, str]:
    """A free-text motif (the API has no coded list): a listed code, else "contact the buyer"."""
    code = motif.strip().upper()
    if code in RejectionReason.values:
        return code, ""
    return RejectionReason.CONTACTER_ACHETEUR, motif


def _apply_target(invoice: Invoice, target: str, *, by, motif: str, mandate: str) -> Invoice:
    """One recipient action from the registry (`invoices.services.recipient`), by target status."""
    action = recipient_action_for_target(target)
    today = clock.today(structure_id=invoice.recipient_id)  # the sandbox clock, as the portal
    data: dict = {"mandate_number": mandate, "payment_date": today, "on": today}
    if target == InvoiceStatus.REJETEE:
        data["reason"], data["comment"] = _rejection_reason(motif)
    else:
        data["reason"] = data["comment"] = motif
    return invoice_recipient_act(invoice_id=invoice.pk, by=by, action=action.name, data=data)


class TraiterRecueView(CproView):
    """`traiter/recue`: the recipient sets a status (20002 when the transition is refused)."""

    @cpro_schema(
        request=REQUESTS["traiter_recue"],
        responses={
            200: envelope_schema(
                "TraiterFactureRecue",
                idFacture=serializers.IntegerField(),
                nouveauStatut=serializers.CharField(),
                numeroFacture=serializers.CharField(),
                dateTraitement=serializers.DateField(),
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _get(_received(request), _required_id(body, "idFacture", "identifiantFactureCPP"))
        raw_target = str(body.get("nouveauStatut", "")).strip().upper()
        if not raw_target:
            raise ChorusError("nouveauStatut : obligatoire.", field="nouveauStatut")
        targets = [t.strip() for t in raw_target.split(";") if t.strip()]
        motif = str(body.get("motif", "")).strip()
        mandate = str(body.first("numeroDPMandat", "numeroDpMandat", default="")).strip()
        if len(motif) > MOTIF_MAX_LENGTH:
            raise ChorusError(
                f"motif : {MOTIF_MAX_LENGTH} caractères au maximum ({len(motif)} reçus).",
                field="motif",
            )
        with transaction.atomic():
            for target in targets:
                if target == invoice.status and target not in RECIPIENT_TARGETS:
                    continue  # already in the target status: success, nothing changes (PAS)
                # A recipient target already reached: the service says success only when the
                # same action (same motif) got it there, else 20002 (already_applied).
                if target not in RECIPIENT_TARGETS:
                    raise _refused_transition(invoice.status, target)
                if target in MOTIF_REQUIRED and not motif:
                    raise ChorusError(
                        f"motif : le statut cible {target} nécessite un motif.", field="motif"
                    )
                if target == InvoiceStatus.MANDATEE and not mandate:
                    raise ChorusError(
                        "numeroDPMandat : obligatoire pour le statut cible MANDATEE.",
                        field="numeroDPMandat",
                    )
                invoice = _apply_target(
                    invoice, target, by=request.user, motif=motif, mandate=mandate
                )
        return ok(
            {
                "idFacture": invoice.pk,
                "numeroFacture": invoice.number,
                "nouveauStatut": status_code(invoice.status),
                "dateTraitement": clock.today(structure_id=invoice.recipient_id).isoformat(),
            },
            libelle=LIBELLE_DEFAUT,
        )


# Supplier actions ------------------------------------------------------------------------------
def _deposit_answer(invoice: Invoice) -> dict:
    return {
        "identifiantFactureCPP": invoice.pk,
        "numeroFacture": invoice.number,
        "statutFacture": status_code(invoice.status),
        "dateDepot": timezone.localtime(invoice.deposited_at).date().isoformat()
        if invoice.deposited_at
        else None,
    }


class RecyclerView(CproView):
    """`recycler`: A_RECYCLER → DEPOSEE with new routing data (SIRET, service, EJ) only."""

    @cpro_schema(request=REQUESTS["recycler"], responses={200: envelope_schema("RecyclerFacture")})
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _get(_issued(request), _required_id(body, "identifiantFactureCPP", "idFacture"))
        recipient = body.sub("destinataire")
        references = body.sub("reference") if body.get("reference") else body.sub("references")
        raw = {str(k).lower() for k in recipient.raw()}
        invoice = invoice_recycle(
            invoice_id=invoice.pk,
            by=request.user,
            recipient_siret=str(recipient.get("codeDestinataire", invoice.recipient_siret)),
            service_code=str(recipient.get("codeServiceExecutant", ""))
            if "codeserviceexecutant" in raw
            else invoice.service_code,
            ej_number=str(references.get("numeroBonCommande", invoice.ej_number)),
            comment=str(body.get("commentaire", "")),
        )
        return ok(_deposit_answer(invoice), libelle=LIBELLE_DEFAUT)


def _api_files(request: Request, ids: Iterable[Any], *, field: str) -> list[ApiFile]:
    files = []
    for raw in ids:
        file_id = _id(raw)
        if file_id is None:
            raise ChorusError(f"{field} : identifiant entier attendu (« {raw} »).", field=field)
        api_file = ApiFile.objects.filter(
            pk=file_id, structure=request.technical_account.structure
        ).first()
        if api_file is None:
            raise ChorusError(
                f"{field} : la pièce jointe {file_id} est inconnue (déposez-la avec "
                "factures/v1/deposer/pdf ou transverses/v1/ajouter/fichier).",
                field=field,
            )
        files.append(api_file)
    return files


def _upload(api_file: ApiFile) -> SimpleUploadedFile:
    with api_file.file.open("rb") as handle:
        content = handle.read()
    return SimpleUploadedFile(api_file.filename, content, content_type=api_file.content_type)


def _complementary_ids(body: Body) -> list:
    ids = []
    for item in _as_list(body.get("pieceJointeComplementaire")):
        item = Body(item) if isinstance(item, dict) else None
        value = (
            item.first("pieceJointeComplementaireId", "pieceJointeId", "idPieceJointe")
            if item
            else None
        )
        if value is not None:
            ids.append(value)
    return ids


class CompleterView(CproView):
    """`completer`: SUSPENDUE → COMPLETEE with a comment and/or supporting documents."""

    @cpro_schema(
        request=REQUESTS["completer"], responses={200: envelope_schema("CompleterFacture")}
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        invoice = _get(_issued(request), _required_id(body, "identifiantFactureCPP", "idFacture"))
        files = _api_files(request, _complementary_ids(body), field="pieceJointeComplementaire")
        invoice = invoice_complete_with_attachments(
            invoice_id=invoice.pk,
            by=request.user,
            comment=str(body.get("commentaire", "")),
            uploads=[_upload(f) for f in files],
        )
        return ok(
            {
                "identifiantFactureCPP": invoice.pk,
                "numeroFacture": invoice.number,
                "dateTraitement": timezone.localdate().isoformat(),
            },
            libelle=LIBELLE_DEFAUT,
        )


class TraiterRejetView(CproView):
    """`traiterRejet`: the supplier processes rejected invoices (they leave its Synthèse)."""

    @cpro_schema(
        request=REQUESTS["traiter_rejet"],
        responses={200: envelope_schema("TraiterFacturesRejetees")},
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        items = _as_list(body.get("listeDemandePaiement"))
        if not items:
            raise ChorusError(
                "listeDemandePaiement : au moins une demande de paiement est attendue.",
                field="listeDemandePaiement",
            )
        with transaction.atomic():
            for item in items:
                ident = Body(item).first("idDemandePaiement", "idFacture", "identifiantFactureCPP")
                invoice_id = _id(ident)
                if invoice_id is None:
                    raise unknown_invoice(ident)
                invoice = _get(_issued(request), invoice_id)
                invoice_process_rejection(invoice_id=invoice.pk, by=request.user)
        return ok(libelle=LIBELLE_DEFAUT)


# Download --------------------------------------------------------------------------------------
def _pivot_xml(pdf_bytes: bytes) -> bytes | None:
    """The CII XML embedded in a Factur-X PDF."""
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            for name, attachment in pdf.attachments.items():
                if name.lower().endswith(".xml"):
                    return attachment.get_file().read_bytes()
    except (pikepdf.PdfError, ValueError):
        return None
    return None


def _read(doc: InvoiceDocument) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


def _invoice_files(invoice: Invoice, *, fmt: str, with_attachments: bool) -> list[tuple]:
    if not invoice.documents.filter(kind=InvoiceDocument.Kind.FACTURX_PDF).exists():
        invoice_render_documents(invoice_id=invoice.pk)
    documents = list(invoice.documents.all())
    by_kind = {doc.kind: doc for doc in documents}
    number = (invoice.number or str(invoice.pk)).replace("/", "-")
    files = []
    facturx = by_kind.get(InvoiceDocument.Kind.FACTURX_PDF)
    if fmt == "PDF":
        main = by_kind.get(InvoiceDocument.Kind.ORIGINAL) or facturx
        if main is not None:
            files.append((f"{invoice.pk}/{main.filename}", _read(main)))
    elif facturx is not None:
        xml = _pivot_xml(_read(facturx))
        if xml is not None:
            files.append((f"{invoice.pk}/facture-{number}.xml", xml))
    if with_attachments:
        for doc in documents:
            if doc.kind == InvoiceDocument.Kind.PIECE_JOINTE:
                files.append((f"{invoice.pk}/pj/{doc.filename}", _read(doc)))
    return files


# Chorus Pro documents only the 120 MB bound of the result (chorus-pro.md §8): ours also bounds the
# number of distinct invoices (a repeated id counts once), so one call cannot ask for thousands.
MAX_GROUP_INVOICES = 500


class TelechargerGroupeView(CproView):
    """`telecharger/groupe`: a base64 zip of the invoices' PDF or XML (413 over 120 MB), each
    invoice once however often it is listed, at most MAX_GROUP_INVOICES distinct invoices."""

    @cpro_schema(
        request=REQUESTS["telecharger"],
        responses={
            200: envelope_schema("TelechargerGroupe", fichierResultat=serializers.CharField()),
            413: OpenApiResponse(description="Résultat de plus de 120 Mo"),
        },
    )
    def post(self, request: Request) -> Response:
        body = self.body(request)
        fmt = str(body.get("format", "PDF")).upper()
        if fmt == "XML":
            fmt = "PIVOT"
        if fmt not in ("PDF", "PIVOT"):
            raise ChorusError("format : PDF ou PIVOT attendu.", field="format")
        with_attachments = str(body.get("avecPiecesJointesComplementaires", "NON")).upper() in (
            "OUI",
            "TRUE",
        )
        items = _as_list(body.get("listeFacture"))
        if not items:
            raise ChorusError(
                "listeFacture : au moins une facture est attendue.", field="listeFacture"
            )
        ids: dict[int, None] = {}  # each invoice once, in the order asked
        for item in items:
            ident = (
                Body(item).first("idFacture", "identifiantFactureCPP")
                if isinstance(item, dict)
                else item
            )
            if _id(ident) is None:
                raise unknown_invoice(ident)
            ids[_id(ident)] = None
            if len(ids) > MAX_GROUP_INVOICES:
                raise ChorusError(
                    f"listeFacture : {MAX_GROUP_INVOICES} factures différentes au maximum par "
                    "téléchargement ; demandez les autres dans un autre appel.",
                    field="listeFacture",
                )
        invoices = [_visible(request, invoice_id) for invoice_id in ids]
        buffer, total = io.BytesIO(), 0
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice in invoices:
                for name, content in _invoice_files(
                    invoice, fmt=fmt, with_attachments=with_attachments
                ):
                    total += len(content)
                    if total > MAX_TOTAL_SIZE:
                        return error(
                            413,
                            "Le résultat du téléchargement dépasse 120 Mo : demandez moins de "
                            "factures à la fois.",
                            http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
                        )
                    archive.writestr(name, content)
        structure = request.technical_account.structure
        for invoice in invoices:
            side = "recipiendaire" if invoice.recipient_id == structure.pk else "fournisseur"
            invoice_event_create(
                invoice=invoice,
                action="chorus.invoice.downloaded",
                actor=request.user,
                data={"by": side, "format": fmt},
            )
        return ok({"fichierResultat": base64.b64encode(buffer.getvalue()).decode()})


# Files and deposits ----------------------------------------------------------------------------
def _too_big(code: int | None = None) -> Response:
    message = "Le fichier dépasse la taille maximale de 10 Mo."
    if code is None:
        return error(413, message, http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    return error(code, message)


def _store_api_file(
    request: Request, *, name: str, content: bytes, content_type: str, invoice=None
):
    return ApiFile.objects.create(
        account=request.technical_account,
        structure=request.technical_account.structure,
        invoice=invoice,
        file=ContentFile(content, name=name),
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _amount_or_none(value) -> float | None:
    return None if value is None else float(value)


class _FileView(CproView):
    """A deposit endpoint: a body over the server's request limit is a file over 10 MB."""

    too_big_code: int | None = None

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            return _too_big(self.too_big_code)
        return super().handle_exception(exc)


class DeposerPdfView(_FileView):
    """`deposer/pdf`: the PDF is read like a portal deposit; answers `pieceJointeId` + OCR."""

    @cpro_schema(
        request=REQUESTS["deposer_pdf"],
        responses={
            200: envelope_schema("DeposerPdf", pieceJointeId=serializers.IntegerField()),
            413: OpenApiResponse(description="PDF de plus de 10 Mo"),
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        if _decoded_size(body.get("fichierFacture")) > MAX_FILE_SIZE + 3:
            return _too_big()
        content = _decode_base64(body.get("fichierFacture"), field="fichierFacture")
        if len(content) > MAX_FILE_SIZE:
            return _too_big()
        name = str(body.get("nomFichier", "")).strip() or "facture.pdf"
        upload = SimpleUploadedFile(name, content, content_type="application/pdf")
        structure = request.technical_account.structure
        with transaction.atomic():
            invoice, prefill = invoice_create_from_pdf(
                supplier=structure, by=request.user, upload=upload
            )
            api_file = _store_api_file(
                request, name=name, content=content, content_type="application/pdf", invoice=invoice
            )
        answer = {
            "pieceJointeId": api_file.pk,
            "numeroFacture": prefill.number or None,
            "dateFacture": prefill.issue_date.isoformat() if prefill.issue_date else None,
            "codeDestinataire": prefill.recipient_siret or None,
            "codeServiceExecutant": prefill.service_code or None,
            "codeFournisseur": structure.identifier,
            "codeDeviseFacture": "EUR",
            # Closed vocabularies, never null (chorus-pro.md §8.5): a type code 380 (or no
            # code read) is a FACTURE, 381/261/262 an AVOIR.
            "typeFacture": "AVOIR" if prefill.type == "AVOIR" else "FACTURE",
            "typeTva": _type_tva(prefill.total_net, prefill.total_vat),
            "numeroBonCommande": prefill.ej_number or None,
            "montantHtTotal": _amount_or_none(prefill.total_net),
            "montantTVA": _amount_or_none(prefill.total_vat),
            "montantTtcAvantRemiseGlobalTTC": _amount_or_none(prefill.total_gross),
            "montantAPayer": _amount_or_none(prefill.total_gross),
        }
        # A date the OCR did not find is left out rather than null: the PHP classes of the spec
        # and GO's Date cannot decode a null date (null strings and amounts they accept).
        if answer["dateFacture"] is None:
            del answer["dateFacture"]
        return ok(answer, libelle=LIBELLE_DEPOT)


# `typeTva` of the official vocabulary (SWG `WsRetourDeposerPdfFacture`).
TYPES_TVA = ("TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA")


def _type_tva(total_net: Decimal | None, total_vat: Decimal | None) -> str:
    """VAT on debits by default; EXONERATION when the PDF shows a positive net and no VAT."""
    if total_vat is not None and total_vat == 0 and total_net:
        return "EXONERATION"
    return "TVA_SUR_DEBIT"


class AjouterFichierView(_FileView):
    """`transverses/v1/ajouter/fichier`: a supporting file; codeRetour 20003 over 10 MB."""

    too_big_code = FILE_TOO_BIG_CODE

    @cpro_schema(
        request=REQUESTS["ajouter_fichier"],
        responses={
            200: envelope_schema("AjouterFichier", pieceJointeId=serializers.IntegerField())
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        if _decoded_size(body.get("pieceJointeFichier")) > MAX_FILE_SIZE + 3:
            return _too_big(FILE_TOO_BIG_CODE)
        content = _decode_base64(body.get("pieceJointeFichier"), field="pieceJointeFichier")
        if len(content) > MAX_FILE_SIZE:
            return _too_big(FILE_TOO_BIG_CODE)
        name = str(body.get("pieceJointeNom", "")).strip()
        extension = str(body.get("pieceJointeExtension", "")).strip().lstrip(".").lower()
        if name and extension and not name.lower().endswith(f".{extension}"):
            name = f"{name}.{extension}"
        if not name:
            raise ChorusError("pieceJointeNom : obligatoire.", field="pieceJointeNom")
        checked = check_uploaded_file(SimpleUploadedFile(name, content), kind=KIND_ATTACHMENT)
        api_file = _store_api_file(
            request, name=checked.name, content=checked.content, content_type=checked.content_type
        )
        return ok({"pieceJointeId": api_file.pk}, libelle=LIBELLE_DEPOT)


# soumettre -------------------------------------------------------------------------------------
def _vat(line: Body, *, exemption_motif: str, position: int) -> tuple[Decimal, str]:
    manual = _decimal(line.get("lignePosteTauxTvaManuel"), field=f"lignePoste[{position}]")
    code = str(line.get("lignePosteTauxTva", ""))
    return vat_from_code(code, manual=manual, exemption_motif=exemption_motif, position=position)


def _lines(body: Body, *, exemption_motif: str) -> list[LineData]:
    raw_lines = _as_list(body.get("lignePoste"))
    lines_count_check(count=len(raw_lines), field="lignePoste")  # before any work on them
    lines = []
    for position, raw in enumerate(raw_lines, start=1):
        line = Body(raw)
        rate, exemption = _vat(line, exemption_motif=exemption_motif, position=position)
        lines.append(
            LineData(
                designation=str(
                    line.first("lignePosteDenomination", "lignePosteReference", default="")
                ),
                quantity=str(line.get("lignePosteQuantite", "")),
                unit_price=str(line.get("lignePosteMontantUnitaireHT", "")),
                vat_rate=rate,
                unit=str(line.get("lignePosteUnite", "U")),
                exemption_reason=exemption,
            )
        )
    return lines


def _main_piece_id(body: Body) -> Any:
    for item in _as_list(body.get("pieceJointePrincipale")):
        if isinstance(item, dict):
            value = Body(item).first(
                "pieceJointePrincipaleId", "idPieceJointePrincipale", "pieceJointeId"
            )
            if value is not None:
                return value
    return None


def _header(body: Body, structure) -> dict:
    recipient, refs = body.sub("destinataire"), body.sub("references")
    cadre = body.sub("cadreDeFacturation").get("codeCadreFacturation", Cadre.A1_FACTURE_FOURNISSEUR)
    return {
        "recipient_siret": str(recipient.get("codeDestinataire", "")),
        "service_code": str(recipient.get("codeServiceExecutant", "")),
        "ej_number": str(refs.get("numeroBonCommande", "")),
        "type": str(refs.get("typeFacture", "FACTURE")).upper(),
        "cadre": str(cadre),
        "currency": str(refs.first("deviseFacture", "codeDeviseFacture", default="EUR")).upper(),
        "payment_mode": str(refs.get("modePaiement", "")).upper(),
        "issue_date": _date(body.get("dateFacture"), field="dateFacture") or timezone.localdate(),
        "due_date": _date(body.get("dateEcheancePaiement"), field="dateEcheancePaiement"),
        "comment": str(body.get("commentaire", ""))[:2000],
    }


def _declared(totals: Body) -> dict[str, Decimal | None]:
    return {key: _decimal(totals.get(key), field=f"montantTotal.{key}") for key in TOLERANCES}


def _summary_line(totals: Body) -> LineData:
    net = _decimal(totals.get("montantHtTotal"), field="montantTotal.montantHtTotal")
    vat = _decimal(totals.get("montantTVA"), field="montantTotal.montantTVA")
    if net is None or vat is None:
        raise ChorusError(
            "montantTotal : montantHtTotal et montantTVA sont obligatoires sans lignePoste.",
            field="montantTotal",
        )
    gross = _decimal(totals.get("montantTtcTotal"), field="montantTotal.montantTtcTotal")
    return pdf_summary_line(total_net=net, total_vat=vat, total_gross=gross)


def _fingerprint(invoice: Invoice) -> str:
    seed = f"{invoice.pk}|{invoice.number}|{invoice.deposited_at}|{invoice.total_gross}"
    return base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


class SoumettreView(CproView):
    """`soumettre`: SAISIE_API / DEPOT_PDF_API / DEPOT_PDF_SIGNE_API → draft, then deposit."""

    @cpro_schema(
        request=REQUESTS["soumettre"],
        responses={
            200: envelope_schema(
                "SoumettreFacture",
                identifiantFactureCPP=serializers.IntegerField(),
                numeroFacture=serializers.CharField(),
                statutFacture=serializers.CharField(),
                dateDepot=serializers.DateField(),
                identifiantStructure=serializers.CharField(),
                empreinteCertificatDepot=serializers.CharField(),
            )
        },
        summary="Soumettre une facture",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        structure, user = request.technical_account.structure, request.user
        mode = str(body.get("modeDepot", "")).strip().upper()
        if mode not in API_MODES:
            raise ChorusError(
                f"modeDepot : « {mode} » inconnu (SAISIE_API, DEPOT_PDF_API ou "
                "DEPOT_PDF_SIGNE_API).",
                field="modeDepot",
            )
        supplier_id = body.sub("fournisseur").get("idFournisseur")
        if supplier_id not in (None, "", 0) and str(supplier_id) != str(structure.pk):
            raise ChorusError(
                f"fournisseur.idFournisseur : le compte technique agit pour la structure "
                f"{structure.pk}, pas pour {supplier_id}.",
                field="idFournisseur",
                code="interdit",
            )
        header = _header(body, structure)
        # The supplier's chosen bank details (`recuperer/coordbanc/valides`); 0/""/null: the
        # structure's default account at deposit.
        bank_code = body.sub("fournisseur").filled("codeCoordonneesBancairesFournisseur")
        if bank_code is not None:
            header["bank_account"] = bank_account_for_invoice(structure=structure, code=bank_code)
        exemption = str(body.sub("references").get("motifExonerationTva", ""))
        lines = _lines(body, exemption_motif=exemption)
        deposit = ApiDeposit(
            mode=mode,
            header=header,
            number=str(body.get("numeroFactureSaisi", "")).strip(),
            lines=lines,
            declared=_declared(body.sub("montantTotal")),
            attachment_ids=_complementary_ids(body),
        )
        invoice = invoice_deposit_from_api(
            supplier=structure,
            by=user,
            deposit=deposit,
            pdf_draft=lambda: self._pdf_draft(request, body, mode=mode, header=header, lines=lines),
            attachments=lambda: [
                _upload(f)
                for f in _api_files(
                    request, deposit.attachment_ids, field="pieceJointeComplementaire"
                )
            ],
        )
        return self._deposited(invoice, structure)

    def _deposited(self, invoice: Invoice, structure) -> Response:
        return ok(
            {
                **_deposit_answer(invoice),
                "identifiantStructure": structure.identifier,
                "empreinteCertificatDepot": _fingerprint(invoice),
            },
            libelle=LIBELLE_DEPOT,
        )

    def _pdf_draft(self, request: Request, body: Body, *, mode: str, header: dict, lines):
        piece_id = _main_piece_id(body)
        if piece_id is None:
            raise ChorusError(
                f"pieceJointePrincipale : pieceJointePrincipaleId obligatoire en {mode} "
                "(identifiant rendu par deposer/pdf ou ajouter/fichier).",
                field="pieceJointePrincipale",
            )
        (api_file,) = _api_files(request, [piece_id], field="pieceJointePrincipale")
        user = request.user
        if api_file.invoice_id is not None:
            invoice = Invoice.objects.filter(pk=api_file.invoice_id).first()
            if invoice is None or not invoice.is_draft:
                raise ChorusError(
                    f"pieceJointePrincipale : le PDF {api_file.pk} a déjà servi au dépôt "
                    "d'une facture ; déposez-le à nouveau pour une nouvelle facture.",
                    field="pieceJointePrincipale",
                )
        else:
            invoice, _prefill = invoice_create_from_pdf(
                supplier=request.technical_account.structure, by=user, upload=_upload(api_file)
            )
            ApiFile.objects.filter(pk=api_file.pk).update(invoice=invoice)
        return invoice_update_draft(
            invoice_id=invoice.pk,
            by=user,
            lines=lines or [_summary_line(body.sub("montantTotal"))],
            deposit_mode=mode,
            **header,
        )
