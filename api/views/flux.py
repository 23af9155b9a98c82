"""Deposit flows by API (chorus-pro.md §5, §7.1, §7.3): `factures/v1/deposer/flux`,
`transverses/v1/consulterCR`, `transverses/v1/consulterCRDetaille`, and the emulator's own
pré-contrôle `emulateur/v1/precontrole` (not a Chorus Pro path).

The flow is deposited for the technical account's structure through
`invoices.flux.services.flux_deposit` (the same service as the portal's /flux/ page): it is
processed after commit by the outbox. A flow of another structure is answered like an unknown
one. An enabled sandbox flux fault rule of the calling application (api/faults.py) makes the flow
end IN_INCIDENTE or IN_INTEGRE_PARTIEL.
"""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import LIBELLE_DEPOT, LIBELLE_TRANSVERSE, Body, error, ok
from api.faults import fault_flux_outcome
from api.idempotency import idempotent
from api.views.base import CproView, cpro_schema
from api.views.factures.common import _decode_base64, _decoded_size, _flux_id
from api.views.factures.files import _FileView
from api.views.factures.serializers import date_str, datetime_str, envelope_schema, request_schema
from chorus.exceptions import ChorusError
from invoices.flux.services import MAX_UPLOAD_BYTES, flux_deposit, flux_precheck
from invoices.formats.report import BLOCKING
from invoices.models import Flux, FluxState

UNKNOWN_FLUX_CODE = 20001
# §5.1: the syntaxes a client may announce (the file itself decides how it is read).
SYNTAXES = (
    "IN_DP_E1_UBL_INVOICE",
    "IN_DP_E1_CII_16B",
    "IN_DP_E1_CII",
    "IN_DP_E1_PES_FACTURE",
    "IN_DP_E1_XCBL",
    "IN_DP_E2_UBL_INVOICE_MIN",
    "IN_DP_E2_CII_MIN",
    "IN_DP_E2_CII_MIN_16B",
    "IN_DP_E2_PES_FACTURE_MIN",
    "IN_DP_E2_CPP_FACTURE_MIN",
    "IN_DP_E2_CII_FACTURX",
    "IN_DP_E3_UBL_INVOICE",
    "IN_DP_PDFARCHIVE_UBL_INVOICE_MUG",
    "IN_DP_PDFARCHIVE_CII_MUG",
)
# Our processing state has the Chorus name of the "being processed" state (§5.2).
FLUX_STATE_CODES = {FluxState.IN_EN_TRAITEMENT: "IN_EN_COURS_TRAITEMENT_CPP"}
# The "interface" code of flows deposited by API (PAS shows `FSO1113A`; ours is fixed).
INTERFACE_CODE = "FSO1113A"
TECHNICAL_NATURE = "TECHNIQUE"


def flux_state_code(state: str) -> str:
    return FLUX_STATE_CODES.get(state, state)


