import contextlib
import datetime
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import models
from redis.exceptions import RedisError

from chorus import clock


class TechnicalAccount(models.Model):
    """A "compte technique": the `cpro-account` login of an integrator, attached to one structure.

    API calls act through `user`, a service account attached to the structure like a person, so the
    API goes through the same services and permission checks as the portal. Its password expires
    (`dateExpirationMotPasseCompteTech` on the real platform).
    """

    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="technical_accounts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="technical_account"
    )
    login = models.CharField("identifiant", max_length=150, unique=True)
    password_hash = models.CharField("mot de passe (haché)", max_length=200)
    password_expires_at = models.DateTimeField("expiration du mot de passe")
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "compte technique"
        verbose_name_plural = "comptes techniques"

    def __str__(self) -> str:
        return self.login

    def set_password(self, raw: str, *, now: datetime.datetime | None = None) -> None:
        self.password_hash = make_password(raw)
        days = settings.CHORUS_TECHNICAL_PASSWORD_DAYS
        start = now or self.expiry_clock_now()
        self.password_expires_at = start + datetime.timedelta(days=days)

    def check_password(self, raw: str) -> bool:
        """Check the `cpro-account` password; a success is remembered for a few minutes.

        The PBKDF2 hash costs most of an API call (measured: 671 of 832 ms per deposit), and every
        call carries the password. The cache key is an HMAC (keyed with SECRET_KEY) of the account,
        its stored hash and the password, so a new password or a reset invalidates it at once.
        """
        digest = hmac.new(
            settings.SECRET_KEY.encode(),
            f"{self.pk}:{self.password_hash}:{raw}".encode(),
            hashlib.sha256,
        ).hexdigest()
        key = f"cpro-account:{digest}"
        try:
            if cache.get(key):
                return True
        except RedisError:
            pass  # the cache is an optimisation: with Redis down, hash every time
        valid = check_password(raw, self.password_hash)
        if valid:
            with contextlib.suppress(RedisError):
                cache.set(key, True, settings.CHORUS_TECHNICAL_PASSWORD_CACHE_SECONDS)
        return valid

    def expiry_clock_now(self) -> datetime.datetime:
        """The time the password expires by: its isolated sandbox's clock (which only the
        sandbox's own accounts move, and may put back even once expired), else the real time.

        The shared sandbox's clock never expires a password: advancing it (to watch the demo
        robots) would otherwise lock every tenant out of the API (issue 14 #1).
        """
        return clock.now_isolated(structure_id=self.structure_id)

    def password_expired(self, *, now: datetime.datetime | None = None) -> bool:
        return (now or self.expiry_clock_now()) >= self.password_expires_at


class IdempotencyRecord(models.Model):
    """The first answer to a deposit sent with an `Idempotency-Key`, replayed for the same key."""

    account = models.ForeignKey(TechnicalAccount, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "clé d'idempotence"
        verbose_name_plural = "clés d'idempotence"
        constraints = [
            models.UniqueConstraint(fields=["account", "key", "path"], name="uniq_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.path} {self.key}"


def api_file_upload_to(instance: "ApiFile", filename: str) -> str:
    return f"api/{instance.structure_id}/{filename}"


class ApiFile(models.Model):
    """A file sent by API (`deposer/pdf`, `transverses/v1/ajouter/fichier`): its `pieceJointeId`.

    `invoice` is the draft created by `deposer/pdf` (the PDF read like a portal deposit);
    `soumettre` then completes and submits that draft. A file from `ajouter/fichier` has no
    invoice until `soumettre` uses it as the main PDF or as a supporting document.
    """

    account = models.ForeignKey(TechnicalAccount, on_delete=models.CASCADE, related_name="+")
    structure = models.ForeignKey(
        "structures.Structure", on_delete=models.CASCADE, related_name="+"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField("fichier", upload_to=api_file_upload_to, max_length=255)
    filename = models.CharField("nom du fichier", max_length=255)
    content_type = models.CharField("type MIME", max_length=100)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    created_at = models.DateTimeField("reçu le", auto_now_add=True)

    class Meta:
        verbose_name = "fichier reçu par API"
        verbose_name_plural = "fichiers reçus par API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.filename}"


from api.models.sandbox import *  # noqa: E402, F403
