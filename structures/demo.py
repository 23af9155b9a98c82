"""Demonstration data set, loaded by `manage.py load_demo` (idempotent).

Real identifiers come from the source documents (shared/seeds): the State's SIRET (supplier guide),
Cavimac's SIRET, address and order-number format (its letter to suppliers), and the budget SIRETs
of a local authority's page. Everything else is invented and its name says so ("fictif"). Two
budget SIRETs of that page fail the Luhn check digit: they are kept on purpose and refused at load.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from structures.choices import (
    CompanyCategory,
    MembershipRole,
    MembershipStatus,
    PublicCategory,
    StructureKind,
)
from structures.validators import validate_siret

STATE_SIRET = "11000201100044"
CAVIMAC_SIRET = "43001912500029"
SUPPLIER_SIRET = "91234567500017"
# A registered company that has no "fiche structure" yet: a demo user can create it.
FREE_COMPANY_SIRET = "84512390000019"
CLOSED_COMPANY_SIRET = "79988123000012"
HOSPITAL_SIRET = "26930001800018"
# Demo recipients answered by sandbox robots (sandbox/demo.py gives each its scenario).
ROBOT_HAPPY_SIRET = "13009901300018"
ROBOT_SUSPEND_SIRET = "13009902100011"
ROBOT_REJECT_SIRET = "13009903900013"
ROBOT_RECYCLE_SIRET = "13009904700016"

_LOCAL_AUTHORITY = "Communauté d'agglomération (fictif)"
_LOCAL_SERVICES = [
    ("FACTURES_SUR_MARCHE", "Factures sur marché", False),
    ("FACTURES_HORS_MARCHE", "Factures hors marché", False),
]


def _local_budget(siret: str, name: str) -> dict[str, Any]:
    return {
        "siret": siret,
        "name": name,
        "public_category": PublicCategory.COLLECTIVITE,
        "service_code_required": True,
        "services": _LOCAL_SERVICES,
    }


PUBLIC_STRUCTURES: list[dict[str, Any]] = [
    {
        "siret": STATE_SIRET,
        "name": "État — services de l'État",
        "public_category": PublicCategory.ETAT,
        # A postal address (Bercy, the ministry of the economy): `structures/v1/consulter`
        # returns it (chorus-pro.md §8.5).
        "address": "139 rue de Bercy",
        "postal_code": "75012",
        "city": "PARIS",
        "service_code_required": True,
        "ej_required": True,
        "services": [
            ("SE0750001", "Service exécutant fictif — administration centrale (Paris)", True),
            ("SE0930002", "Service exécutant fictif — préfecture de département", True),
            ("SE0690003", "Service exécutant fictif — centre de services partagés", True),
            # Fixed identifier integrators script against through the API.
            ("SERVICE_DEMO", "Service de démonstration pour les intégrateurs (fictif)", True),
        ],
    },
    {
        "siret": CAVIMAC_SIRET,
        "name": "Cavimac",
        "address": "9 rue de Rosny",
        "postal_code": "93100",
        "city": "MONTREUIL",
        "public_category": PublicCategory.ETAT,
        "ej_required": True,
        "ej_format_regex": r"2024\d{4}",
        "ej_format_label": "8 chiffres commençant par 2024",
        "services": [
            ("ACHATS", "Service des achats (fictif)", True),
            ("COMPTABILITE", "Service comptabilité fournisseurs (fictif)", True),
        ],
    },
    _local_budget("20006905200013", f"{_LOCAL_AUTHORITY} — Budget principal"),
    _local_budget("20006905200096", f"{_LOCAL_AUTHORITY} — Eau"),
    _local_budget("20006905200070", f"{_LOCAL_AUTHORITY} — Assainissement"),
    _local_budget("20006905200088", f"{_LOCAL_AUTHORITY} — Déchets ménagers"),
    _local_budget("20006905200175", f"{_LOCAL_AUTHORITY} — CFA"),  # bad check digit
    _local_budget("20006905200720", f"{_LOCAL_AUTHORITY} — Cuisine centrale"),  # bad check digit
    _local_budget("21900010600019", "Commune (fictif) — Budget principal"),
    _local_budget("25900099000012", "Syndicat intercommunal (fictif) — Budget principal"),
    {
        "siret": HOSPITAL_SIRET,
        "name": "Centre hospitalier des Tilleuls (fictif)",
        "address": "1 avenue de l'Hôpital",
        "postal_code": "93200",
        "city": "SAINT-DENIS",
        "public_category": PublicCategory.HOSPITALIER,
        "ej_or_service_required": True,
        "services": [
            ("PHARMACIE", "Pharmacie à usage intérieur (fictif)", False),
            ("SERVICES_ECONOMIQUES", "Services économiques et logistiques (fictif)", False),
        ],
    },
    *(
        {
            "siret": siret,
            "name": f"Robot destinataire — {label} (fictif)",
            "public_category": PublicCategory.ETAT,
            "services": [("ROBOT", "Service traité par le robot (fictif)", False)],
        }
        for siret, label in (
            (ROBOT_HAPPY_SIRET, "parcours nominal"),
            (ROBOT_SUSPEND_SIRET, "suspend puis paie"),
            (ROBOT_REJECT_SIRET, "rejette"),
            (ROBOT_RECYCLE_SIRET, "met à recycler"),
        )
    ),
]

# Local register entries (the emulator's stand-in for SIRENE) besides the public bodies above.
COMPANY_RECORDS: list[dict[str, Any]] = [
    {
        "siret": SUPPLIER_SIRET,
        "name": "Atelier Numérique du Bocage (fictif)",
        "address": "12 rue des Artisans",
        "postal_code": "49300",
        "city": "CHOLET",
        "naf_code": "62.01Z",
        "category": CompanyCategory.PME,
    },
    {
        "siret": FREE_COMPANY_SIRET,
        "name": "Boulangerie des Tilleuls (fictif)",
        "address": "3 place du Marché",
        "postal_code": "42000",
        "city": "SAINT-ETIENNE",
        "naf_code": "10.71C",
        "category": CompanyCategory.MICRO,
    },
    {
        "siret": "52874410500024",
        "name": "Transports Vercors Logistique (fictif)",
        "address": "ZA des Écouges",
        "postal_code": "38000",
        "city": "GRENOBLE",
        "naf_code": "49.41A",
        "category": CompanyCategory.ETI,
    },
    {
        "siret": CLOSED_COMPANY_SIRET,
        "name": "Imprimerie du Vieux Port (fictif, fermée)",
        "address": "8 quai du Port",
        "postal_code": "13002",
        "city": "MARSEILLE",
        "naf_code": "18.12Z",
        "category": CompanyCategory.MICRO,
        "is_active": False,
    },
]

SUPPLIER_STRUCTURE: dict[str, Any] = {
    "siret": SUPPLIER_SIRET,
    "name": "Atelier Numérique du Bocage (fictif)",
    "address": "12 rue des Artisans",
    "postal_code": "49300",
    "city": "CHOLET",
    "company_category": CompanyCategory.PME,
    "vat_number": "FR65912345675",
}

DEMO_ACCOUNTS: list[dict[str, Any]] = [
    {
        "email": "fournisseur@demo.chorus.test",
        "password": "Atelier-Bocage-2741",
        "first_name": "Camille",
        "last_name": "Artisan",
        "role": "Fournisseur : gestionnaire principal de l'Atelier Numérique du Bocage (fictif)",
        "structure": SUPPLIER_SIRET,
        "membership_role": MembershipRole.GESTIONNAIRE_PRINCIPAL,
        "membership_status": MembershipStatus.VALIDEE,
    },
    {
        "email": "collaborateur@demo.chorus.test",
        "password": "Tilleul-Azur-4821",
        "first_name": "Dominique",
        "last_name": "Collègue",
        "role": "Fournisseur : demande de rattachement en attente (Atelier Numérique du Bocage)",
        "structure": SUPPLIER_SIRET,
        "membership_role": MembershipRole.UTILISATEUR,
        "membership_status": MembershipStatus.EN_COURS_DE_VALIDATION,
    },
    {
        "email": "etat@demo.chorus.test",
        "password": "Ardoise-Ministere-5830",
        "first_name": "Alix",
        "last_name": "Ordonnateur",
        "role": "Agent public : gestionnaire principal de « État — services de l'État »",
        "structure": STATE_SIRET,
        "membership_role": MembershipRole.GESTIONNAIRE_PRINCIPAL,
        "membership_status": MembershipStatus.VALIDEE,
    },
    {
        "email": "cavimac@demo.chorus.test",
        "password": "Rosny-Montreuil-9310",
        "first_name": "Sacha",
        "last_name": "Comptable",
        "role": "Agent public : gestionnaire principal de la Cavimac",
        "structure": CAVIMAC_SIRET,
        "membership_role": MembershipRole.GESTIONNAIRE_PRINCIPAL,
        "membership_status": MembershipStatus.VALIDEE,
    },
    {
        "email": "admin@demo.chorus.test",
        "password": "Console-Bac-Sable-6154",
        "first_name": "Admin",
        "last_name": "Démo",
        "role": "Superutilisateur (administration, boîte mail du bac à sable)",
        "superuser": True,
    },
]

_EJ_VALIDITY = {"valid_from": datetime.date(2024, 3, 1), "valid_until": datetime.date(2027, 12, 31)}
ENGAGEMENTS: list[dict[str, Any]] = [
    {"structure": CAVIMAC_SIRET, "number": "20240001", "supplier_siret": SUPPLIER_SIRET,
     "amount": Decimal("1800.00")},
    {"structure": CAVIMAC_SIRET, "number": "20240002", "supplier_siret": SUPPLIER_SIRET,
     "amount": Decimal("4250.50")},
    {"structure": CAVIMAC_SIRET, "number": "20240153", "supplier_siret": "", "amount": None},
    {"structure": STATE_SIRET, "number": "1300000001", "supplier_siret": SUPPLIER_SIRET,
     "amount": Decimal("12000.00")},
    {"structure": STATE_SIRET, "number": "1300000002", "supplier_siret": "",
     "amount": Decimal("560.00")},
    # Fixed identifier integrators script against through the API.
    {"structure": STATE_SIRET, "number": "1000000001", "supplier_siret": SUPPLIER_SIRET,
     "amount": Decimal("50000.00")},
]  # fmt: skip


@dataclass
class DemoReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (siret, name, reason)

    def count(self, label: str, outcome: str) -> None:
        getattr(self, outcome)[label] += 1


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[Any, str]:
    """Create the row, or update only the fields that differ: a second run writes nothing."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return obj, "updated" if changed else "unchanged"


