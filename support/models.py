"""Sollicitations (support requests), their message thread and attachments.

The status is a protected django-fsm-2 field; transitions only change fields on `self`. Services
check permissions, call the transition, write the message and schedule e-mails on commit.
"""

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from chorus import clock
from support.choices import (
    SUBCATEGORY_CHOICES,
    SUBCATEGORY_LABELS,
    Addressee,
    Category,
    SollicitationStatus,
)

S = SollicitationStatus


class Sollicitation(models.Model):
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sollicitations",
        verbose_name="demandeur (compte)",
    )
    contact_email = models.EmailField("adresse e-mail du demandeur")
    contact_name = models.CharField("nom du demandeur", max_length=150)
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    subcategory = models.CharField("sous-catégorie", max_length=40, choices=SUBCATEGORY_CHOICES)
    subject = models.CharField("objet", max_length=150)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sollicitations",
        verbose_name="facture concernée",
    )
    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sollicitations",
        verbose_name="structure concernée",
    )
    addressee = models.CharField(
        "adressée à", max_length=20, choices=Addressee.choices, default=Addressee.SUPPORT
    )
    recipient_structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_sollicitations",
        verbose_name="structure destinataire",
    )
    status = FSMField(
        "statut",
        max_length=20,
        choices=SollicitationStatus.choices,
        default=S.OUVERTE,
        protected=True,
        db_index=True,
    )
    created_at = models.DateTimeField("créée le", default=clock.now)
    updated_at = models.DateTimeField("mise à jour le", auto_now=True)
    answered_at = models.DateTimeField("dernière réponse le", null=True, blank=True)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)

    class Meta:
        verbose_name = "sollicitation"
        verbose_name_plural = "sollicitations"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requester", "created_at"]),
            models.Index(fields=["addressee", "recipient_structure", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Sollicitation n° {self.pk} — {self.subject}"

    @property
    def subcategory_label(self) -> str:
        return SUBCATEGORY_LABELS.get(self.subcategory, self.subcategory)

    @property
    def is_closed(self) -> bool:
        return self.status == S.CLOTUREE

    @transition(field=status, source=S.OUVERTE, target=S.EN_COURS)
    def take(self) -> None:
        """The support or the recipient starts handling the request."""

    @transition(field=status, source=[S.OUVERTE, S.EN_COURS, S.REPONDUE], target=S.REPONDUE)
    def answer(self, *, at) -> None:
        self.answered_at = at

    @transition(field=status, source=S.REPONDUE, target=S.EN_COURS)
    def follow_up(self) -> None:
        """The requester writes again after an answer: back in the handler's queue."""

    @transition(field=status, source=[S.OUVERTE, S.EN_COURS, S.REPONDUE], target=S.CLOTUREE)
    def close(self, *, at) -> None:
        self.closed_at = at


class SollicitationMessage(models.Model):
    sollicitation = models.ForeignKey(
        Sollicitation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    author_label = models.CharField("auteur (affiché)", max_length=200)
    from_requester = models.BooleanField("écrit par le demandeur", default=True)
    body = models.TextField("message")
    created_at = models.DateTimeField("envoyé le", default=clock.now)

    class Meta:
        verbose_name = "message de sollicitation"
        verbose_name_plural = "messages de sollicitation"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_label} — {self.created_at:%Y-%m-%d %H:%M}"


def attachment_upload_to(instance: "SollicitationAttachment", filename: str) -> str:
    return f"support/{instance.message.sollicitation_id}/{instance.message_id}/{filename}"


class SollicitationAttachment(models.Model):
    message = models.ForeignKey(
        SollicitationMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("fichier", upload_to=attachment_upload_to, max_length=255)
    filename = models.CharField("nom du fichier", max_length=50)
    content_type = models.CharField("type MIME", max_length=100, blank=True)
    size = models.PositiveBigIntegerField("taille (octets)")
    created_at = models.DateTimeField("ajoutée le", default=clock.now)

    class Meta:
        verbose_name = "pièce jointe de sollicitation"
        verbose_name_plural = "pièces jointes de sollicitation"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename
