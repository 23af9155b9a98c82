"""The invoice ("demande de paiement"), its lines and its audit trail (`InvoiceEvent`).

The status follows chorus-pro.md §4.2. Transitions only change fields on `self`: services lock the
row, check `can_proceed`, call the transition, save, write an `InvoiceEvent` and schedule side
effects with `transaction.on_commit`.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from chorus import clock
from chorus.exceptions import ChorusError
from invoices.choices import (
    VAT_RATE_CHOICES,
    Cadre,
    DepositMode,
    InvoiceStatus,
    InvoiceType,
    PaymentMode,
    RejectionReason,
    RoutingError,
    VatExemptionReason,
)

S = InvoiceStatus
# A recipient may process an invoice in these statuses (PAS `getListeStatutCourant`).
PROCESSABLE = [S.MISE_A_DISPOSITION, S.COMPLETEE]
# Optional intermediate statuses may be skipped: every later status is reachable (§4.2 table).
AFTER_SERVICE_FAIT = [*PROCESSABLE, S.SERVICE_FAIT]
AFTER_MANDATEE = [*AFTER_SERVICE_FAIT, S.MANDATEE]
AFTER_MISE_A_DISPOSITION_COMPTABLE = [*AFTER_MANDATEE, S.MISE_A_DISPOSITION_COMPTABLE]
AFTER_COMPTABILISEE = [*AFTER_MISE_A_DISPOSITION_COMPTABLE, S.COMPTABILISEE]

invoice_number_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9/_.\-]{0,19}$",
    "Numéro de facture : 1 à 20 caractères, lettres, chiffres et / _ . - uniquement.",
)

# Fields that may not change once the invoice has left BROUILLON (legal immutability).
FROZEN_FIELDS = (
    "supplier_id",
    "number",
    "type",
    "cadre",
    "currency",
    "issue_date",
    "total_net",
    "total_vat",
    "total_gross",
    "vat_breakdown",
    "supplier_snapshot",
    "credited_invoice_id",
)


class InvoiceQuerySet(models.QuerySet):
    def delete(self):
        if self.exclude(status=InvoiceStatus.BROUILLON).exists():
            raise ChorusError(
                "Seul un brouillon peut être supprimé : une facture déposée est conservée.",
                code="facture_figee",
            )
        return super().delete()


class Invoice(ConcurrentTransitionMixin, models.Model):
    supplier = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        related_name="issued_invoices",
        verbose_name="fournisseur",
    )
    # What the supplier typed, and what routing resolved it to.
    recipient_siret = models.CharField("SIRET du destinataire (saisi)", max_length=14, blank=True)
    recipient = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_invoices",
        verbose_name="destinataire",
    )
    service_code = models.CharField("code service (saisi)", max_length=100, blank=True)
    service = models.ForeignKey(
        "structures.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name="service",
    )
    ej_number = models.CharField("n° d'engagement juridique", max_length=50, blank=True)

    number = models.CharField(
        "numéro de facture", max_length=20, blank=True, validators=[invoice_number_validator]
    )
    # issue_date.year, set on deposit: the duplicate-number rule is per supplier and year.
    number_year = models.PositiveSmallIntegerField("année de numérotation", null=True, blank=True)
    type = models.CharField(
        "type", max_length=10, choices=InvoiceType.choices, default=InvoiceType.FACTURE
    )
    cadre = models.CharField(
        "cadre de facturation",
        max_length=40,
        choices=Cadre.choices,
        default=Cadre.A1_FACTURE_FOURNISSEUR,
    )
    deposit_mode = models.CharField(
        "mode de dépôt",
        max_length=30,
        choices=DepositMode.choices,
        default=DepositMode.SAISIE_PORTAIL,
    )
    currency = models.CharField("devise", max_length=3, default="EUR")
    issue_date = models.DateField("date de facture", null=True, blank=True)
    due_date = models.DateField("date d'échéance", null=True, blank=True)
    payment_mode = models.CharField(
        "mode de paiement", max_length=15, choices=PaymentMode.choices, blank=True
    )
    comment = models.TextField("commentaire", blank=True)
    # The supplier's bank details chosen for this invoice (`codeCoordonneesBancairesFournisseur`);
    # none: the supplier's default account at deposit. Copied into `supplier_snapshot`.
    bank_account = models.ForeignKey(
        "structures.BankAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="coordonnée bancaire",
    )
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name="facture d'origine (avoir)",
    )

    total_net = models.DecimalField("total HT", max_digits=15, decimal_places=2, default=0)
    total_vat = models.DecimalField("total TVA", max_digits=15, decimal_places=2, default=0)
    total_gross = models.DecimalField("total TTC", max_digits=15, decimal_places=2, default=0)
    vat_breakdown = models.JSONField("ventilation de la TVA", default=list, blank=True)

    # Identity of the parties as they were at deposit (name, siret, address, vat_number).
    supplier_snapshot = models.JSONField("fournisseur (à la date de dépôt)", default=dict)
    recipient_snapshot = models.JSONField("destinataire (à l'acheminement)", default=dict)

    status = FSMField(
        "statut",
        max_length=30,
        choices=InvoiceStatus.choices,
        default=InvoiceStatus.BROUILLON,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    # The one-time token of the portal form that created it (hidden field): the same form sent
    # twice finds this invoice instead of creating another (issue 14 item 17).
    form_token = models.UUIDField("jeton du formulaire de saisie", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    deposited_at = models.DateTimeField("déposée le", null=True, blank=True)
    made_available_at = models.DateTimeField("mise à disposition le", null=True, blank=True)

    routing_error = models.CharField(
        "motif de recyclage", max_length=30, choices=RoutingError.choices, blank=True
    )
    routing_error_detail = models.CharField("détail du recyclage", max_length=500, blank=True)
    rejection_reason = models.CharField(
        "motif de rejet", max_length=30, choices=RejectionReason.choices, blank=True
    )
    rejection_comment = models.CharField("commentaire de rejet", max_length=255, blank=True)
    rejection_acknowledged_at = models.DateTimeField("rejet acquitté le", null=True, blank=True)
    rejection_processed_at = models.DateTimeField("rejet traité le", null=True, blank=True)
    suspension_reason = models.CharField("motif de suspension", max_length=255, blank=True)
    suspension_acknowledged_at = models.DateTimeField(
        "suspension acquittée le", null=True, blank=True
    )
    completion_comment = models.TextField("commentaire de complément", blank=True)
    completed_at = models.DateTimeField("complétée le", null=True, blank=True)
    service_done_on = models.DateField("date du service fait", null=True, blank=True)
    mandate_number = models.CharField("n° de mandat / DP", max_length=50, blank=True)
    payment_date = models.DateField("date de mise en paiement", null=True, blank=True)
    payment_amount = models.DecimalField(
        "montant mis en paiement", max_digits=15, decimal_places=2, null=True, blank=True
    )
    technical_error = models.TextField("erreur technique", blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "facture"
        verbose_name_plural = "factures"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One invoice per submitted portal form (a double click sends the form twice).
            models.UniqueConstraint(
                fields=["supplier", "form_token"], name="uniq_invoice_form_token"
            ),
            # Backstop of the service check: one number per supplier and year, REJETEE excluded.
            models.UniqueConstraint(
                fields=["supplier", "number_year", "number"],
                condition=Q(number_year__isnull=False) & ~Q(status="REJETEE"),
                name="uniq_invoice_number_per_supplier_year",
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "status"]),
            models.Index(fields=["recipient", "status"]),
            # "Factures émises" pages: newest first per supplier, keyset on (created_at, id).
            models.Index(fields=["supplier", "-created_at", "-id"], name="invoice_issued_page_idx"),
            # "Factures reçues" pages: newest first per recipient, keyset on id. Without it a small
            # recipient's page scans the whole table backwards by primary key.
            models.Index(fields=["recipient", "-id"], name="invoice_received_page_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.number or '(sans numéro)'}"

    # Immutability: see FROZEN_FIELDS and `delete`.
    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded_status = getattr(self, "_loaded_status", None)
        if self.pk and loaded_status not in (None, InvoiceStatus.BROUILLON):
            changed = [
                name
                for name, value in self._loaded_frozen.items()
                if self.__dict__.get(name) != value
            ]
            if changed:
                raise ChorusError(
                    "Une facture déposée ne peut plus être modifiée "
                    f"(champs : {', '.join(changed)}).",
                    field=changed[0],
                    code="facture_figee",
                )
        super().save(*args, **kwargs)
        self._remember_frozen()

    def delete(self, *args: Any, **kwargs: Any):
        if self.status != InvoiceStatus.BROUILLON:
            raise ChorusError(
                "Seul un brouillon peut être supprimé : une facture déposée est conservée.",
                code="facture_figee",
            )
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_frozen()
        return instance

    def _remember_frozen(self) -> None:
        self._loaded_status = self.__dict__.get("status")
        self._loaded_frozen = {name: self.__dict__.get(name) for name in FROZEN_FIELDS}

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._remember_frozen()

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.BROUILLON

    # Supplier and system transitions ------------------------------------------------------------
    @transition(field=status, source=S.BROUILLON, target=S.DEPOSEE)
    def submit(self, *, at: datetime.datetime) -> None:
        self.deposited_at = at
        self.number_year = self.issue_date.year if self.issue_date else None

    @transition(field=status, source=S.DEPOSEE, target=S.EN_COURS_ACHEMINEMENT)
    def start_routing(self) -> None:
        pass

    @transition(field=status, source=S.EN_COURS_ACHEMINEMENT, target=S.MISE_A_DISPOSITION)
    def make_available(self, *, recipient, service, at: datetime.datetime) -> None:
        self.recipient, self.service, self.made_available_at = recipient, service, at
        self.routing_error, self.routing_error_detail = "", ""

    @transition(field=status, source=S.EN_COURS_ACHEMINEMENT, target=S.A_RECYCLER)
    def refuse_routing(self, *, error: str, detail: str) -> None:
        """Routing found wrong recipient data: back to the supplier (system, not the recipient)."""
        self.routing_error, self.routing_error_detail = error, detail

    @transition(
        field=status, source=[S.DEPOSEE, S.EN_COURS_ACHEMINEMENT], target=S.ERREUR_TECHNIQUE
    )
    def fail(self, *, error: str) -> None:
        self.technical_error = error

    @transition(field=status, source=S.A_RECYCLER, target=S.DEPOSEE)
    def recycle(self, *, recipient_siret: str, service_code: str, ej_number: str) -> None:
        """Only the routing data may change; the number and the amounts stay (§4.4)."""
        self.recipient_siret, self.service_code, self.ej_number = (
            recipient_siret,
            service_code,
            ej_number,
        )
        self.recipient, self.service = None, None

    @transition(field=status, source=S.SUSPENDUE, target=S.COMPLETEE)
    def complete(self, *, comment: str, at: datetime.datetime) -> None:
        self.completion_comment, self.completed_at = comment, at

    @transition(field=status, source=S.REJETEE, target=S.REJETEE)
    def acknowledge_rejection(self, *, at: datetime.datetime) -> None:
        self.rejection_acknowledged_at = self.rejection_acknowledged_at or at

    @transition(field=status, source=S.REJETEE, target=S.REJETEE)
    def process_rejection(self, *, at: datetime.datetime) -> None:
        """«Traiter le rejet»: leaves the supplier's Synthèse; implies acknowledgement."""
        self.rejection_acknowledged_at = self.rejection_acknowledged_at or at
        self.rejection_processed_at = at

    @transition(field=status, source=S.SUSPENDUE, target=S.SUSPENDUE)
    def acknowledge_suspension(self, *, at: datetime.datetime) -> None:
        self.suspension_acknowledged_at = self.suspension_acknowledged_at or at

    # Recipient transitions (§4.2 table) ---------------------------------------------------------
    @transition(field=status, source=PROCESSABLE, target=S.A_RECYCLER)
    def send_to_recycle(self, *, detail: str) -> None:
        self.routing_error, self.routing_error_detail = RoutingError.DESTINATAIRE, detail

    @transition(field=status, source=AFTER_MANDATEE, target=S.REJETEE)
    def reject(self, *, reason: str, comment: str) -> None:
        self.rejection_reason, self.rejection_comment = reason, comment
        self.rejection_acknowledged_at = self.rejection_processed_at = None

    @transition(field=status, source=AFTER_SERVICE_FAIT, target=S.SUSPENDUE)
    def suspend(self, *, reason: str) -> None:
        self.suspension_reason, self.suspension_acknowledged_at = reason, None

    @transition(field=status, source=PROCESSABLE, target=S.SERVICE_FAIT)
    def mark_service_done(self, *, on: datetime.date) -> None:
        self.service_done_on = on

    @transition(field=status, source=AFTER_SERVICE_FAIT, target=S.MANDATEE)
    def mandate(self, *, mandate_number: str) -> None:
        self.mandate_number = mandate_number

    @transition(field=status, source=AFTER_MANDATEE, target=S.MISE_A_DISPOSITION_COMPTABLE)
    def make_available_to_accounting(self) -> None:
        pass

    @transition(field=status, source=AFTER_MISE_A_DISPOSITION_COMPTABLE, target=S.COMPTABILISEE)
    def mark_accounted(self) -> None:
        pass

    @transition(field=status, source=AFTER_COMPTABILISEE, target=S.MISE_EN_PAIEMENT)
    def mark_paid(self, *, on: datetime.date, amount: Decimal) -> None:
        self.payment_date, self.payment_amount = on, amount


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField("n° de ligne")
    designation = models.CharField("désignation", max_length=255)
    quantity = models.DecimalField("quantité", max_digits=15, decimal_places=4)
    unit = models.CharField("unité", max_length=20, default="U")
    unit_price = models.DecimalField("prix unitaire HT", max_digits=15, decimal_places=4)
    vat_rate = models.DecimalField(
        "taux de TVA", max_digits=5, decimal_places=2, choices=VAT_RATE_CHOICES
    )
    exemption_reason = models.CharField(
        "motif d'exonération", max_length=30, choices=VatExemptionReason.choices, blank=True
    )
    line_net = models.DecimalField("montant HT", max_digits=15, decimal_places=2)

    class Meta:
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de facture"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="uniq_invoice_line_pos")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.designation}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._check_draft()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        self._check_draft()
        return super().delete(*args, **kwargs)

    def _check_draft(self) -> None:
        status = Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True).first()
        if status not in (None, InvoiceStatus.BROUILLON):
            raise ChorusError(
                "Les lignes d'une facture déposée ne peuvent plus être modifiées.",
                field="lines",
                code="facture_figee",
            )


class InvoiceEvent(models.Model):
    """Audit trail and timeline ("historique"): written by services only, never edited."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("action", max_length=80)  # an InvoiceAction (invoices/vocabulary.py)
    from_status = models.CharField(
        "statut d'origine", max_length=30, choices=InvoiceStatus.choices, blank=True
    )
    to_status = models.CharField(
        "statut cible", max_length=30, choices=InvoiceStatus.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    reason = models.CharField("motif", max_length=500, blank=True)
    data = models.JSONField("données", default=dict, blank=True)
    # The sandbox clock (chorus.clock): history reads in the same time as deadlines and robots.
    created_at = models.DateTimeField("date", default=clock.now, db_index=True)

    class Meta:
        verbose_name = "événement de facture"
        verbose_name_plural = "historique des factures"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
