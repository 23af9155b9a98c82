"""Routing rules (§4.4, §6.3): who receives the invoice, through which service, under which EJ.

One evaluation for every channel: the routing task (`invoice_route`, after a portal / API / PDF
deposit or a `recycler`) and the validation report (flux deposit, pré-contrôle) both call
`routing_evaluate`; the first blocking rule is the verdict, with the same reason code everywhere.
Per-structure data (the EJ format, the flags, the services, the published EJs) stays data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from invoices.rules import catalogue as R
from invoices.rules.base import Violation

if TYPE_CHECKING:  # models are imported when called: the validator's worker processes import
    from structures.models import Service, Structure  # this module before Django is set up

EJ_MAX_LENGTH = 50


@dataclass(frozen=True)
class RoutingData:
    """The routing fields of an invoice, whatever carried it (typed form, API JSON, UBL, CII)."""

    recipient_siret: str
    service_code: str = ""
    ej_number: str = ""
    supplier_siret: str = ""


@dataclass(frozen=True)
class Routing:
    recipient: Structure | None
    service: Service | None
    violation: Violation | None  # the first blocking rule broken, None when routable


def find_recipient(siret: str) -> Structure | None:
    from structures.choices import IdentifierType
    from structures.models import Structure

    if not siret:
        return None
    return Structure.objects.filter(identifier_type=IdentifierType.SIRET, identifier=siret).first()


def service_is_open(service: Service, *, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return service.is_active and not (
        (service.valid_from and service.valid_from > today)
        or (service.valid_until and service.valid_until < today)
    )


def check_recipient(siret: str, recipient: Structure | None) -> Violation | None:
    if recipient is None:
        return R.RECIPIENT_UNKNOWN.violation(
            f"SIRET du destinataire : aucune structure « {siret} » n'est connue de Chorus Pro."
        )
    if not recipient.is_public:
        return R.RECIPIENT_NOT_PUBLIC.violation(
            f"SIRET du destinataire : « {recipient.name} » n'est pas une entité publique."
        )
    if not recipient.is_active:
        return R.RECIPIENT_INACTIVE.violation(
            f"SIRET du destinataire : la structure « {recipient.name} » est inactive."
        )
    return None


def check_service(recipient: Structure, code: str, service: Service | None) -> Violation | None:
    name = recipient.name
    if code and service is None:
        return R.SERVICE_UNKNOWN.violation(
            f"Code service : « {code} » n'existe pas chez « {name} »."
        )
    if service is not None and not service_is_open(service):
        return R.SERVICE_INACTIVE.violation(
            f"Code service : le service « {service.code} » de « {name} » n'est pas actif "
            "(inactif ou hors de ses dates de validité)."
        )
    if not code and recipient.service_code_required:
        return R.SERVICE_REQUIRED.violation(
            f"Code service : obligatoire pour le destinataire « {name} »."
        )
    return None


def check_ej_required(
    recipient: Structure, data: RoutingData, service: Service | None
) -> Violation | None:
    if recipient.ej_or_service_required and not (data.service_code or data.ej_number):
        return R.EJ_OR_SERVICE_REQUIRED.violation(
            "N° d'engagement juridique ou code service : l'un des deux est obligatoire pour "
            f"« {recipient.name} »."
        )
    if data.ej_number:
        return None
    if service is not None and service.ej_required:
        return R.EJ_REQUIRED.violation(
            f"N° d'engagement juridique : obligatoire pour ce service (« {service.code} »)."
        )
    if recipient.ej_required:
        return R.EJ_REQUIRED.violation(
            "N° d'engagement juridique : obligatoire pour ce destinataire."
        )
    return None


def check_ej_format(structure: Structure, number: str) -> Violation | None:
    """The EJ format of the structure (its own data, edited on the settings page) and the length
    of the Chorus Pro field: also applied when the structure records its own EJs."""
    if len(number) > EJ_MAX_LENGTH:
        return R.EJ_FORMAT.violation(
            f"N° d'engagement juridique : {EJ_MAX_LENGTH} caractères au plus."
        )
    if not structure.ej_matches_format(number):
        rule = structure.ej_format_label or structure.ej_format_regex
        return R.EJ_FORMAT.violation(
            f"N° d'engagement juridique : « {number} » ne respecte pas le format des "
            f"engagements de « {structure.name} » ({rule})."
        )
    return None


def check_ej_known(recipient: Structure, data: RoutingData) -> Violation | None:
    """When the recipient publishes its EJs, the number must be one of them, for this creditor."""
    if not recipient.engagements.exists():
        return None
    ej = recipient.engagements.filter(number=data.ej_number).first()
    if ej is None:
        return R.EJ_UNKNOWN.violation(
            f"N° d'engagement juridique : « {data.ej_number} » est inconnu de « {recipient.name} »."
        )
    if ej.supplier_siret and ej.supplier_siret != data.supplier_siret:
        return R.EJ_OTHER_CREDITOR.violation(
            f"N° d'engagement juridique : créancier différent de celui de l'EJ « {ej.number} »."
        )
    return None


def routing_evaluate(data: RoutingData) -> Routing:
    """Resolve recipient and service, and the first routing rule broken (in the order above)."""
    recipient = find_recipient(data.recipient_siret)
    violation = check_recipient(data.recipient_siret, recipient)
    if violation is not None or recipient is None:
        return Routing(None, None, violation)
    from structures.models import Service

    service = None
    if data.service_code:
        service = Service.objects.filter(structure=recipient, code=data.service_code).first()
    violation = check_service(recipient, data.service_code, service) or check_ej_required(
        recipient, data, service
    )
    if violation is None and data.ej_number:
        violation = check_ej_format(recipient, data.ej_number) or check_ej_known(recipient, data)
    return Routing(recipient, service, violation)
