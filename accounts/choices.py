from django.db import models


class LegalDocument(models.TextChoices):
    CGU = "CGU", "Conditions générales d'utilisation"
    MANDAT_FACTURATION = "MANDAT_FACTURATION", "Mandat de facturation"
