import datetime

from django.db import models


class StructureKind(models.TextChoices):
    PRIVEE = "PRIVEE", "Privée (fournisseur)"
    PUBLIQUE = "PUBLIQUE", "Publique (destinataire)"


class IdentifierType(models.TextChoices):
    """`typeIdentifiantStructure` of Chorus Pro."""

    SIRET = "SIRET", "SIRET"
    UE_HORS_FRANCE = "UE_HORS_FRANCE", "TVA intracommunautaire (UE hors France)"
    HORS_UE = "HORS_UE", "Pays hors UE"
    RIDET = "RIDET", "RIDET (Nouvelle-Calédonie)"
    TAHITI = "TAHITI", "Numéro TAHITI (Polynésie française)"
    AUTRE = "AUTRE", "Tiers en cours d'immatriculation"
    PARTICULIER = "PARTICULIER", "Particulier"


class CompanyCategory(models.TextChoices):
    GE = "GE", "Grande entreprise"
    ETI = "ETI", "Entreprise de taille intermédiaire"
    PME = "PME", "Petite ou moyenne entreprise"
    MICRO = "MICRO", "Micro-entreprise"


# Date from which each category must send e-invoices to public buyers (ordonnance 2014-697).
E_INVOICING_OBLIGATION = {
    CompanyCategory.GE: datetime.date(2017, 1, 1),
    CompanyCategory.ETI: datetime.date(2018, 1, 1),
    CompanyCategory.PME: datetime.date(2019, 1, 1),
    CompanyCategory.MICRO: datetime.date(2020, 1, 1),
}


class PublicCategory(models.TextChoices):
    """Drives the legal payment deadline (Code de la commande publique R.2192-10/11)."""

    ETAT = "ETAT", "État et établissements publics de l'État"
    COLLECTIVITE = "COLLECTIVITE", "Collectivité territoriale"
    HOSPITALIER = "HOSPITALIER", "Établissement public de santé"
    ENTREPRISE_PUBLIQUE = "ENTREPRISE_PUBLIQUE", "Entreprise publique"


PAYMENT_DEADLINE_DAYS = {
    PublicCategory.ETAT: 30,
    PublicCategory.COLLECTIVITE: 30,
    PublicCategory.HOSPITALIER: 50,
    PublicCategory.ENTREPRISE_PUBLIQUE: 60,
}


class MembershipRole(models.TextChoices):
    GESTIONNAIRE_PRINCIPAL = "GESTIONNAIRE_PRINCIPAL", "Gestionnaire principal"
    UTILISATEUR = "UTILISATEUR", "Utilisateur"


class MembershipStatus(models.TextChoices):
    """`statutRattachement` of Chorus Pro."""

    EN_COURS_DE_VALIDATION = "EN_COURS_DE_VALIDATION", "En cours de validation"
    VALIDEE = "VALIDEE", "Validée"
    REFUSEE = "REFUSEE", "Refusée"
    DESACTIVEE = "DESACTIVEE", "Désactivée"


class AccessLevel(models.TextChoices):
    """`typeHabilitation` of a user on a structure's spaces."""

    MODIFICATION = "MODIFICATION", "Modification"
    CONSULTATION = "CONSULTATION", "Consultation uniquement"
