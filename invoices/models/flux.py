"""A deposited EDI file (flux) and its processing state."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from invoices.models import flux_upload_to
from invoices.models.invoice import Invoice


class FluxState(models.TextChoices):
    IN_RECU = "IN_RECU", "Reçu"
    IN_EN_TRAITEMENT = "IN_EN_TRAITEMENT", "En cours de traitement"
    IN_INTEGRE = "IN_INTEGRE", "Intégré"
    IN_INTEGRE_PARTIEL = "IN_INTEGRE_PARTIEL", "Intégré partiellement"
    IN_REJETE = "IN_REJETE", "Rejeté"
    # « Flux en incident »: a technical failure of the platform, no invoice integrated.
    IN_INCIDENTE = "IN_INCIDENTE", "En incident"


class Flux(ConcurrentTransitionMixin, models.Model):
    """One deposited file (XML, Factur-X PDF or zip / tar.gz batch) and its compte rendu."""

    supplier = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        related_name="flux",
        verbose_name="fournisseur",
    )
    syntax = models.CharField("syntaxe du flux", max_length=40, blank=True)
    file = models.FileField("fichier", upload_to=flux_upload_to, max_length=255)
    filename = models.CharField("nom du fichier", max_length=255)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    state = FSMField(
        "état",
        max_length=30,
        choices=FluxState.choices,
        default=FluxState.IN_RECU,
        protected=True,
        db_index=True,
    )
    report = models.JSONField("compte rendu", default=dict, blank=True)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="flux")
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="déposé par",
    )
    # On the supplier's sandbox clock (set by `flux_deposit`), like the invoices it carries.
    created_at = models.DateTimeField("reçu le", default=timezone.now)
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    # Sandbox fault injection (issue 8): the outcome an integrator's fault rule imposes on this
    # flow (IN_INCIDENTE or IN_INTEGRE_PARTIEL), recorded at deposit and honoured by
    # `invoices.flux.flux_process`; empty for a normal flow.
    forced_outcome = models.CharField(
        "issue imposée (panne simulée)",
        max_length=30,
        blank=True,
        default="",
        choices=[
            (FluxState.IN_INCIDENTE, FluxState.IN_INCIDENTE.label),
            (FluxState.IN_INTEGRE_PARTIEL, FluxState.IN_INTEGRE_PARTIEL.label),
        ],
    )

    class Meta:
        verbose_name = "flux"
        verbose_name_plural = "flux"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.numero

    @property
    def numero(self) -> str:
        """`numeroFluxDepot` style: CPP + zero-padded id (CPP0000000000000000000042)."""
        return f"CPP{self.pk or 0:022d}"

    @transition(field=state, source=FluxState.IN_RECU, target=FluxState.IN_EN_TRAITEMENT)
    def start_processing(self) -> None:
        pass

    @transition(field=state, source=FluxState.IN_EN_TRAITEMENT, target=FluxState.IN_INTEGRE)
    def integrate(self, *, report: dict, at: datetime.datetime) -> None:
        self.report, self.processed_at = report, at

    @transition(field=state, source=FluxState.IN_EN_TRAITEMENT, target=FluxState.IN_INTEGRE_PARTIEL)
    def integrate_partially(self, *, report: dict, at: datetime.datetime) -> None:
        self.report, self.processed_at = report, at

    @transition(field=state, source=FluxState.IN_EN_TRAITEMENT, target=FluxState.IN_REJETE)
    def reject(self, *, report: dict, at: datetime.datetime) -> None:
        self.report, self.processed_at = report, at

    @transition(field=state, source=FluxState.IN_EN_TRAITEMENT, target=FluxState.IN_INCIDENTE)
    def mark_incident(self, *, report: dict, at: datetime.datetime) -> None:
        self.report, self.processed_at = report, at
