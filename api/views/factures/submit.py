"""`soumettre`: the API deposit; its orchestration is `invoices.services.deposit`."""

import base64
import hashlib
from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEPOT,
    Body,
    ok,
)
from api.idempotency import idempotent
from api.models import ApiFile
from api.views.base import CproView, cpro_schema
from api.views.factures.common import API_MODES, _as_list, _date, _decimal
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
)
from api.views.factures.supplier import _api_files, _complementary_ids, _deposit_answer, _upload
from chorus.exceptions import ChorusError
from invoices.choices import (
    Cadre,
)
from invoices.models import Invoice
from invoices.services import (
    LineData,
    invoice_update_draft,
)
from invoices.services.attachments import (
    invoice_create_from_pdf,
    pdf_summary_line,
)
from invoices.services.deposit import (
    TOLERANCES,
    ApiDeposit,
    invoice_deposit_from_api,
    vat_from_code,
)
from invoices.validators import lines_count_check
from structures.bank_accounts.services import bank_account_for_invoice


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
