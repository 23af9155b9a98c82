"""Guards of the settings services: only the validated principal of a PUBLIQUE structure acts."""

from decimal import Decimal

from chorus.exceptions import ChorusError
from structures.choices import (
    StructureKind,
)
from structures.models import (
    Structure,
)
from structures.services.common import _lock_structure, require_principal

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
    require_principal(structure=structure, by=by, action="modifier ses paramètres")


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
