import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition

from structures.choices import (
    E_INVOICING_OBLIGATION,
    PAYMENT_DEADLINE_DAYS,
    AccessLevel,
    CompanyCategory,
    IdentifierType,
    MembershipRole,
    MembershipStatus,
    PublicCategory,
    StructureKind,
)


class CompanyRecord(models.Model):
    """One establishment of the local company register, standing in for INSEE's SIRENE base."""

    siret = models.CharField("SIRET", max_length=14, primary_key=True)
    name = models.CharField("dénomination", max_length=255)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    naf_code = models.CharField("code NAF", max_length=10, blank=True)
    category = models.CharField(
        "catégorie d'entreprise", max_length=5, choices=CompanyCategory.choices, blank=True
    )
    is_active = models.BooleanField("établissement actif", default=True)
    updated_on = models.DateField("mis à jour le", null=True, blank=True)

    class Meta:
        verbose_name = "établissement du répertoire"
        verbose_name_plural = "répertoire des établissements (SIRENE local)"
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.siret} — {self.name}"

    @property
    def siren(self) -> str:
        return self.siret[:9]


def ej_matches(regex: str, number: str) -> bool:
    """A structure's EJ format (its own data): the whole number matches; no format, anything."""
    return not regex or re.fullmatch(regex, number) is not None


class Structure(models.Model):
    """A "fiche structure": a supplier company (PRIVEE) or a public recipient (PUBLIQUE)."""

    kind = models.CharField("type", max_length=10, choices=StructureKind.choices)
    identifier_type = models.CharField(
        "type d'identifiant",
        max_length=20,
        choices=IdentifierType.choices,
        default=IdentifierType.SIRET,
    )
    identifier = models.CharField("identifiant", max_length=80)
    name = models.CharField("raison sociale", max_length=255)
    address = models.CharField("adresse", max_length=255, blank=True)
    postal_code = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    country = models.CharField("pays (code ISO)", max_length=2, default="FR")
    vat_number = models.CharField("n° de TVA intracommunautaire", max_length=20, blank=True)
    company_category = models.CharField(
        "catégorie d'entreprise", max_length=5, choices=CompanyCategory.choices, blank=True
    )
    public_category = models.CharField(
        "catégorie d'entité publique",
        max_length=25,
        choices=PublicCategory.choices,
        blank=True,
    )
    is_active = models.BooleanField("active", default=True)
    # Chorus Pro parameters of a public recipient (`consulterStructure` → `parametres`).
    service_code_required = models.BooleanField("code service obligatoire", default=False)
    ej_required = models.BooleanField("n° d'engagement juridique obligatoire", default=False)
    ej_or_service_required = models.BooleanField("EJ ou code service obligatoire", default=False)
    payment_status_not_reported = models.BooleanField(
        "statut de mise en paiement non remonté", default=False
    )
    ej_format_regex = models.CharField(
        "format des n° d'engagement (expression régulière)", max_length=200, blank=True
    )
    ej_format_label = models.CharField(
        "format des n° d'engagement (en clair)", max_length=200, blank=True
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["identifier_type", "identifier"], name="uniq_structure_identifier"
            )
        ]
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def is_public(self) -> bool:
        return self.kind == StructureKind.PUBLIQUE

    @property
    def siret(self) -> str:
        return self.identifier if self.identifier_type == IdentifierType.SIRET else ""

    @property
    def siren(self) -> str:
        return self.siret[:9]

    @property
    def e_invoicing_obligation_date(self) -> datetime.date | None:
        return E_INVOICING_OBLIGATION.get(self.company_category)

    @property
    def payment_deadline_days(self) -> int | None:
        return PAYMENT_DEADLINE_DAYS.get(self.public_category)

    @property
    def required_info(self) -> str:
        """What an invoice must carry, in the order OCA derives it from the parameters."""
        if self.ej_or_service_required:
            return "service_or_engagement"
        if self.service_code_required and self.ej_required:
            return "service_and_engagement"
        if self.service_code_required:
            return "service"
        if self.ej_required:
            return "engagement"
        return "none"

    def ej_matches_format(self, number: str) -> bool:
        return ej_matches(self.ej_format_regex, number)


class Service(models.Model):
    """A service of a public structure (code service / service exécutant)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="services")
    code = models.CharField("code service", max_length=100)
    label = models.CharField("libellé", max_length=255)
    is_active = models.BooleanField("actif", default=True)
    ej_required = models.BooleanField("n° d'engagement obligatoire pour ce service", default=False)
    valid_from = models.DateField("début de validité", null=True, blank=True)
    valid_until = models.DateField("fin de validité", null=True, blank=True)

    class Meta:
        verbose_name = "service"
        verbose_name_plural = "services"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="uniq_service_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class EngagementJuridique(models.Model):
    """A legal commitment (purchase order) published by a public structure."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="engagements")
    number = models.CharField("n° d'engagement", max_length=50)
    supplier_siret = models.CharField("SIRET du fournisseur", max_length=14, blank=True)
    amount = models.DecimalField("montant", max_digits=15, decimal_places=2, null=True, blank=True)
    valid_from = models.DateField("début de validité", null=True, blank=True)
    valid_until = models.DateField("fin de validité", null=True, blank=True)

    class Meta:
        verbose_name = "engagement juridique"
        verbose_name_plural = "engagements juridiques"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["structure", "number"], name="uniq_ej_number")
        ]

    def __str__(self) -> str:
        return self.number


