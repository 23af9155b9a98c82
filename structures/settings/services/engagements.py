"""Legal commitments (engagements juridiques) of a public structure: create, update, delete."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from chorus.exceptions import ChorusError
from structures.models import (
    EngagementJuridique,
    Structure,
)
from structures.services.common import structure_log
from structures.settings.services.guards import AMOUNT_MAX, _assign, _check_period, _locked_public
from structures.validators import validate_siret

# --- engagements juridiques --------------------------------------------------------------------


def _check_number(structure: Structure, number: str, *, label: str = "N° d'engagement") -> str:
    number = (number or "").strip()
    if not number:
        raise ChorusError(f"{label} : ce champ est obligatoire.", field="number", code="required")
    if len(number) > 50:
        raise ChorusError(f"{label} : 50 caractères au maximum.", field="number", code="too_long")
    if not number.isprintable():
        raise ChorusError(
            f"{label} : caractère de contrôle interdit (tabulation, caractère nul…).",
            field="number",
            code="number_control",
        )
    from invoices.rules.routing import check_ej_format  # the rule the routing applies

    violation = check_ej_format(structure, number)
    if violation is not None:
        raise ChorusError(violation.message, field="number", code="number_format")
    return number


def _check_siret(value: str, *, label: str = "SIRET du fournisseur") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_siret(value)
    except ValidationError as exc:
        raise ChorusError(
            f"{label} : {exc.messages[0]}", field="supplier_siret", code="siret_invalid"
        ) from None


def _check_amount(amount: Decimal | None, *, label: str = "Montant") -> Decimal | None:
    if amount is None:
        return None
    if not amount.is_finite() or amount < 0:
        raise ChorusError(
            f"{label} : le montant doit être un nombre positif ou nul.",
            field="amount",
            code="amount_negative",
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ChorusError(
            f"{label} : deux décimales au maximum.", field="amount", code="amount_decimals"
        )
    if amount > AMOUNT_MAX:
        raise ChorusError(f"{label} : montant trop élevé.", field="amount", code="amount_max")
    return amount


def _engagement_used(structure: Structure, number: str) -> bool:
    from invoices.models import Invoice  # invoices depends on structures, not the reverse

    return Invoice.objects.filter(recipient=structure, ej_number=number).exists()


def _number_taken_error(number: str) -> ChorusError:
    return ChorusError(
        f"N° d'engagement : l'engagement « {number} » existe déjà dans cette structure.",
        field="number",
        code="number_exists",
    )


def engagement_create(
    *,
    structure: Structure,
    by,
    number: str,
    supplier_siret: str = "",
    amount: Decimal | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> EngagementJuridique:
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        number = _check_number(structure, number)
        supplier_siret = _check_siret(supplier_siret)
        amount = _check_amount(amount)
        _check_period(valid_from, valid_until)
        if structure.engagements.filter(number=number).exists():
            raise _number_taken_error(number)
        engagement = EngagementJuridique.objects.create(
            structure=structure,
            number=number,
            supplier_siret=supplier_siret,
            amount=amount,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        structure_log(
            structure=structure,
            action="chorus.structure.engagement_created",
            actor=by,
            message=f"Engagement juridique « {number} » créé.",
            data={"engagement_id": engagement.pk, "number": number},
        )
    return engagement


def _engagement_of(structure: Structure, engagement_id: int) -> EngagementJuridique:
    engagement = (
        EngagementJuridique.objects.select_for_update()
        .filter(structure=structure, pk=engagement_id)
        .first()
    )
    if engagement is None:
        raise ChorusError(
            "Engagement : cet engagement n'appartient pas à cette structure.",
            field="engagement",
            code="unknown_engagement",
        )
    return engagement


def engagement_update(
    *,
    structure: Structure,
    by,
    engagement_id: int,
    number: str,
    supplier_siret: str = "",
    amount: Decimal | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> EngagementJuridique:
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        engagement = _engagement_of(structure, engagement_id)
        number = (number or "").strip()
        if number != engagement.number:
            number = _check_number(structure, number)
            if structure.engagements.filter(number=number).exclude(pk=engagement.pk).exists():
                raise _number_taken_error(number)
            if _engagement_used(structure, engagement.number):
                raise ChorusError(
                    f"N° d'engagement : l'engagement « {engagement.number} » est cité par des "
                    "factures reçues ; son numéro ne peut plus changer.",
                    field="number",
                    code="number_in_use",
                )
        supplier_siret = _check_siret(supplier_siret)
        amount = _check_amount(amount)
        _check_period(valid_from, valid_until)
        values = {
            "number": number,
            "supplier_siret": supplier_siret,
            "amount": amount,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        changes = _assign(engagement, values)
        engagement.save()
        if changes:
            structure_log(
                structure=structure,
                action="chorus.structure.engagement_updated",
                actor=by,
                message=f"Engagement juridique « {number} » modifié.",
                data={"engagement_id": engagement.pk, "changes": changes},
            )
    return engagement


def engagement_delete(*, structure: Structure, by, engagement_id: int) -> str:
    """Delete an engagement no invoice cites; return its number."""
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        engagement = _engagement_of(structure, engagement_id)
        number = engagement.number
        if _engagement_used(structure, number):
            raise ChorusError(
                f"Engagement « {number} » : suppression impossible, des factures reçues citent "
                "ce numéro d'engagement.",
                field="engagement",
                code="engagement_in_use",
            )
        engagement.delete()
        structure_log(
            structure=structure,
            action="chorus.structure.engagement_deleted",
            actor=by,
            message=f"Engagement juridique « {number} » supprimé.",
            data={"number": number},
        )
    return number
