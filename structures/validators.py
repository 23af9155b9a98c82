"""Identifier checks with python-stdnum, with French messages naming the rule that failed."""

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_exceptions
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret as fr_siret


def normalize_siret(value: str) -> str:
    return fr_siret.compact(value or "")


def validate_siret(value: str) -> str:
    """Return the compact SIRET or raise ValidationError.

    Checks length, digits and the Luhn keys of SIREN and SIRET (La Poste rule included).
    """
    compact = normalize_siret(value)
    try:
        return fr_siret.validate(compact)
    except stdnum_exceptions.InvalidLength:
        message = (
            f"Le SIRET « {value} » doit comporter exactement 14 chiffres "
            f"(il en comporte {len(compact)})."
        )
        raise ValidationError(message, code="siret_length") from None
    except stdnum_exceptions.InvalidFormat:
        raise ValidationError(
            f"Le SIRET « {value} » ne doit contenir que des chiffres.", code="siret_format"
        ) from None
    except stdnum_exceptions.InvalidChecksum:
        raise ValidationError(
            f"Le SIRET « {value} » est invalide : sa clé de contrôle (algorithme de Luhn) "
            "est incorrecte. Vérifiez qu'aucun chiffre n'a été inversé ou oublié.",
            code="siret_checksum",
        ) from None


def validate_vat_number(value: str) -> str:
    """Return the compact intra-EU VAT number or raise ValidationError."""
    compact = eu_vat.compact(value or "")
    try:
        return eu_vat.validate(compact)
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            f"Le numéro de TVA intracommunautaire « {value} » est invalide "
            "(préfixe pays, longueur ou clé de contrôle incorrects).",
            code="vat_invalid",
        ) from None
