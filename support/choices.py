"""Enumerations of the support app: statuses, addressees and the categories of a sollicitation."""

from django.db import models


class SollicitationStatus(models.TextChoices):
    OUVERTE = "OUVERTE", "Ouverte"
    EN_COURS = "EN_COURS", "En cours"
    REPONDUE = "REPONDUE", "Répondue"
    CLOTUREE = "CLOTUREE", "Clôturée"


class Addressee(models.TextChoices):
    SUPPORT = "SUPPORT", "Support de la plateforme"
    DESTINATAIRE = "DESTINATAIRE", "Destinataire de la facture"


class Category(models.TextChoices):
    COMPTE = "COMPTE", "Compte et connexion"
    STRUCTURE = "STRUCTURE", "Structure et rattachement"
    DEPOT = "DEPOT", "Dépôt de facture"
    SUIVI = "SUIVI", "Suivi de facture"
    RECUES = "RECUES", "Factures reçues"
    RACCORDEMENT = "RACCORDEMENT", "Raccordement EDI/API"
    AUTRE = "AUTRE", "Autre"


# Sub-categories of each category: (code, label). Codes are unique across categories.
SUBCATEGORIES: dict[str, list[tuple[str, str]]] = {
    Category.COMPTE: [
        ("COMPTE_CREATION", "Création de compte"),
        ("COMPTE_ACTIVATION", "E-mail d'activation non reçu"),
        ("COMPTE_MOT_DE_PASSE", "Mot de passe / connexion impossible"),
        ("COMPTE_DOUBLE_FACTEUR", "Double authentification"),
    ],
    Category.STRUCTURE: [
        ("STRUCTURE_CREATION", "Création d'une structure"),
        ("STRUCTURE_RATTACHEMENT", "Demande de rattachement"),
        ("STRUCTURE_GESTIONNAIRE", "Changement de gestionnaire principal"),
    ],
    Category.DEPOT: [
        ("DEPOT_SAISIE", "Saisie d'une facture"),
        ("DEPOT_PDF", "Dépôt d'un PDF"),
        ("DEPOT_DESTINATAIRE", "Destinataire, code service ou engagement"),
        ("DEPOT_PIECES_JOINTES", "Pièces jointes"),
    ],
    Category.SUIVI: [
        ("SUIVI_STATUT", "Statut d'une facture"),
        ("SUIVI_REJET", "Facture rejetée"),
        ("SUIVI_RECYCLER", "Facture à recycler"),
        ("SUIVI_SUSPENSION", "Facture suspendue"),
    ],
    Category.RECUES: [
        ("RECUES_TRAITEMENT", "Traitement d'une facture reçue"),
        ("RECUES_PARAMETRES", "Paramètres de la structure publique"),
        ("RECUES_PAIEMENT", "Mise en paiement"),
    ],
    Category.RACCORDEMENT: [
        ("RACCORDEMENT_API", "Raccordement API"),
        ("RACCORDEMENT_EDI", "Raccordement EDI"),
        ("RACCORDEMENT_FORMAT", "Format de flux (Factur-X, UBL, CII)"),
    ],
    Category.AUTRE: [
        ("AUTRE_QUESTION", "Question générale"),
        ("AUTRE_SUGGESTION", "Suggestion"),
    ],
}

SUBCATEGORY_LABELS: dict[str, str] = {
    code: label for items in SUBCATEGORIES.values() for code, label in items
}
SUBCATEGORY_CHOICES: list[tuple[str, list[tuple[str, str]]]] = [
    (Category(category).label, items) for category, items in SUBCATEGORIES.items()
]
