"""The services (codes service) of a public structure: create, update, deactivate."""

import datetime

from django.db import IntegrityError, transaction

from chorus.exceptions import ChorusError
from structures.models import (
    Service,
    Structure,
)
from structures.services.common import structure_log
from structures.settings.services.guards import _assign, _check_period, _locked_public

# --- services --------------------------------------------------------------------------------


def _clean_service(*, code: str, label: str, valid_from, valid_until) -> tuple[str, str]:
    code = (code or "").strip()
    label = (label or "").strip()
    if not code:
        raise ChorusError("Code service : ce champ est obligatoire.", field="code", code="required")
    if len(code) > 100:
        raise ChorusError(
            "Code service : 100 caractères au maximum.", field="code", code="too_long"
        )
    if any(ch.isspace() for ch in code):
        raise ChorusError(
            f"Code service : « {code} » ne doit pas contenir d'espace.",
            field="code",
            code="code_format",
        )
    if not label:
        raise ChorusError("Libellé : ce champ est obligatoire.", field="label", code="required")
    _check_period(valid_from, valid_until)
    return code, label[:255]


def _code_taken_error(code: str) -> ChorusError:
    return ChorusError(
        f"Code service : le code « {code} » existe déjà dans cette structure ; chaque code "
        "service doit être unique.",
        field="code",
        code="code_exists",
    )


def service_create(
    *,
    structure: Structure,
    by,
    code: str,
    label: str,
    is_active: bool = True,
    ej_required: bool = False,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Service:
    code, label = _clean_service(
        code=code, label=label, valid_from=valid_from, valid_until=valid_until
    )
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        if structure.services.filter(code__iexact=code).exists():
            raise _code_taken_error(code)
        try:
            with transaction.atomic():
                service = Service.objects.create(
                    structure=structure,
                    code=code,
                    label=label,
                    is_active=bool(is_active),
                    ej_required=bool(ej_required),
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
        except IntegrityError:
            raise _code_taken_error(code) from None
        structure_log(
            structure=structure,
            action="chorus.structure.service_created",
            actor=by,
            message=f"Service « {code} — {label} » créé.",
            data={"service_id": service.pk, "code": code},
        )
    return service


def _service_of(structure: Structure, service_id: int) -> Service:
    service = Service.objects.select_for_update().filter(structure=structure, pk=service_id).first()
    if service is None:
        raise ChorusError(
            "Service : ce service n'appartient pas à cette structure.",
            field="service",
            code="unknown_service",
        )
    return service


def _service_invoiced(service: Service) -> bool:
    from invoices.models import Invoice  # invoices depends on structures, not the reverse

    return Invoice.objects.filter(service=service).exists()


def service_update(
    *,
    structure: Structure,
    by,
    service_id: int,
    code: str,
    label: str,
    is_active: bool,
    ej_required: bool,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Service:
    code, label = _clean_service(
        code=code, label=label, valid_from=valid_from, valid_until=valid_until
    )
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        service = _service_of(structure, service_id)
        if code != service.code:
            if structure.services.filter(code__iexact=code).exclude(pk=service.pk).exists():
                raise _code_taken_error(code)
            if _service_invoiced(service):
                raise ChorusError(
                    f"Code service : le service « {service.code} » est déjà cité par des "
                    "factures ; son code ne peut plus changer. Créez un nouveau service et "
                    "désactivez celui-ci.",
                    field="code",
                    code="code_in_use",
                )
        values = {
            "code": code,
            "label": label,
            "is_active": bool(is_active),
            "ej_required": bool(ej_required),
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
        changes = _assign(service, values)
        service.save()
        if changes:
            structure_log(
                structure=structure,
                action="chorus.structure.service_updated",
                actor=by,
                message=f"Service « {code} » modifié.",
                data={"service_id": service.pk, "changes": changes},
            )
    return service


def service_deactivate(*, structure: Structure, by, service_id: int) -> Service:
    """Services are never deleted (invoices may cite them): they are deactivated."""
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        service = _service_of(structure, service_id)
        if not service.is_active:
            raise ChorusError(
                f"Service : « {service.code} » est déjà inactif.",
                field="service",
                code="already_inactive",
            )
        service.is_active = False
        service.save(update_fields=["is_active"])
        structure_log(
            structure=structure,
            action="chorus.structure.service_deactivated",
            actor=by,
            message=f"Service « {service.code} » désactivé.",
            data={"service_id": service.pk, "code": service.code},
        )
    return service
