"""Business rules of a public structure's own settings: billing parameters, services, legal
commitments (engagements juridiques, with CSV import) and the access of its staff.

Only the validated principal manager of a PUBLIQUE structure may call these functions. Every
change is written to the structure's audit trail; rules raise `ChorusError` in French, naming the
field and the rule.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chorus.exceptions import ChorusError
from structures.choices import (
    PAYMENT_DEADLINE_DAYS,
    AccessLevel,
    MembershipRole,
    MembershipStatus,
    PublicCategory,
    StructureKind,
)
from structures.models import (
    EngagementJuridique,
    Membership,
    Service,
    Structure,
    ej_matches,
)
from structures.services import _lock_structure, _user_label, structure_log
from structures.validators import validate_siret

CSV_COLUMNS = ("numero", "siret_fournisseur", "montant", "debut_validite", "fin_validite")
CSV_MAX_ROWS = 10_000
AMOUNT_MAX = Decimal("9999999999999.99")


# --- guards ----------------------------------------------------------------------------------


def _loggable(value):
    """A value as the structure log stores it (JSON): dates and decimals as text."""
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def _assign(obj, values: dict) -> dict[str, list]:
    """Set `values` on `obj`; return {field: [before, after]} for the fields that changed."""
    changes = {
        name: [_loggable(getattr(obj, name)), _loggable(value)]
        for name, value in values.items()
        if getattr(obj, name) != value
    }
    for name, value in values.items():
        setattr(obj, name, value)
    return changes


def _require_public_principal(*, structure: Structure, by) -> None:
    if structure.kind != StructureKind.PUBLIQUE:
        raise ChorusError(
            f"Action refusée : « {structure.name} » n'est pas une structure publique ; seuls les "
            "destinataires publics gèrent services et engagements juridiques.",
            code="not_public",
        )
    is_principal = Membership.objects.filter(
        structure=structure,
        user=by,
        role=MembershipRole.GESTIONNAIRE_PRINCIPAL,
        status=MembershipStatus.VALIDEE,
    ).exists()
    if not is_principal:
        raise ChorusError(
            "Action refusée : seul le gestionnaire principal de la structure "
            f"« {structure.name} » peut modifier ses paramètres.",
            code="not_principal",
        )


def _locked_public(*, structure: Structure, by) -> Structure:
    structure = _lock_structure(structure)
    _require_public_principal(structure=structure, by=by)
    return structure


def _check_period(valid_from, valid_until, *, field_name: str = "valid_until") -> None:
    if valid_from and valid_until and valid_from > valid_until:
        raise ChorusError(
            f"Fin de validité : le {valid_until:%d/%m/%Y} précède le début de validité "
            f"({valid_from:%d/%m/%Y}) ; la fin doit être postérieure ou égale au début.",
            field=field_name,
            code="period_inverted",
        )


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


# --- CSV import of engagements ---------------------------------------------------------------


class EngagementImportError(ChorusError):
    """The file was refused: `errors` holds one French message per faulty line and column."""

    def __init__(self, errors: list[str]) -> None:
        count = len(errors)
        super().__init__(
            f"Import refusé : {count} erreur{'s' if count > 1 else ''} dans le fichier ; aucun "
            "engagement n'a été importé. Corrigez le fichier puis importez-le de nouveau.",
            field="file",
            code="import_invalid",
        )
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    numbers: list[str] = field(default_factory=list)


def _parse_date(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value) or re.fullmatch(
        r"(\d{2})/(\d{2})/(\d{4})", value
    )
    if match:
        parts = [int(part) for part in match.groups()]
        year, month, day = parts if "-" in value else reversed(parts)
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    raise ValueError(
        f"« {value} » n'est pas une date valide (formats acceptés : AAAA-MM-JJ ou JJ/MM/AAAA)"
    )


def _parse_amount(value: str) -> Decimal | None:
    compact = "".join(value.split()).replace("\u202f", "").replace(",", ".")
    if not compact:
        return None
    try:
        amount = Decimal(compact)
    except InvalidOperation:
        raise ValueError(f"« {value.strip()} » n'est pas un montant (exemple : 1234,56)") from None
    if not amount.is_finite():
        raise ValueError(f"« {value.strip()} » n'est pas un montant (exemple : 1234,56)")
    return amount


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EngagementImportError(
            [
                "Fichier : l'encodage n'est pas UTF-8. Enregistrez le fichier en « CSV UTF-8 » "
                "puis importez-le de nouveau."
            ]
        ) from None


def _parse_row(
    structure: Structure, line: int, cells: dict[str, str], seen: dict[str, int]
) -> tuple[dict, list[str]]:
    """One data line: the parsed values and, per faulty column, a French message."""
    row: dict = {"line": line}
    errors: list[str] = []

    def fail(column: str, message: str) -> None:
        errors.append(f"Ligne {line}, colonne {column} : {message}")

    try:
        row["number"] = _check_number(structure, cells.get("numero", ""), label="numéro")
    except ChorusError as exc:
        fail("numero", exc.message.split(" : ", 1)[1])
    else:
        if row["number"] in seen:
            fail(
                "numero",
                f"le numéro « {row['number']} » figure déjà ligne {seen[row['number']]}.",
            )
        seen.setdefault(row["number"], line)
    try:
        row["supplier_siret"] = _check_siret(cells.get("siret_fournisseur", ""))
    except ChorusError as exc:
        fail("siret_fournisseur", exc.message.split(" : ", 1)[1])
    try:
        row["amount"] = _check_amount(_parse_amount(cells.get("montant", "")))
    except ValueError as exc:
        fail("montant", f"{exc}.")
    except ChorusError as exc:
        fail("montant", exc.message.split(" : ", 1)[1])
    for column, key in (("debut_validite", "valid_from"), ("fin_validite", "valid_until")):
        try:
            row[key] = _parse_date(cells.get(column, ""))
        except ValueError as exc:
            fail(column, f"{exc}.")
    if row.get("valid_from") and row.get("valid_until") and row["valid_from"] > row["valid_until"]:
        fail("fin_validite", "la fin de validité précède le début de validité.")
    return row, errors


def _parse_rows(structure: Structure, text: str) -> tuple[list[dict], list[str]]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return [], ["Fichier : le fichier est vide."]
    delimiter = ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[dict] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    data_lines = 0
    numbered: list[tuple[int, list[str]]] = []
    try:
        for raw in reader:
            numbered.append((reader.line_num, raw))
    except csv.Error as exc:
        return [], [f"Fichier : ligne {reader.line_num + 1} illisible ({exc})."]
    for line, raw in numbered:
        if not any(cell.strip() for cell in raw):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in raw]
            missing = [name for name in CSV_COLUMNS if name not in header]
            if missing:
                return [], [
                    f"Ligne {line} (en-tête) : colonne{'s' if len(missing) > 1 else ''} "
                    f"manquante{'s' if len(missing) > 1 else ''} : {', '.join(missing)}. "
                    f"L'en-tête attendu est : {';'.join(CSV_COLUMNS)}."
                ]
            continue
        data_lines += 1
        if data_lines > CSV_MAX_ROWS:
            return [], [f"Fichier : {CSV_MAX_ROWS} lignes au maximum par import."]
        if len(raw) > len(header):
            errors.append(
                f"Ligne {line} : {len(raw)} valeurs pour {len(header)} colonnes (vérifiez le "
                f"séparateur « {delimiter} » et les guillemets autour des montants)."
            )
            continue
        cells = dict(zip(header, [cell.strip() for cell in raw], strict=False))
        row, line_errors = _parse_row(structure, line, cells, seen)
        errors.extend(line_errors)
        if not line_errors:
            rows.append(row)
    if header is None:
        return [], ["Fichier : le fichier est vide."]
    if not rows and not errors:
        errors.append("Fichier : aucune ligne d'engagement sous l'en-tête.")
    return rows, errors


def engagement_import_csv(*, structure: Structure, by, content: bytes) -> ImportResult:
    """Validate every line, then upsert by number — or import nothing and report each error."""
    text = _decode(content)
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        rows, errors = _parse_rows(structure, text)
        if errors:
            raise EngagementImportError(errors)
        existing = {e.number: e for e in structure.engagements.select_for_update()}
        result = ImportResult()
        fields = ("supplier_siret", "amount", "valid_from", "valid_until")
        for row in rows:
            engagement = existing.get(row["number"])
            if engagement is None:
                EngagementJuridique.objects.create(
                    structure=structure,
                    number=row["number"],
                    **{name: row[name] for name in fields},
                )
                result.created += 1
            else:
                for name in fields:
                    setattr(engagement, name, row[name])
                engagement.save(update_fields=list(fields))
                result.updated += 1
            result.numbers.append(row["number"])
        structure_log(
            structure=structure,
            action="chorus.structure.engagements_imported",
            actor=by,
            message=(
                f"Import CSV d'engagements juridiques : {result.created} créé(s), "
                f"{result.updated} mis à jour."
            ),
            data={"created": result.created, "updated": result.updated},
        )
    return result


def engagement_csv_template() -> str:
    """The model file offered for download (semicolon, French-style amounts and dates)."""
    return (
        ";".join(CSV_COLUMNS)
        + "\r\n"
        + "20241234;73282932000074;15000,00;2024-01-01;2024-12-31\r\n"
        + "20241235;;2500,50;01/02/2024;\r\n"
    )


# --- staff -----------------------------------------------------------------------------------


def membership_set_access(
    *,
    structure: Structure,
    by,
    membership_id: int,
    access_level: str,
    service_ids: Iterable[int],
) -> Membership:
    """Set a validated member's access level and the services they handle (none = all)."""
    if access_level not in AccessLevel.values:
        raise ChorusError(
            "Habilitation : choisissez « Modification » ou « Consultation uniquement ».",
            field="access_level",
            code="access_invalid",
        )
    ids = {int(pk) for pk in service_ids}
    with transaction.atomic():
        structure = _locked_public(structure=structure, by=by)
        membership = (
            Membership.objects.select_for_update()
            .filter(structure=structure, pk=membership_id)
            .select_related("user")
            .first()
        )
        if membership is None or membership.status != MembershipStatus.VALIDEE:
            raise ChorusError(
                "Agent : seul un membre validé de la structure peut recevoir une habilitation.",
                field="membership",
                code="not_member",
            )
        if membership.is_principal and access_level != AccessLevel.MODIFICATION:
            raise ChorusError(
                "Habilitation : le gestionnaire principal garde l'habilitation « Modification » ; "
                "transférez d'abord son rôle.",
                field="access_level",
                code="principal_consultation",
            )
        services = list(structure.services.filter(pk__in=ids))
        if len(services) != len(ids):
            raise ChorusError(
                "Services traités : un des services choisis n'appartient pas à cette structure.",
                field="service_ids",
                code="unknown_service",
            )
        current = set(membership.services.values_list("pk", flat=True))
        if membership.access_level == access_level and current == ids:
            return membership
        membership.access_level = access_level
        membership.save(update_fields=["access_level"])
        membership.services.set(services)
        codes = ", ".join(sorted(s.code for s in services)) or "tous les services"
        structure_log(
            structure=structure,
            action="chorus.structure.member_access_updated",
            actor=by,
            target_user=membership.user,
            message=(
                f"Habilitation de {_user_label(membership.user)} : "
                f"{AccessLevel(access_level).label} ; services traités : {codes}."
            ),
            data={"access_level": access_level, "service_ids": sorted(ids)},
        )
    return membership


def payment_deadline_days(public_category: str) -> int | None:
    return PAYMENT_DEADLINE_DAYS.get(public_category)
