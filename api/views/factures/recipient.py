"""`traiter/recue`: the recipient acts on a received invoice (through the registry of actions)."""

from django.db import transaction
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.envelope import (
    LIBELLE_DEFAUT,
    ok,
)
from api.views.base import CproView, cpro_schema
from api.views.factures.common import TRANSITION_CODE, _get, _received, _required_id
from api.views.factures.serializers import (
    REQUESTS,
    envelope_schema,
    status_code,
)
from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import (
    InvoiceStatus,
    RejectionReason,
)
from invoices.models import Invoice
from invoices.services import (
    MOTIF_MAX_LENGTH,
    invoice_recipient_act,
)
from invoices.services.recipient import recipient_action_for_target

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