def _too_big() -> Response:
    return error(
        413,
        f"fichierFlux : le fichier dépasse la taille maximale de "
        f"{MAX_UPLOAD_BYTES // 1024 // 1024} Mo.",
        http_status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class _FluxFileView(_FileView):
    """A flux endpoint: a body over the server's request limit is a flux over its own limit."""

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            return _too_big()
        return super().handle_exception(exc)


def _decoded_file(body: Body, *, default_name: str) -> SimpleUploadedFile | Response:
    """The base64 `fichierFlux` as an upload, or a 413 answer when it is too big."""
    if _decoded_size(body.get("fichierFlux")) > MAX_UPLOAD_BYTES + 3:
        return _too_big()
    content = _decode_base64(body.get("fichierFlux"), field="fichierFlux")
    if len(content) > MAX_UPLOAD_BYTES:
        return _too_big()
    name = str(body.get("nomFichier", "")).strip()[:255] or default_name
    return SimpleUploadedFile(name, content)


def _syntax(body: Body) -> str:
    syntax = str(body.get("syntaxeFlux", "")).strip().upper()
    if syntax and syntax not in SYNTAXES:
        raise ChorusError(
            f"syntaxeFlux : valeur « {syntax} » inconnue (par exemple IN_DP_E2_CII_FACTURX, "
            "IN_DP_E1_CII_16B ou IN_DP_E1_UBL_INVOICE).",
            field="syntaxeFlux",
        )
    return syntax


def unknown_flux(numero: Any) -> ChorusError:
    return ChorusError(
        f"numeroFluxDepot : le flux « {numero} » est inconnu.",
        field="numeroFluxDepot",
        code=str(UNKNOWN_FLUX_CODE),
    )


def _flux(request: Request, body: Body) -> Flux:
    """The structure's flow named by `numeroFluxDepot` (another structure's flow is unknown)."""
    numero = body.get("numeroFluxDepot")
    if numero in (None, ""):
        raise ChorusError("numeroFluxDepot : obligatoire.", field="numeroFluxDepot")
    flux_id = _flux_id(numero)
    flux = (
        Flux.objects.filter(pk=flux_id, supplier=request.technical_account.structure).first()
        if flux_id is not None
        else None
    )
    if flux is None:
        raise unknown_flux(numero)
    return flux


def _state_date(flux: Flux) -> str | None:
    return datetime_str(flux.processed_at or flux.created_at)


def _blocking(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in document.get("findings", []) if f.get("severity") in BLOCKING]


def _finding_text(finding: dict[str, Any]) -> str:
    return f"{finding.get('rule_id', '')} {finding.get('message_fr', '')}".strip()


def flux_errors(flux: Flux) -> tuple[list[dict], list[dict]]:
    """`listeErreurDP` (one entry per refused invoice, `numeroDP` = its number) and
    `listeErreurTechnique` (files that could not be read as an invoice) from the report."""
    errors_dp, errors_technical = [], []
    for document in flux.report.get("documents", []):
        if document.get("invoice_id"):
            continue
        findings = _blocking(document)
        invoice = document.get("invoice") or {}
        if not invoice.get("number"):
            for finding in findings or [{"rule_id": "FMT-000", "message_fr": "Fichier illisible"}]:
                errors_technical.append(
                    {
                        "codeErreur": finding.get("rule_id", ""),
                        "libelleErreur": f"{document.get('filename', '')} : "
                        f"{finding.get('message_fr', '')}",
                        "natureErreur": TECHNICAL_NATURE,
                    }
                )
            continue
        errors_dp.append(
            {
                "numeroDP": invoice.get("number"),
                "identifiantFournisseur": invoice.get("seller_siret") or flux.supplier.identifier,
                "identifiantDestinataire": invoice.get("buyer_siret") or "",
                "libelleErreurDP": " ; ".join(_finding_text(f) for f in findings)
                or "Facture non intégrée.",
            }
        )
    return errors_dp, errors_technical


S = serializers
DEPOSER_FLUX_REQUEST = request_schema(
    "DeposerFluxRequete",
    fichierFlux=S.CharField(help_text="fichier en base64 (XML, PDF Factur-X, zip ou tar.gz)"),
    nomFichier=S.CharField(),
    syntaxeFlux=S.ChoiceField(list(SYNTAXES)),
    avecSignature=S.BooleanField(required=False),
    idUtilisateurCourant=S.IntegerField(required=False, allow_null=True),
)
CR_REQUEST = request_schema(
    "ConsulterCRRequete",
    numeroFluxDepot=S.CharField(),
    dateDepot=S.CharField(required=False, allow_null=True),
    syntaxeFlux=S.CharField(required=False, allow_null=True),
)
PRECONTROLE_REQUEST = request_schema(
    "PrecontroleRequete",
    fichierFlux=S.CharField(help_text="fichier en base64"),
    nomFichier=S.CharField(required=False),
)


class DeposerFluxView(_FluxFileView):
    """`factures/v1/deposer/flux`: the flow is stored IN_RECU and processed asynchronously."""

    @cpro_schema(
        request=DEPOSER_FLUX_REQUEST,
        responses={
            200: envelope_schema(
                "DeposerFlux",
                numeroFluxDepot=S.CharField(),
                dateDepot=S.DateField(),
                syntaxeFlux=S.CharField(),
            ),
            413: OpenApiResponse(description="Fichier de plus de 50 Mo"),
        },
        summary="Déposer un flux de factures",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = self.body(request)
        syntax = _syntax(body)
        upload = _decoded_file(body, default_name="flux")
        if isinstance(upload, Response):
            return upload
        structure = request.technical_account.structure
        with transaction.atomic():  # a refused deposit consumes no call of a fault rule
            forced = fault_flux_outcome(
                request=request,
                client_id=request.piste_application.client_id,
                structure=structure,
            )
            flux = flux_deposit(
                structure=structure, by=request.user, file=upload, forced_outcome=forced
            )
        return ok(
            {
                "numeroFluxDepot": flux.numero,
                "dateDepot": date_str(flux.created_at) or timezone.localdate().isoformat(),
                "syntaxeFlux": syntax or flux.syntax,
            },
            libelle=LIBELLE_DEPOT,
        )


class ConsulterCRView(CproView):
    """`transverses/v1/consulterCR`: the flow's current state (`etatCourantFlux`)."""

    @cpro_schema(
        request=CR_REQUEST,
        responses={
            200: envelope_schema(
                "ConsulterCR",
                numeroFluxDepot=S.CharField(),
                nomFichierFlux=S.CharField(),
                dateDepotFlux=S.DateTimeField(),
                dateHeureEtatCourantFlux=S.CharField(),
                etatCourantFlux=S.CharField(),
                etatCourantDepotFlux=S.CharField(),
                codeInterfaceFlux=S.CharField(),
            )
        },
        summary="Consulter le compte rendu d'un flux",
    )
    def post(self, request: Request) -> Response:
        flux = _flux(request, self.body(request))
        state = flux_state_code(flux.state)
        return ok(
            {
                "numeroFluxDepot": flux.numero,
                "nomFichierFlux": flux.filename,
                "dateDepotFlux": datetime_str(flux.created_at),
                "dateHeureEtatCourantFlux": _state_date(flux),
                "etatCourantFlux": state,
                "etatCourantDepotFlux": state,
                "codeInterfaceFlux": INTERFACE_CODE,
                "codeAppliPartenaire": None,
                "designationPartenaire": None,
                "fichierCR": None,
            },
            libelle=LIBELLE_TRANSVERSE,
        )


class ConsulterCRDetailleView(CproView):
    """`transverses/v1/consulterCRDetaille`: the state plus the errors of each invoice."""

    @cpro_schema(
        request=CR_REQUEST,
        responses={
            200: envelope_schema(
                "ConsulterCRDetaille",
                numeroFluxDepot=S.CharField(),
                nomFichier=S.CharField(),
                dateDepotFlux=S.DateTimeField(),
                dateHeureEtatCourantFlux=S.CharField(),
                codeInterfaceDepotFlux=S.CharField(),
                etatCourantDepotFlux=S.CharField(),
                listeErreurDP=S.ListField(child=S.DictField()),
                listeErreurTechnique=S.ListField(child=S.DictField()),
            )
        },
        summary="Consulter le compte rendu détaillé d'un flux",
    )
    def post(self, request: Request) -> Response:
        flux = _flux(request, self.body(request))
        errors_dp, errors_technical = flux_errors(flux)
        return ok(
            {
                "numeroFluxDepot": flux.numero,
                "nomFichier": flux.filename,
                "dateDepotFlux": datetime_str(flux.created_at),
                "dateHeureEtatCourantFlux": _state_date(flux),
                "codeInterfaceDepotFlux": INTERFACE_CODE,
                "etatCourantDepotFlux": flux_state_code(flux.state),
                "listeErreurDP": errors_dp,
                "listeErreurTechnique": errors_technical,
            },
            libelle=LIBELLE_TRANSVERSE,
        )


class PrecontroleView(_FluxFileView):
    """`emulateur/v1/precontrole` (emulator only, not a Chorus Pro path): validates the file
    like `deposer/flux` would, deposits nothing, answers the findings (rule ids, French
    messages) of each invoice."""

    @cpro_schema(
        request=PRECONTROLE_REQUEST,
        responses={
            200: envelope_schema(
                "Precontrole",
                rapport=S.DictField(help_text="filename, total, valid, documents[findings]"),
            ),
            413: OpenApiResponse(description="Fichier de plus de 50 Mo"),
        },
        summary="Pré-contrôle d'un flux (propre à l'émulateur)",
    )
    def post(self, request: Request) -> Response:
        upload = _decoded_file(self.body(request), default_name="flux")
        if isinstance(upload, Response):
            return upload
        report = flux_precheck(file=upload, structure=request.technical_account.structure)
        return ok({"rapport": report}, libelle=LIBELLE_TRANSVERSE)