def _checked(siret: str, name: str, report: DemoReport) -> bool:
    try:
        validate_siret(siret)
    except ValidationError as exc:
        report.refused.append((siret, name, exc.messages[0]))
        return False
    return True


def _load_records(report: DemoReport) -> None:
    from structures.models import CompanyRecord

    rows = [{k: v for k, v in s.items() if k in _RECORD_FIELDS} for s in PUBLIC_STRUCTURES]
    for row in rows + COMPANY_RECORDS:
        if not _checked(row["siret"], row["name"], report):
            continue
        values = {"is_active": True, **{k: v for k, v in row.items() if k != "siret"}}
        _obj, outcome = _upsert(CompanyRecord, {"siret": row["siret"]}, values)
        report.count("établissements du répertoire", outcome)


_RECORD_FIELDS = {"siret", "name", "address", "postal_code", "city"}
_PARAMETERS = {
    "service_code_required": False,
    "ej_required": False,
    "ej_or_service_required": False,
    "ej_format_regex": "",
    "ej_format_label": "",
    "address": "",
    "postal_code": "",
    "city": "",
}


def _load_public_structures(report: DemoReport) -> dict[str, Any]:
    from structures.models import Service, Structure

    structures = {}
    for spec in PUBLIC_STRUCTURES:
        if not _checked(spec["siret"], spec["name"], report):
            continue
        values = {
            "kind": StructureKind.PUBLIQUE,
            "name": spec["name"],
            "public_category": spec["public_category"],
            "is_active": True,
        }
        values |= {key: spec.get(key, default) for key, default in _PARAMETERS.items()}
        structure, outcome = _upsert(
            Structure, {"identifier_type": "SIRET", "identifier": spec["siret"]}, values
        )
        report.count("structures", outcome)
        for code, label, ej_required in spec["services"]:
            _svc, outcome = _upsert(
                Service,
                {"structure": structure, "code": code},
                {"label": label, "ej_required": ej_required, "is_active": True},
            )
            report.count("services", outcome)
        structures[spec["siret"]] = structure
    return structures


