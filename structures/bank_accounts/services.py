"""Bank details of a structure (`coordonnées bancaires`): rules written once for the portal, the
admin and the API.

Only the validated principal manager of the structure changes them; every change goes to the
structure's audit trail. IBAN and BIC are checked with python-stdnum. A structure may hold several
accounts; exactly one active account is the default (the first one created becomes it).
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from chorus.exceptions import ChorusError
from structures.models import BankAccount, Structure
from structures.services.common import _lock_structure, require_principal, structure_log

LABEL_MAX = 100


def clean_iban(value: str) -> str:
    """The IBAN in compact form, or a French error naming the field and the rule."""
    compact = stdnum_iban.compact(value or "")
    if not compact:
        raise ChorusError("IBAN : obligatoire.", field="iban", code="iban_required")
    try:
        return stdnum_iban.validate(compact)
    except StdnumError:
        raise ChorusError(
            f"IBAN : « {value.strip()} » n'est pas un IBAN valide (pays, longueur ou clé de "
            "contrôle incorrects).",
            field="iban",
            code="iban_invalid",
        ) from None


def clean_bic(value: str) -> str:
    compact = stdnum_bic.compact(value or "")
    if not compact:
        return ""
    try:
        return stdnum_bic.validate(compact)
    except StdnumError:
        raise ChorusError(
            f"BIC : « {value.strip()} » n'est pas un BIC valide (8 ou 11 caractères : banque, "
            "pays, localisation, agence).",
            field="bic",
            code="bic_invalid",
        ) from None


def _require_principal(*, structure: Structure, by) -> None:
    require_principal(structure=structure, by=by, action="gérer ses coordonnées bancaires")


def _account_of(structure: Structure, account_id: int) -> BankAccount:
    account = (
        BankAccount.objects.select_for_update().filter(pk=account_id, structure=structure).first()
    )
    if account is None:
        raise ChorusError(
            "Coordonnée bancaire introuvable pour cette structure.",
            field="bank_account",
            code="introuvable",
        )
    return account


def _make_default(structure: Structure, account: BankAccount) -> None:
    BankAccount.objects.filter(structure=structure, is_default=True).exclude(pk=account.pk).update(
        is_default=False
    )
    if not account.is_default:
        account.is_default = True
        account.save(update_fields=["is_default"])


def bank_account_create(
    *, structure: Structure, by, label: str, iban: str, bic: str = "", make_default: bool = False
) -> BankAccount:
    label = (label or "").strip()
    if not label:
        raise ChorusError("Libellé : obligatoire.", field="label", code="label_required")
    if len(label) > LABEL_MAX:
        raise ChorusError(
            f"Libellé : {LABEL_MAX} caractères au plus.", field="label", code="label_too_long"
        )
    iban, bic = clean_iban(iban), clean_bic(bic)
    with transaction.atomic():
        structure = _lock_structure(structure)
        _require_principal(structure=structure, by=by)
        first = not structure.bank_accounts.filter(is_active=True, is_default=True).exists()
        try:
            with transaction.atomic():
                account = BankAccount.objects.create(
                    structure=structure, label=label, iban=iban, bic=bic
                )
        except IntegrityError:
            raise ChorusError(
                f"IBAN : {stdnum_iban.format(iban)} est déjà enregistré pour cette structure.",
                field="iban",
                code="iban_taken",
            ) from None
        if first or make_default:
            _make_default(structure, account)
        structure_log(
            structure=structure,
            action="chorus.structure.bank_account_added",
            actor=by,
            message=f"Coordonnée bancaire « {label} » ajoutée ({account.masked_iban})"
            + (", compte par défaut." if account.is_default else "."),
            data={"bank_account_id": account.pk, "iban": account.masked_iban, "bic": bic},
        )
    return account


def bank_account_set_default(*, structure: Structure, by, account_id: int) -> BankAccount:
    with transaction.atomic():
        structure = _lock_structure(structure)
        _require_principal(structure=structure, by=by)
        account = _account_of(structure, account_id)
        if not account.is_active:
            raise ChorusError(
                f"Coordonnée bancaire « {account.label} » : inactive, elle ne peut pas devenir "
                "le compte par défaut.",
                field="bank_account",
                code="inactive",
            )
        _make_default(structure, account)
        structure_log(
            structure=structure,
            action="chorus.structure.bank_account_default",
            actor=by,
            message=f"Coordonnée bancaire « {account.label} » ({account.masked_iban}) "
            "désignée comme compte par défaut.",
            data={"bank_account_id": account.pk},
        )
    return account


def bank_account_deactivate(*, structure: Structure, by, account_id: int) -> BankAccount:
    """Deactivate an account; if it was the default, the oldest other active one takes over."""
    with transaction.atomic():
        structure = _lock_structure(structure)
        _require_principal(structure=structure, by=by)
        account = _account_of(structure, account_id)
        if not account.is_active:
            raise ChorusError(
                f"Coordonnée bancaire « {account.label} » : déjà inactive.",
                field="bank_account",
                code="already_inactive",
            )
        was_default = account.is_default
        account.is_active, account.is_default = False, False
        account.save(update_fields=["is_active", "is_default"])
        successor = None
        if was_default:
            successor = (
                structure.bank_accounts.filter(is_active=True).order_by("created_at", "pk").first()
            )
            if successor is not None:
                _make_default(structure, successor)
        message = f"Coordonnée bancaire « {account.label} » ({account.masked_iban}) désactivée."
        if successor is not None:
            message += f" « {successor.label} » devient le compte par défaut."
        structure_log(
            structure=structure,
            action="chorus.structure.bank_account_deactivated",
            actor=by,
            message=message,
            data={"bank_account_id": account.pk},
        )
    return account


# --- selectors -------------------------------------------------------------------------------


def bank_accounts_active(*, structure_id: int) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(structure_id=structure_id, is_active=True).order_by(
        "-is_default", "label", "pk"
    )


def bank_account_default(*, structure_id: int) -> BankAccount | None:
    return BankAccount.objects.filter(
        structure_id=structure_id, is_active=True, is_default=True
    ).first()


def bank_account_for_invoice(*, structure: Structure, code) -> BankAccount:
    """`fournisseur.codeCoordonneesBancairesFournisseur` of `soumettre`: an active account of the
    supplier itself, else a Chorus business error naming the field."""
    try:
        account_id = int(code)
    except (TypeError, ValueError):
        account_id = None
    account = (
        BankAccount.objects.filter(pk=account_id, structure=structure, is_active=True).first()
        if account_id is not None and account_id > 0
        else None
    )
    if account is None:
        raise ChorusError(
            f"codeCoordonneesBancairesFournisseur : la coordonnée bancaire « {code} » est "
            f"inconnue ou inactive pour la structure {structure.identifier} (voir "
            "transverses/v1/recuperer/coordbanc/valides).",
            field="codeCoordonneesBancairesFournisseur",
            code="20001",
        )
    return account
