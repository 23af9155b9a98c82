"""Sandbox control plane: clock, robot scenarios, reset and fresh isolated sandboxes.

These are emulator controls, not Chorus Pro features. Every function refuses to run outside sandbox
mode (CHORUS_SANDBOX=false).
"""

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from accounts.models import User
from chorus.exceptions import ChorusError
from sandbox.models import RobotAction, RobotRule, RobotScenario, RuleKind, Sandbox
from sandbox.selectors import DEFAULT_SLUG
from structures.choices import (
    AccessLevel,
    MembershipRole,
    MembershipStatus,
    PublicCategory,
    StructureKind,
)
from structures.models import Membership, Service, Structure

MAX_ADVANCE_DAYS = 3660


def _require_sandbox_mode() -> None:
    if not settings.CHORUS_SANDBOX:
        raise ChorusError("Contrôle réservé au mode bac à sable (CHORUS_SANDBOX).", code="interdit")


# Clock -----------------------------------------------------------------------------------------
def sandbox_default_ensure() -> Sandbox:
    sandbox, _ = Sandbox.objects.get_or_create(
        is_default=True, defaults={"name": "Bac à sable par défaut", "slug": DEFAULT_SLUG}
    )
    return sandbox


def _locked(sandbox: Sandbox | None) -> Sandbox:
    _require_sandbox_mode()
    if sandbox is None or sandbox.pk is None:
        sandbox = sandbox_default_ensure()
    return Sandbox.objects.select_for_update().get(pk=sandbox.pk)


def _run_robots(sandbox: Sandbox) -> int:
    from sandbox.robots import robots_run

    return robots_run(sandbox=sandbox)


def clock_advance(
    *, sandbox: Sandbox | None = None, days: Any = 0, hours: Any = 0
) -> tuple[Sandbox, int]:
    """Move the sandbox clock forward, then let the robots act. Returns (sandbox, actions)."""
    try:
        days, hours = int(days or 0), int(hours or 0)
    except (TypeError, ValueError):
        raise ChorusError("Jours / heures : nombres entiers attendus.", field="days") from None
    if days < 0 or hours < 0 or (days == 0 and hours == 0):
        raise ChorusError(
            "Avance de l'horloge : indiquez un nombre de jours ou d'heures positif.", field="days"
        )
    if days + hours / 24 > MAX_ADVANCE_DAYS:
        raise ChorusError(
            f"Avance de l'horloge : {MAX_ADVANCE_DAYS} jours au maximum à la fois.", field="days"
        )
    delta = datetime.timedelta(days=days, hours=hours)
    with transaction.atomic():
        sandbox = _locked(sandbox)
        if sandbox.frozen_at is not None:
            sandbox.frozen_at += delta
        else:
            sandbox.offset_seconds += int(delta.total_seconds())
        sandbox.save(update_fields=["frozen_at", "offset_seconds"])
    return sandbox, _run_robots(sandbox)


def clock_freeze(*, sandbox: Sandbox | None = None, frozen: bool = True) -> Sandbox:
    """Freeze the clock at the current simulated instant, or let it run again from there."""
    with transaction.atomic():
        sandbox = _locked(sandbox)
        real = timezone.now()
        if frozen and sandbox.frozen_at is None:
            sandbox.frozen_at = sandbox.simulated_now(real=real)
        elif not frozen and sandbox.frozen_at is not None:
            sandbox.offset_seconds = int((sandbox.frozen_at - real).total_seconds())
            sandbox.frozen_at = None
        sandbox.save(update_fields=["frozen_at", "offset_seconds"])
    return sandbox


def clock_reset(*, sandbox: Sandbox | None = None) -> Sandbox:
    """Back to the real time (no offset, not frozen)."""
    with transaction.atomic():
        sandbox = _locked(sandbox)
        sandbox.offset_seconds, sandbox.frozen_at = 0, None
        sandbox.save(update_fields=["frozen_at", "offset_seconds"])
    return sandbox


# Robots ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleData:
    kind: str
    days: int | None = None
    amount: Decimal | None = None
    service_codes: str = ""