def _load_supplier(report: DemoReport) -> Any:
    from structures.models import Structure

    values = {k: v for k, v in SUPPLIER_STRUCTURE.items() if k != "siret"}
    values |= {"kind": StructureKind.PRIVEE, "is_active": True}
    structure, outcome = _upsert(
        Structure, {"identifier_type": "SIRET", "identifier": SUPPLIER_STRUCTURE["siret"]}, values
    )
    report.count("structures", outcome)
    _load_bank_account(structure, report)
    return structure


# The demo supplier's default bank details (a documentation IBAN with a valid key, fictitious):
# `recuperer/coordbanc/valides` lists it; deposited invoices carry it as payment means 30.
SUPPLIER_BANK_ACCOUNT = {
    "label": "Compte courant (fictif)",
    "iban": "FR7630006000011234567890189",
    "bic": "AGRIFRPP",
}


def _load_bank_account(structure: Any, report: DemoReport) -> None:
    from structures.models import BankAccount

    lookup = {"structure": structure, "iban": SUPPLIER_BANK_ACCOUNT["iban"]}
    has_default = BankAccount.objects.filter(structure=structure, is_default=True).exclude(
        iban=SUPPLIER_BANK_ACCOUNT["iban"]
    )
    values = {
        "label": SUPPLIER_BANK_ACCOUNT["label"],
        "bic": SUPPLIER_BANK_ACCOUNT["bic"],
        "is_active": True,
        "is_default": not has_default.exists(),
    }
    _obj, outcome = _upsert(BankAccount, lookup, values)
    report.count("coordonnées bancaires", outcome)