class Membership(models.Model):
    """A user's attachment (rattachement) to a structure, with its validation lifecycle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        "rôle", max_length=25, choices=MembershipRole.choices, default=MembershipRole.UTILISATEUR
    )
    status = FSMField(
        "statut",
        max_length=25,
        choices=MembershipStatus.choices,
        default=MembershipStatus.EN_COURS_DE_VALIDATION,
        protected=True,
    )
    requested_at = models.DateTimeField("demandé le", auto_now_add=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidé par",
    )
    comment = models.CharField("commentaire", max_length=500, blank=True)
    # Set when the principal manager invited the user: a pending invitation is the user's to
    # accept or decline (never the manager's to validate); the membership is active once accepted.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="invité(e) par",
    )
    access_level = models.CharField(
        "habilitation",
        max_length=15,
        choices=AccessLevel.choices,
        default=AccessLevel.MODIFICATION,
        help_text="En consultation uniquement, l'utilisateur voit les factures sans les traiter.",
    )
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="assigned_memberships",
        verbose_name="services traités",
        help_text="Structure publique : services dont l'utilisateur traite les factures "
        "(aucun = tous les services).",
    )

    class Meta:
        verbose_name = "rattachement"
        verbose_name_plural = "rattachements"
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "structure"], name="uniq_membership"),
            # At most one active principal manager per structure.
            models.UniqueConstraint(
                fields=["structure"],
                condition=Q(role="GESTIONNAIRE_PRINCIPAL", status="VALIDEE"),
                name="uniq_principal_per_structure",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.structure} ({self.get_status_display()})"

    @property
    def can_modify(self) -> bool:
        return (
            self.status == MembershipStatus.VALIDEE
            and self.access_level == AccessLevel.MODIFICATION
        )

    @property
    def is_invitation(self) -> bool:
        """A pending invitation, awaiting the invited user's answer."""
        return self.invited_by_id is not None and (
            self.status == MembershipStatus.EN_COURS_DE_VALIDATION
        )

    @property
    def is_principal(self) -> bool:
        return (
            self.role == MembershipRole.GESTIONNAIRE_PRINCIPAL
            and self.status == MembershipStatus.VALIDEE
        )

    # Transitions change fields on self only; services do the logging and e-mails.
    @transition(
        field=status,
        source=MembershipStatus.EN_COURS_DE_VALIDATION,
        target=MembershipStatus.VALIDEE,
    )
    def approve(self, *, by, at: datetime.datetime) -> None:
        self.decided_by, self.decided_at = by, at

    @transition(
        field=status,
        source=MembershipStatus.EN_COURS_DE_VALIDATION,
        target=MembershipStatus.REFUSEE,
    )
    def refuse(self, *, by, at: datetime.datetime, comment: str = "") -> None:
        self.decided_by, self.decided_at, self.comment = by, at, comment

    @transition(field=status, source=MembershipStatus.VALIDEE, target=MembershipStatus.DESACTIVEE)
    def deactivate(self, *, by, at: datetime.datetime) -> None:
        self.decided_by, self.decided_at = by, at
        self.role = MembershipRole.UTILISATEUR

    @transition(
        field=status,
        source=[MembershipStatus.REFUSEE, MembershipStatus.DESACTIVEE],
        target=MembershipStatus.EN_COURS_DE_VALIDATION,
    )
    def resubmit(self, *, comment: str = "", invited_by=None) -> None:
        self.decided_by, self.decided_at, self.comment = None, None, comment
        self.role = MembershipRole.UTILISATEUR
        self.invited_by = invited_by


class StructureLog(models.Model):
    """Audit trail of a structure: creation, attachment decisions, role transfers…"""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="logs")
    action = models.CharField("action", max_length=80)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisateur concerné",
    )
    message = models.CharField("description", max_length=500)
    data = models.JSONField("données", default=dict, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "historique de structure"
        verbose_name_plural = "historique des structures"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class BankAccount(models.Model):
    """A structure's bank details (`coordonnées bancaires`): several per structure, one default.

    The id is `idCoordonneeBancaire` (`recuperer/coordbanc/valides`) and the
    `fournisseur.codeCoordonneesBancairesFournisseur` of `soumettre`. Never deleted once created
    (invoices cite it): deactivated instead.
    """

    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, related_name="bank_accounts", verbose_name="structure"
    )
    label = models.CharField("libellé", max_length=100)
    iban = models.CharField("IBAN", max_length=34)
    bic = models.CharField("BIC", max_length=11, blank=True)
    is_active = models.BooleanField("active", default=True)
    is_default = models.BooleanField("par défaut", default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "coordonnée bancaire"
        verbose_name_plural = "coordonnées bancaires"
        ordering = ["-is_default", "label", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["structure"],
                condition=models.Q(is_default=True),
                name="uniq_default_bank_account",
            ),
            models.UniqueConstraint(fields=["structure", "iban"], name="uniq_structure_iban"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.masked_iban})"

    @property
    def masked_iban(self) -> str:
        return f"{self.iban[:4]} •••• {self.iban[-4:]}" if self.iban else ""

    @property
    def formatted_iban(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))
