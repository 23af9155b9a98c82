"""Finding a structure (SIRENE lookup, identifiers, duplicates) and creating a private one."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from chorus.exceptions import ChorusError
from invoices.validators import text_check
from structures.choices import (
    CompanyCategory,
    IdentifierType,
    MembershipRole,
    StructureKind,
)
from structures.models import CompanyRecord, Membership, Structure
from structures.services.common import PUBLIC_STRUCTURE_EXPLANATION, _user_label, structure_log
from structures.validators import validate_siret, validate_vat_number

# --- structures ------------------------------------------------------------------------------


def company_record_lookup(*, siret: str) -> CompanyRecord:
    """Return the register entry of a SIRET, or raise ChorusError(field="identifier")."""
    try:
        compact = validate_siret(siret)
    except ValidationError as exc:
        raise ChorusError(exc.messages[0], field="identifier", code="siret_invalid") from None
    record = CompanyRecord.objects.filter(siret=compact).first()
    if record is None:
        raise ChorusError(
            f"SIRET inconnu du répertoire des entreprises : le SIRET « {compact} » ne figure pas "
            "dans la base SIRENE. Vérifiez le numéro sur votre avis de situation INSEE.",
            field="identifier",
            code="siret_unknown",
        )
    return record


def _clean_identifier(identifier_type: str, identifier: str) -> str:
    identifier = (identifier or "").strip()
    if identifier_type not in IdentifierType.values:
        raise ChorusError(
            f"Type d'identifiant : « {identifier_type} » n'est pas un type reconnu.",
            field="identifier_type",
            code="identifier_type_invalid",
        )
    if not identifier:
        raise ChorusError(
            "Identifiant : ce champ est obligatoire.", field="identifier", code="required"
        )
    if identifier_type == IdentifierType.SIRET:
        try:
            return validate_siret(identifier)
        except ValidationError as exc:
            raise ChorusError(exc.messages[0], field="identifier", code="siret_invalid") from None
    if identifier_type == IdentifierType.UE_HORS_FRANCE:
        try:
            compact = validate_vat_number(identifier)
        except ValidationError as exc:
            raise ChorusError(
                f"Identifiant : {exc.messages[0]}", field="identifier", code="vat_invalid"
            ) from None
        if compact.startswith("FR"):
            raise ChorusError(
                "Identifiant : un numéro de TVA français ne relève pas du type "
                "« UE hors France » ; choisissez le type SIRET.",
                field="identifier",
                code="vat_french",
            )
        return compact
    return " ".join(identifier.split()).upper()


def structure_find(*, identifier_type: str, identifier: str) -> Structure | None:
    """The structure with this identifier (SIRET checked first), or None."""
    compact = _clean_identifier(identifier_type, identifier)
    return Structure.objects.filter(identifier_type=identifier_type, identifier=compact).first()


def structure_duplicate_error(structure: Structure) -> ChorusError:
    """The structure exists: a private one → ask to be attached (the page links the request);
    a public one → it is a recipient, not the user's company (no attachment to the State)."""
    if structure.is_public:
        return ChorusError(
            f"Identifiant : la structure « {structure.name} » ({structure.identifier}) existe "
            "déjà. " + PUBLIC_STRUCTURE_EXPLANATION.format(name=structure.name),
            field="identifier",
            code="structure_public",
        )
    url = reverse("structures:request") + (
        f"?identifier_type={structure.identifier_type}&identifier={structure.identifier}"
    )
    return ChorusError(
        f"Identifiant : la structure « {structure.name} » ({structure.identifier}) existe déjà. "
        "Elle a un gestionnaire principal : demandez plutôt votre rattachement à cette structure "
        f"({url}).",
        field="identifier",
        code="structure_exists",
    )


def structure_create_private(
    *,
    user,
    identifier_type: str,
    identifier: str,
    name: str = "",
    address: str = "",
    postal_code: str = "",
    city: str = "",
    vat_number: str = "",
    company_category: str = "",
) -> Structure:
    """Create a supplier structure; its creator becomes its principal manager."""
    compact = _clean_identifier(identifier_type, identifier)
    existing = Structure.objects.filter(identifier_type=identifier_type, identifier=compact).first()
    if existing is not None:
        raise structure_duplicate_error(existing)

    values = {
        "name": (name or "").strip(),
        "address": (address or "").strip(),
        "postal_code": (postal_code or "").strip(),
        "city": (city or "").strip(),
        "company_category": company_category or "",
    }
    country = "FR"
    if identifier_type == IdentifierType.SIRET:
        record = company_record_lookup(siret=compact)
        if not record.is_active:
            raise ChorusError(
                f"Identifiant : l'établissement « {record.name} » (SIRET {compact}) est fermé "
                "dans le répertoire des entreprises ; seul un établissement actif peut avoir "
                "une structure.",
                field="identifier",
                code="siret_inactive",
            )
        # The register is the reference: it fills what the user left empty.
        for field, value in (
            ("name", record.name),
            ("address", record.address),
            ("postal_code", record.postal_code),
            ("city", record.city),
            ("company_category", record.category),
        ):
            values[field] = values[field] or value
    elif identifier_type == IdentifierType.UE_HORS_FRANCE:
        country = compact[:2].replace("EL", "GR")
    elif identifier_type == IdentifierType.HORS_UE:
        country = ""

    if not values["name"]:
        raise ChorusError(
            "Raison sociale : ce champ est obligatoire.", field="name", code="required"
        )
    # These texts are copied onto every invoice of the structure (PDF, CII/UBL): no controls.
    for field, label in (
        ("name", "Raison sociale"),
        ("address", "Adresse"),
        ("postal_code", "Code postal"),
        ("city", "Commune"),
    ):
        text_check(value=values[field], field_label=label, field=field)
    if values["company_category"] and values["company_category"] not in CompanyCategory.values:
        raise ChorusError(
            f"Catégorie d'entreprise : « {values['company_category']} » n'est pas une catégorie "
            "reconnue (GE, ETI, PME ou MICRO).",
            field="company_category",
            code="category_invalid",
        )
    vat_number = (vat_number or "").strip()
    if vat_number:
        try:
            vat_number = validate_vat_number(vat_number)
        except ValidationError as exc:
            raise ChorusError(
                f"N° de TVA intracommunautaire : {exc.messages[0]}",
                field="vat_number",
                code="vat_invalid",
            ) from None

    with transaction.atomic():
        try:
            with transaction.atomic():
                structure = Structure.objects.create(
                    kind=StructureKind.PRIVEE,
                    identifier_type=identifier_type,
                    identifier=compact,
                    vat_number=vat_number,
                    country=country or "",
                    **values,
                )
        except IntegrityError:
            existing = Structure.objects.get(identifier_type=identifier_type, identifier=compact)
            raise structure_duplicate_error(existing) from None
        membership = Membership(
            user=user, structure=structure, role=MembershipRole.GESTIONNAIRE_PRINCIPAL
        )
        membership.approve(by=user, at=timezone.now())
        membership.save()
        structure_log(
            structure=structure,
            action="chorus.structure.created",
            actor=user,
            target_user=user,
            message=f"Structure créée par {_user_label(user)}, gestionnaire principal.",
            data={"identifier_type": identifier_type, "identifier": compact},
        )
    return structure
