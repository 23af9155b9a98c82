"""Sandbox controls (not Chorus Pro): per-sandbox clock, recipient robots and their actions.

`Sandbox` with `is_default` is the shared sandbox of the portal (a singleton); the others are fresh
isolated sandboxes created for a CI run, each owning its structures and its own clock.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Sandbox(models.Model):
    name = models.CharField("nom", max_length=120)
    slug = models.SlugField("identifiant", max_length=40, unique=True)
    is_default = models.BooleanField("bac à sable par défaut", default=False)
    offset_seconds = models.BigIntegerField("avance de l'horloge (secondes)", default=0)
    frozen_at = models.DateTimeField("horloge figée à", null=True, blank=True)
    structures = models.ManyToManyField(
        "structures.Structure", blank=True, related_name="sandboxes", verbose_name="structures"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable"
        verbose_name_plural = "bacs à sable"
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="uniq_default_sandbox"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def simulated_now(self, *, real: datetime.datetime) -> datetime.datetime:
        if self.frozen_at is not None:
            return self.frozen_at
        return real + datetime.timedelta(seconds=self.offset_seconds)


class RuleKind(models.TextChoices):
    SUSPEND_NO_ATTACHMENT = "SUSPEND_NO_ATTACHMENT", "Suspendre si aucune pièce jointe"
    RECYCLE_UNKNOWN_SERVICE = "RECYCLE_UNKNOWN_SERVICE", "Mettre à recycler si service inconnu"
    REJECT_ABOVE = "REJECT_ABOVE", "Rejeter au-dessus d'un montant TTC"
    SERVICE_DONE_AFTER = "SERVICE_DONE_AFTER", "Service fait N jours après la réception"
    PAY_AFTER = "PAY_AFTER", "Mise en paiement N jours après la réception"
    NEVER_ANSWER = "NEVER_ANSWER", "Ne jamais répondre"


class RobotScenario(models.Model):
    """The robot of a public structure: ordered rules applied to the invoices it receives."""

    structure = models.OneToOneField(
        "structures.Structure",
        on_delete=models.CASCADE,
        related_name="robot_scenario",
        verbose_name="structure destinataire",
    )
    name = models.CharField("nom du scénario", max_length=120)
    is_active = models.BooleanField("actif", default=True)
    open_to_all = models.BooleanField(
        "visible de tous",
        default=False,
        help_text="Destinataires de démonstration : tout utilisateur connecté voit le scénario ; "
        "seuls les administrateurs du bac à sable le changent.",
    )
    robot_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="utilisateur robot",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "scénario de robot destinataire"
        verbose_name_plural = "scénarios de robots destinataires"

    def __str__(self) -> str:
        return f"{self.name} ({self.structure})"


class RobotRule(models.Model):
    scenario = models.ForeignKey(RobotScenario, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField("ordre")
    kind = models.CharField("règle", max_length=30, choices=RuleKind.choices)
    days = models.PositiveIntegerField("jours", null=True, blank=True)
    amount = models.DecimalField(
        "montant TTC", max_digits=15, decimal_places=2, null=True, blank=True
    )
    service_codes = models.CharField(
        "codes service connus", max_length=500, blank=True, help_text="Séparés par des virgules."
    )

    class Meta:
        verbose_name = "règle de robot"
        verbose_name_plural = "règles de robot"
        ordering = ["scenario", "position"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="uniq_rule_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.describe()}"

    @property
    def codes(self) -> list[str]:
        return [code.strip() for code in self.service_codes.split(",") if code.strip()]

    def describe(self) -> str:
        label = self.get_kind_display()
        if self.kind == RuleKind.REJECT_ABOVE:
            return f"{label} ({self.amount} €)"
        if self.kind in (RuleKind.SERVICE_DONE_AFTER, RuleKind.PAY_AFTER):
            return label.replace("N jours", f"{self.days} jour(s)")
        if self.kind == RuleKind.RECYCLE_UNKNOWN_SERVICE and self.codes:
            return f"{label} (connus : {', '.join(self.codes)})"
        return label


class RobotAction(models.Model):
    """One rule acted once on one invoice: the idempotency record of the robots."""

    rule = models.ForeignKey(RobotRule, on_delete=models.CASCADE, related_name="actions")
    invoice = models.ForeignKey("invoices.Invoice", on_delete=models.CASCADE, related_name="+")
    simulated_at = models.DateTimeField("date simulée")
    to_status = models.CharField("statut obtenu", max_length=40)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "action de robot"
        verbose_name_plural = "actions de robot"
        constraints = [
            models.UniqueConstraint(fields=["rule", "invoice"], name="uniq_robot_action")
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.invoice_id}"