def _load_user(account: dict[str, Any], report: DemoReport) -> Any:
    from allauth.account.models import EmailAddress

    from accounts.models import User

    superuser = account.get("superuser", False)
    values = {
        "first_name": account["first_name"],
        "last_name": account["last_name"],
        "is_active": True,
        "is_staff": superuser,
        "is_superuser": superuser,
        "mfa_exempt": True,
    }
    user, outcome = _upsert(User, {"email": account["email"]}, values)
    # Re-hash only when the password differs, so that a second run leaves the row untouched.
    if not user.check_password(account["password"]):
        user.set_password(account["password"])
        user.save(update_fields=["password"])
        outcome = "updated" if outcome == "unchanged" else outcome
    report.count("utilisateurs", outcome)
    _email, outcome = _upsert(
        EmailAddress,
        {"user": user, "email": account["email"]},
        {"verified": True, "primary": True},
    )
    report.count("adresses e-mail", outcome)
    return user


def _load_membership(user: Any, structure: Any, account: dict[str, Any], report: DemoReport):
    from structures.models import Membership

    # The status is an FSM field: set at creation only, never assigned afterwards.
    status = account["membership_status"]
    _m, created = Membership.objects.get_or_create(
        user=user,
        structure=structure,
        defaults={
            "role": account["membership_role"],
            "status": status,
            "decided_at": timezone.now() if status == MembershipStatus.VALIDEE else None,
        },
    )
    report.count("rattachements", "created" if created else "unchanged")


def _load_engagements(structures: dict[str, Any], report: DemoReport) -> None:
    from structures.models import EngagementJuridique

    for spec in ENGAGEMENTS:
        values = {k: spec[k] for k in ("supplier_siret", "amount")} | _EJ_VALIDITY
        _ej, outcome = _upsert(
            EngagementJuridique,
            {"structure": structures[spec["structure"]], "number": spec["number"]},
            values,
        )
        report.count("engagements juridiques", outcome)


@transaction.atomic
def demo_load() -> DemoReport:
    """Load or refresh the demonstration data set.

    1. Register entries (CompanyRecord) for every establishment, refusing invalid SIRETs.
    2. Public structures with their parameters and services.
    3. The supplier structure, the demo users (verified e-mail, no MFA) and their attachments.
    4. Legal commitments (EJ) of Cavimac and the State.
    """
    report = DemoReport()
    _load_records(report)
    structures = _load_public_structures(report)
    structures[SUPPLIER_SIRET] = _load_supplier(report)
    for account in DEMO_ACCOUNTS:
        user = _load_user(account, report)
        if "structure" in account:
            _load_membership(user, structures[account["structure"]], account, report)
    _load_engagements(structures, report)
    # The same bad SIRET is refused once for the register and once as a structure: report it once.
    report.refused = list(dict.fromkeys(report.refused))
    return report