def robot_user_ensure(*, structure: Structure) -> User:
    """The robot user of a structure: a validated member with modification rights, no login."""
    user, created = User.objects.get_or_create(
        email=f"robot-{structure.pk}@robots.chorus.invalid",
        defaults={"first_name": "Robot", "last_name": "du bac à sable", "mfa_exempt": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    membership = Membership.objects.filter(user=user, structure=structure).first()
    if membership is None:
        Membership.objects.create(
            user=user,
            structure=structure,
            role=MembershipRole.UTILISATEUR,
            status=MembershipStatus.VALIDEE,
            access_level=AccessLevel.MODIFICATION,
            decided_at=timezone.now(),
        )
    elif not membership.can_modify:
        raise ChorusError(
            "Le robot de cette structure n'a plus les droits de modification : "
            "rétablissez son rattachement.",
            code="interdit",
        )
    return user


def _clean_rules(rules: list[RuleData]) -> list[RuleData]:
    if not rules:
        raise ChorusError("Règles : au moins une règle est obligatoire.", field="rules")
    if len(rules) > 10:
        raise ChorusError("Règles : 10 au maximum.", field="rules")
    cleaned = []
    for index, rule in enumerate(rules, start=1):
        if rule.kind not in RuleKind.values:
            raise ChorusError(
                f"Règle {index} : « {rule.kind} » n'est pas une règle connue "
                f"({', '.join(RuleKind.values)}).",
                field="rules",
            )
        days, amount = rule.days, rule.amount
        if rule.kind in (RuleKind.SERVICE_DONE_AFTER, RuleKind.PAY_AFTER):
            try:
                days = int(days if days is not None else -1)
            except (TypeError, ValueError):
                days = -1
            if not 0 <= days <= 3650:
                raise ChorusError(
                    f"Règle {index} : nombre de jours obligatoire, entre 0 et 3650.",
                    field="days",
                )
        else:
            days = None
        if rule.kind == RuleKind.REJECT_ABOVE:
            try:
                amount = Decimal(str(amount).strip().replace(",", "."))
            except (ArithmeticError, ValueError):
                amount = None
            if amount is None or not amount.is_finite() or amount < 0:
                raise ChorusError(
                    f"Règle {index} : montant TTC obligatoire, positif ou nul.", field="amount"
                )
            amount = amount.quantize(Decimal("0.01"))
        else:
            amount = None
        codes = rule.service_codes if rule.kind == RuleKind.RECYCLE_UNKNOWN_SERVICE else ""
        if len(codes or "") > 500:
            raise ChorusError(f"Règle {index} : codes service trop longs.", field="service_codes")
        cleaned.append(RuleData(rule.kind, days, amount, (codes or "").strip()))
    return cleaned


def robot_scenario_set(
    *,
    structure: Structure,
    name: str,
    rules: list[RuleData],
    is_active: bool = True,
    open_to_all: bool | None = None,
) -> RobotScenario:
    """Give a public structure a robot scenario (replaces the previous rules)."""
    _require_sandbox_mode()
    if structure.kind != StructureKind.PUBLIQUE:
        raise ChorusError(
            "Structure : un robot ne peut être donné qu'à une structure publique.",
            field="structure",
        )
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ChorusError("Nom du scénario : obligatoire, 120 caractères au maximum.", field="name")
    rules = _clean_rules(rules)
    with transaction.atomic():
        robot = robot_user_ensure(structure=structure)
        scenario = RobotScenario.objects.select_for_update().filter(structure=structure).first()
        if scenario is None:
            scenario = RobotScenario(structure=structure, robot_user=robot)
        scenario.name, scenario.is_active = name, is_active
        if open_to_all is not None:
            scenario.open_to_all = open_to_all
        scenario.save()
        scenario.rules.all().delete()  # past actions go with the old rules
        RobotRule.objects.bulk_create(
            RobotRule(
                scenario=scenario,
                position=position,
                kind=rule.kind,
                days=rule.days,
                amount=rule.amount,
                service_codes=rule.service_codes,
            )
            for position, rule in enumerate(rules, start=1)
        )
    return scenario


def robot_scenario_disable(*, structure: Structure) -> None:
    RobotScenario.objects.filter(structure=structure).update(is_active=False)


# Reset -----------------------------------------------------------------------------------------
def _wipe_invoices(structures) -> int:
    """Delete invoices and flux of these suppliers or recipients, bypassing the archive guards.

    Sandbox exception to the ten-year archive rule: an administrator's explicit reset only.
    """
    from api.models import ApiFile
    from invoices.models import Flux, Invoice, InvoiceDocument

    invoices = Invoice.objects.filter(supplier__in=structures) | Invoice.objects.filter(
        recipient__in=structures
    )
    ids = list(invoices.values_list("pk", flat=True))
    InvoiceDocument.objects.filter(invoice_id__in=ids)._raw_delete(InvoiceDocument.objects.db)
    ApiFile.objects.filter(invoice_id__in=ids).update(invoice=None)
    Invoice.objects.filter(pk__in=ids).update(credited_invoice=None)
    collector = Collector(using=Invoice.objects.db)
    collector.collect(list(Invoice.objects.filter(pk__in=ids)))
    collector.delete()
    flux = list(Flux.objects.filter(supplier__in=structures))
    if flux:
        collector = Collector(using=Flux.objects.db)
        collector.collect(flux)
        collector.delete()
    return len(ids)


def sandbox_reset_default(*, by: User) -> int:
    """Reset the default sandbox: wipe its invoices and flux, reset its clock, reload the demo.

    Structures and users created by hand are kept; fresh isolated sandboxes are not touched.
    """
    _require_sandbox_mode()
    if not by.is_superuser:
        raise ChorusError("Réinitialisation réservée aux superutilisateurs.", code="interdit")
    from sandbox.demo import robots_demo_load
    from structures.demo import demo_load

    with transaction.atomic():
        isolated = Structure.objects.filter(sandboxes__is_default=False)
        structures = Structure.objects.exclude(pk__in=isolated)
        deleted = _wipe_invoices(structures)
        RobotAction.objects.filter(rule__scenario__structure__in=structures).delete()
        clock_reset()
        demo_load()
        robots_demo_load(force=True)
    return deleted


# Fresh isolated sandboxes -----------------------------------------------------------------------
def _luhn_complete(digits: str) -> str:
    for key in "0123456789":
        total = 0
        for i, ch in enumerate(reversed(digits + key)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return digits + key
    raise AssertionError("unreachable")


def siret_generate(*, prefix: str = "9") -> str:
    """A random SIRET with valid SIREN and SIRET check digits, not used by any structure."""
    while True:
        siren = _luhn_complete(prefix + "".join(secrets.choice("0123456789") for _ in range(7)))
        siret = _luhn_complete(siren + "0001")
        if not Structure.objects.filter(identifier_type="SIRET", identifier=siret).exists():
            return siret


def sandbox_create(*, name: str = "") -> dict[str, Any]:
    """A fresh isolated sandbox for a CI run: supplier, recipient with a robot, API credentials.

    Returns every identifier and secret once (secrets are stored hashed).
    """
    _require_sandbox_mode()
    from api.services import api_application_ensure, technical_account_create

    slug = secrets.token_hex(4)
    name = (name or "").strip()[:80] or f"Bac à sable CI {slug}"
    with transaction.atomic():
        sandbox = Sandbox.objects.create(name=name, slug=slug)
        supplier = Structure.objects.create(
            kind=StructureKind.PRIVEE,
            identifier_type="SIRET",
            identifier=siret_generate(prefix="9"),
            name=f"Fournisseur {slug} (fictif)",
            address="1 rue du Test",
            postal_code="75001",
            city="PARIS",
        )
        recipient = Structure.objects.create(
            kind=StructureKind.PUBLIQUE,
            identifier_type="SIRET",
            identifier=siret_generate(prefix="1"),
            name=f"Destinataire {slug} (fictif)",
            public_category=PublicCategory.ETAT,
            address="2 rue du Test",
            postal_code="75001",
            city="PARIS",
        )
        Service.objects.create(structure=recipient, code="SERVICE_CI", label="Service CI (fictif)")
        sandbox.structures.add(supplier, recipient)
        robot_scenario_set(
            structure=recipient,
            name="Parcours nominal",
            rules=[RuleData(RuleKind.SERVICE_DONE_AFTER, days=1), RuleData(RuleKind.PAY_AFTER, 5)],
            open_to_all=False,
        )
        client_id, client_secret = f"sbx-{slug}", secrets.token_urlsafe(24)
        api_application_ensure(
            client_id=client_id, client_secret=client_secret, name=f"Application {name}"
        )
        accounts = {}
        for role, structure in (("fournisseur", supplier), ("destinataire", recipient)):
            login, password = f"sbx-{slug}-{role}", secrets.token_urlsafe(12)
            technical_account_create(structure=structure, login=login, password=password)
            accounts[role] = {"login": login, "motDePasse": password}
    return {
        "bacASable": {"identifiant": slug, "nom": name},
        "oauth": {
            "tokenUrl": "/api/oauth/token",
            "clientId": client_id,
            "clientSecret": client_secret,
        },
        "fournisseur": {
            "idStructure": supplier.pk,
            "siret": supplier.identifier,
            "compteTechnique": accounts["fournisseur"],
        },
        "destinataire": {
            "idStructure": recipient.pk,
            "siret": recipient.identifier,
            "codeService": "SERVICE_CI",
            "compteTechnique": accounts["destinataire"],
        },
    }
