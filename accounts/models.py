from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from accounts.choices import LegalDocument


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail de connexion est obligatoire.")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person using the portal. Logs in with a fixed e-mail; notifications go to contact_email."""

    username = None
    email = models.EmailField("e-mail de connexion", unique=True)
    contact_email = models.EmailField(
        "e-mail de contact",
        blank=True,
        help_text="Adresse où sont envoyées les notifications (par défaut l'e-mail de connexion).",
    )
    phone = models.CharField("téléphone", max_length=30, blank=True)
    mfa_exempt = models.BooleanField(
        "dispensé de double authentification",
        default=False,
        help_text="Comptes de démonstration : la double authentification n'est jamais exigée.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def notification_email(self) -> str:
        return self.contact_email or self.email


class TermsAcceptance(models.Model):
    """A user's acceptance of one version of a legal document, time-stamped. Never edited."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances"
    )
    document = models.CharField("document", max_length=30, choices=LegalDocument.choices)
    version = models.CharField("version", max_length=20)
    accepted_at = models.DateTimeField("accepté le", auto_now_add=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    class Meta:
        verbose_name = "acceptation de document"
        verbose_name_plural = "acceptations de documents"
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="uniq_terms_acceptance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_document_display()} v{self.version}"


class SandboxEmail(models.Model):
    """A copy of an e-mail sent while in sandbox mode, readable by superusers in the portal."""

    subject = models.CharField("objet", max_length=998)
    from_email = models.CharField("expéditeur", max_length=320)
    to = models.TextField("destinataires")
    body = models.TextField("corps")
    html_body = models.TextField("corps HTML", blank=True)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "e-mail du bac à sable"
        verbose_name_plural = "e-mails du bac à sable"
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class Notification(models.Model):
    """An in-app notification, also sent by e-mail to the user's contact address.

    `key` makes sending idempotent: a task that runs twice finds the row and does not notify again;
    `emailed_at` stays empty until the e-mail has gone, so a retried task sends a lost e-mail.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField("clé d'unicité", max_length=120)
    title = models.CharField("titre", max_length=200)
    body = models.TextField("message")
    url = models.CharField("lien", max_length=300, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    emailed_at = models.DateTimeField("envoyée par e-mail le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="uniq_notification_key")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notif_unread_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.title}"
