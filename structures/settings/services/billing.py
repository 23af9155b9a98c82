"""Billing parameters of a public structure (EJ format, service code required, payment delay)."""

import re

from django.db import transaction

from chorus.exceptions import ChorusError
from structures.choices import (
    PAYMENT_DEADLINE_DAYS,
    PublicCategory,
)
from structures.models import (
    Structure,
    ej_matches,
)
from structures.services.common import structure_log
from structures.settings.services.guards import _assign, _locked_public

# --- billing parameters ----------------------------------------------------------------------


def ej_format_compile(*, regex: str) -> re.Pattern | None:
    """Compile the EJ number format, or raise ChorusError(field="ej_format_regex")."""
    regex = (regex or "").strip()
    if not regex:
        return None
    try:
        return re.compile(regex)
    except re.error as exc:
        raise ChorusError(
            f"Format des n° d'engagement (expression régulière) : « {regex} » n'est pas une "
            f"expression régulière valide ({exc}).",
            field="ej_format_regex",
            code="regex_invalid",
        ) from None


def ej_format_check(*, regex: str, sample: str) -> bool:
    """Whether `sample` matches the format (the whole number must match)."""
    ej_format_compile(regex=regex)  # refuses an invalid expression
    return ej_matches((regex or "").strip(), sample.strip())  # the rule routing applies


def structure_billing_update(
    *,
    structure: Structure,
    by,
    service_code_required: bool,
    ej_required: bool,
    ej_or_service_required: bool,
    payment_status_not_reported: bool,
    ej_format_regex: str,
    ej_format_label: str,
    public_category: str,
) -> Structure:
    """Update the Chorus Pro parameters a supplier's invoice is checked against."""
    ej_format_regex = (ej_format_regex or "").strip()
    ej_format_label = (ej_format_label or "").strip()
    if public_category not in PublicCategory.values:
        raise ChorusError(
            "Catégorie d'entité publique : choisissez une catégorie ; elle fixe le délai légal "
            "de paiement (30, 50 ou 60 jours).",
            field="public_category",
            code="category_invalid",
        )
    if ej_or_service_required and (service_code_required or ej_required):
        raise ChorusError(
            "EJ ou code service obligatoire : ce paramètre ne se combine pas avec « code service "
            "obligatoire » ni « n° d'engagement juridique obligatoire » ; décochez l'un ou "
            "l'autre.",
            field="ej_or_service_required",
            code="parameters_conflict",
        )
    ej_format_compile(regex=ej_format_regex)
    if ej_format_regex and not ej_format_label:
        raise ChorusError(
            "Format des n° d'engagement (en clair) : ce champ est obligatoire quand une "
            "expression régulière est définie, pour l'expliquer aux fournisseurs "
            "(par exemple « 10 chiffres commençant par 2024 »).",
            field="ej_format_label",
            code="required",
        )
    if ej_format_label and not ej_format_regex:
        raise ChorusError(
            "Format des n° d'engagement (expression régulière) : ce champ est obligatoire quand "
            "un format en clair est indiqué.",
            field="ej_format_regex",
            code="required",
        )
    values = {
        "service_code_required": bool(service_code_required),
        "ej_required": bool(ej_required),
        "ej_or_service_required": bool(ej_or_service_required),
        "payment_status_not_reported": bool(payment_status_not_reported),
        "ej_format_regex": ej_format_regex,
        "ej_format_label": ej_format_label,
        "public_category": public_category,
    }
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        changes = _assign(structure, values)
        if changes:
            structure.save(update_fields=list(values))
            labels = ", ".join(
                str(Structure._meta.get_field(name).verbose_name) for name in changes
            )
            structure_log(
                structure=structure,
                action="chorus.structure.billing_parameters_updated",
                actor=by,
                message=f"Paramètres de facturation modifiés : {labels}.",
                data={"changes": changes},
            )
    return structure


def payment_deadline_days(public_category: str) -> int | None:
    return PAYMENT_DEADLINE_DAYS.get(public_category)
