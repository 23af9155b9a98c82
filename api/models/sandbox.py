"""Sandbox controls for integrators (issue 8): fault rules, request log, events and webhooks.

Everything is scoped by (PISTE application — its `client_id`, the OAuth application model being
swappable —, structure of the technical account): an integrator
sees and drives only what its own calls touch, even on the shared sandbox application.

Events: `ApiEvent` rows are written in the same transaction as the change they describe: the
invoice services call `invoices.hooks` explicitly (an `InvoiceEvent` whose status changes, a `Flux`
created or changing state) and `ApiConfig.ready` registers `api.events` as the listener.
`seq` — the feed cursor — is assigned after commit by `api.events.events_sequence` (see there
why it never skips an event).
"""

from django.db import models


class FaultKind(models.TextChoices):
    UNAUTHORIZED = "401", "401 — non authentifié (corps vide)"
    FORBIDDEN = "403", "403 — interdit (corps vide)"
    TOO_MANY = "429", "429 — trop de requêtes (Retry-After)"
    SERVER_ERROR = "500", "500 — erreur interne"
    UNAVAILABLE = "503", "503 — service indisponible"
    DELAY = "delay", "Délai de réponse"
    FLUX_INCIDENT = "flux_incidente", "Flux terminé IN_INCIDENTE (aucune facture intégrée)"
    FLUX_PARTIAL = "flux_partiel", "Flux terminé IN_INTEGRE_PARTIEL (1re facture seule intégrée)"


class FaultRule(models.Model):
    """Make matching `/cpro/` calls fail: with a probability, or for the next N calls."""

    client_id = models.CharField("application (client_id)", max_length=100, db_index=True)
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="+"
    )
    path_pattern = models.CharField(
        "chemin (motif)",
        max_length=200,
        default="*",
        help_text="Relatif à /cpro/, jokers * et ? ; ex. « factures/v1/* ».",
    )
    kind = models.CharField("effet", max_length=20, choices=FaultKind.choices)
    delay_ms = models.PositiveIntegerField("délai (ms)", default=0)
    retry_after = models.PositiveIntegerField("Retry-After (s)", default=1)
    probability = models.PositiveSmallIntegerField("probabilité (%)", default=100)
    remaining_calls = models.PositiveIntegerField(
        "appels restants", null=True, blank=True, help_text="Vide : sans limite."
    )
    enabled = models.BooleanField("active", default=True)
    hits = models.PositiveIntegerField("déclenchements", default=0)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "panne simulée"
        verbose_name_plural = "pannes simulées"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sur {self.path_pattern}"


class RequestLogEntry(models.Model):
    """One API call as the integrator's software sent it (secrets masked, bodies truncated)."""

    client_id = models.CharField("application (client_id)", max_length=100, db_index=True)
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, null=True, related_name="+"
    )
    login = models.CharField("compte technique", max_length=150, blank=True)
    method = models.CharField("méthode", max_length=10)
    path = models.CharField("chemin", max_length=300)
    query = models.CharField("paramètres", max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField("statut HTTP")
    duration_ms = models.PositiveIntegerField("durée (ms)")
    request_headers = models.JSONField("en-têtes", default=dict)
    request_body = models.TextField("corps de la requête", blank=True)
    response_body = models.TextField("corps de la réponse", blank=True)
    fault = models.CharField("panne simulée", max_length=100, blank=True)
    created_at = models.DateTimeField("reçue le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "requête API journalisée"
        verbose_name_plural = "journal des requêtes API"
        ordering = ["-id"]
        indexes = [models.Index(fields=["client_id", "structure", "-id"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status_code}"


class ApiEvent(models.Model):
    """A status change of an invoice or a state change of a flux, as the feed exposes it."""

    class Kind(models.TextChoices):
        INVOICE = "facture", "Facture"
        FLUX = "flux", "Flux"

    seq = models.PositiveBigIntegerField("curseur", null=True, blank=True, unique=True)
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    flux = models.ForeignKey(
        "invoices.Flux", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    supplier = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, null=True, related_name="+"
    )
    recipient = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField("état précédent", max_length=40, blank=True)
    to_state = models.CharField("nouvel état", max_length=40)
    payload = models.JSONField("contenu", default=dict)
    created_at = models.DateTimeField("date", auto_now_add=True)

    class Meta:
        verbose_name = "événement API"
        verbose_name_plural = "événements API"
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_state} → {self.to_state}"


class EventConsumer(models.Model):
    """Acknowledgement position of the pull feed for one (application, structure)."""

    client_id = models.CharField("application (client_id)", max_length=100, db_index=True)
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="+"
    )
    acked_seq = models.PositiveBigIntegerField("acquitté jusqu'à", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "structure"], name="uniq_event_consumer")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} / {self.structure_id} → {self.acked_seq}"


class WebhookSubscription(models.Model):
    client_id = models.CharField("application (client_id)", max_length=100, db_index=True)
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField("URL", max_length=500)
    secret = models.CharField("secret de signature", max_length=200)
    is_active = models.BooleanField("actif", default=True)
    cursor_seq = models.PositiveBigIntegerField("dernier événement programmé", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "abonnement webhook"
        verbose_name_plural = "abonnements webhook"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "en_attente", "En attente"
        DELIVERED = "livree", "Livrée"
        FAILED = "echec", "Échec définitif"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(ApiEvent, on_delete=models.CASCADE, related_name="+")
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    log = models.JSONField("tentatives (journal)", default=list)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "livraison webhook"
        verbose_name_plural = "livraisons webhook"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=models.Q(replay_of__isnull=True),
                name="uniq_webhook_delivery",
            )
        ]

    def __str__(self) -> str:
        return f"livraison {self.pk} ({self.status})"
