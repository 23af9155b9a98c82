"""Enumerations of the invoices app, with the exact Chorus Pro codes (chorus-pro.md §4.1, §6)."""

from decimal import Decimal

from django.db import models


class InvoiceStatus(models.TextChoices):
    """`statutFacture` codes of Chorus Pro (pivot number in comments), plus a technical state."""

    BROUILLON = "BROUILLON", "Brouillon"
    DEPOSEE = "DEPOSEE", "Déposée"  # 01
    EN_COURS_ACHEMINEMENT = "EN_COURS_ACHEMINEMENT", "En cours d'acheminement"  # 02
    MISE_A_DISPOSITION = "MISE_A_DISPOSITION", "Mise à disposition du destinataire"  # 03
    A_RECYCLER = "A_RECYCLER", "À recycler"  # 04
    REJETEE = "REJETEE", "Rejetée"  # 05
    SUSPENDUE = "SUSPENDUE", "Suspendue"  # 06
    SERVICE_FAIT = "SERVICE_FAIT", "Service fait"  # 07
    MANDATEE = "MANDATEE", "Mandatée"  # 08
    MISE_A_DISPOSITION_COMPTABLE = (
        "MISE_A_DISPOSITION_COMPTABLE",
        "Mise à disposition du comptable",
    )  # 09
    COMPTABILISEE = "COMPTABILISEE", "Comptabilisée"  # 10
    MISE_EN_PAIEMENT = "MISE_EN_PAIEMENT", "Mise en paiement"  # 11
    COMPLETEE = "COMPLETEE", "Complétée"  # 12
    # Not a Chorus code: routing failed repeatedly for a technical reason (poison message).
    ERREUR_TECHNIQUE = "ERREUR_TECHNIQUE", "Erreur technique"


# Statuses in which the invoice is back with the supplier ("Factures émises → Synthèse", §4.3).
RETURNED_STATUSES = (InvoiceStatus.A_RECYCLER, InvoiceStatus.SUSPENDUE, InvoiceStatus.REJETEE)
# Statuses the recipient can see (the invoice has been made available at least once).
RECIPIENT_VISIBLE_STATUSES = (
    InvoiceStatus.MISE_A_DISPOSITION,
    InvoiceStatus.SUSPENDUE,
    InvoiceStatus.COMPLETEE,
    InvoiceStatus.REJETEE,
    InvoiceStatus.SERVICE_FAIT,
    InvoiceStatus.MANDATEE,
    InvoiceStatus.MISE_A_DISPOSITION_COMPTABLE,
    InvoiceStatus.COMPTABILISEE,
    InvoiceStatus.MISE_EN_PAIEMENT,
)


class InvoiceType(models.TextChoices):
    """`typeFacture`."""

    FACTURE = "FACTURE", "Facture"
    AVOIR = "AVOIR", "Avoir"
    ACOMPTE = "ACOMPTE", "Facture d'acompte"


class Cadre(models.TextChoices):
    """`codeCadreFacturation`: the four cadres offered for `typeDemandePaiement = FACTURE`."""

    A1_FACTURE_FOURNISSEUR = "A1_FACTURE_FOURNISSEUR", "Dépôt par un fournisseur d'une facture"
    A2_FACTURE_FOURNISSEUR_DEJA_PAYEE = (
        "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
        "Dépôt par un fournisseur d'une facture déjà payée",
    )
    A9_FACTURE_SOUSTRAITANT = "A9_FACTURE_SOUSTRAITANT", "Dépôt par un sous-traitant d'une facture"
    A12_FACTURE_COTRAITANT = "A12_FACTURE_COTRAITANT", "Dépôt par un cotraitant d'une facture"


class DepositMode(models.TextChoices):
    """`modeDepot` (SWG `IModeDepot.php`); the portal uses SAISIE_PORTAIL."""

    SAISIE_PORTAIL = "SAISIE_PORTAIL", "Saisie sur le portail"
    DEPOT_PDF_PORTAIL = "DEPOT_PDF_PORTAIL", "Dépôt d'un PDF sur le portail"
    DEPOT_PDF_SIGNE_PORTAIL = "DEPOT_PDF_SIGNE_PORTAIL", "Dépôt d'un PDF signé sur le portail"
    SAISIE_API = "SAISIE_API", "Saisie par API"
    DEPOT_PDF_API = "DEPOT_PDF_API", "Dépôt d'un PDF par API"
    DEPOT_PDF_SIGNE_API = "DEPOT_PDF_SIGNE_API", "Dépôt d'un PDF signé par API"
    EDI = "EDI", "Flux EDI"


class PaymentMode(models.TextChoices):
    """`modePaiement` (SWG `IModePaiement.php`)."""

    VIREMENT = "VIREMENT", "Virement"
    CHEQUE = "CHEQUE", "Chèque"
    PRELEVEMENT = "PRELEVEMENT", "Prélèvement"
    ESPECE = "ESPECE", "Espèces"
    AUTRE = "AUTRE", "Autre"
    REPORT = "REPORT", "Report"


class RejectionReason(models.TextChoices):
    """Rejection motifs offered to recipients (Chorus Pro supplier guide, seeds/002)."""

    # Problèmes techniques
    SE_EJ_INCORRECT = "SE_EJ_INCORRECT", "SE/EJ incorrect (retransmission de la facture possible)"
    CREANCIER_INCONNU = "CREANCIER_INCONNU", "Créancier inconnu ou différent de celui de l'EJ"
    # Problèmes d'achats / problèmes comptables
    MARCHE_TERMINE = "MARCHE_TERMINE", "Marché terminé"
    SOUS_TRAITANT_NON_DECLARE = (
        "SOUS_TRAITANT_NON_DECLARE",
        "Sous-traitant / cotraitant non déclaré",
    )
    COMPENSATION_AVOIRS = "COMPENSATION_AVOIRS", "Suppression pour compensation d'avoirs"
    JUSTIFICATIF_ABSENT = "JUSTIFICATIF_ABSENT", "Justificatif absent ou insuffisant"
    MONTANT_ERRONE = "MONTANT_ERRONE", "Montant de la facture erroné"
    TAUX_TVA_ERRONE = "TAUX_TVA_ERRONE", "Taux de TVA erroné"
    RETRAITEMENT_MANUEL = "RETRAITEMENT_MANUEL", "Retraitement manuel par les services"
    PAIEMENT_REGIE = "PAIEMENT_REGIE", "Paiement en régie"
    ERREUR_RIB = "ERREUR_RIB", "Erreur de RIB"
    LIVRAISON_INCOMPLETE = "LIVRAISON_INCOMPLETE", "Livraison incomplète / non effectuée"
    NON_CONFORME_COMMANDE = "NON_CONFORME_COMMANDE", "Facture non conforme à la commande"
    DOUBLE_FACTURATION = "DOUBLE_FACTURATION", "Double facturation"
    # Autres
    CONTACTER_ACHETEUR = "CONTACTER_ACHETEUR", "Contacter votre acheteur"
    SUPPRESSION_EN_MASSE = "SUPPRESSION_EN_MASSE", "Suppression en masse"


# Groups in the order of the guide, for an <optgroup> in the recipient's form.
REJECTION_REASON_GROUPS = (
    (
        "Problèmes techniques",
        (RejectionReason.SE_EJ_INCORRECT, RejectionReason.CREANCIER_INCONNU),
    ),
    (
        "Problèmes d'achats / problèmes comptables",
        (
            RejectionReason.MARCHE_TERMINE,
            RejectionReason.SOUS_TRAITANT_NON_DECLARE,
            RejectionReason.COMPENSATION_AVOIRS,
            RejectionReason.JUSTIFICATIF_ABSENT,
            RejectionReason.MONTANT_ERRONE,
            RejectionReason.TAUX_TVA_ERRONE,
            RejectionReason.RETRAITEMENT_MANUEL,
            RejectionReason.PAIEMENT_REGIE,
            RejectionReason.ERREUR_RIB,
            RejectionReason.LIVRAISON_INCOMPLETE,
            RejectionReason.NON_CONFORME_COMMANDE,
            RejectionReason.DOUBLE_FACTURATION,
        ),
    ),
    ("Autres", (RejectionReason.CONTACTER_ACHETEUR, RejectionReason.SUPPRESSION_EN_MASSE)),
)


class RoutingError(models.TextChoices):
    """Why routing sent an invoice to A_RECYCLER (wrong recipient, service code or EJ, §4.4)."""

    DESTINATAIRE_INCONNU = "DESTINATAIRE_INCONNU", "Destinataire inconnu"
    DESTINATAIRE_INACTIF = "DESTINATAIRE_INACTIF", "Destinataire inactif"
    DESTINATAIRE_NON_PUBLIC = (
        "DESTINATAIRE_NON_PUBLIC",
        "Le destinataire n'est pas une entité publique",
    )
    SERVICE_OBLIGATOIRE = "SERVICE_OBLIGATOIRE", "Code service obligatoire"
    SERVICE_INCONNU = "SERVICE_INCONNU", "Code service inconnu"
    SERVICE_INACTIF = "SERVICE_INACTIF", "Service inactif"
    EJ_OU_SERVICE_OBLIGATOIRE = (
        "EJ_OU_SERVICE_OBLIGATOIRE",
        "N° d'engagement ou code service obligatoire",
    )
    EJ_OBLIGATOIRE = "EJ_OBLIGATOIRE", "N° d'engagement juridique obligatoire"
    EJ_FORMAT = "EJ_FORMAT", "N° d'engagement juridique au mauvais format"
    EJ_INCONNU = "EJ_INCONNU", "N° d'engagement juridique inconnu"
    EJ_CREANCIER_DIFFERENT = "EJ_CREANCIER_DIFFERENT", "Créancier différent de celui de l'EJ"
    DESTINATAIRE = "DESTINATAIRE", "Données d'acheminement erronées (signalé par le destinataire)"


class OutboxKind(models.TextChoices):
    """Side effects recorded in the outbox; the value is the Celery task that performs it."""

    ROUTE_INVOICE = "invoices.route_invoice", "Acheminement de la facture"
    RENDER_DOCUMENTS = "invoices.render_invoice_documents", "Factur-X et attestation de dépôt"
    NOTIFY_EVENT = "invoices.notify_invoice_event", "Notification d'un changement de statut"
    PROCESS_FLUX = "invoices.process_flux", "Traitement d'un flux déposé"


# French VAT rates (CGI art. 278 to 281 nonies), as stored on lines (2 decimals).
VAT_RATES = (Decimal("20.00"), Decimal("10.00"), Decimal("5.50"), Decimal("2.10"), Decimal("0.00"))
VAT_RATE_CHOICES = [
    (Decimal("20.00"), "20 % (taux normal)"),
    (Decimal("10.00"), "10 % (taux intermédiaire)"),
    (Decimal("5.50"), "5,5 % (taux réduit)"),
    (Decimal("2.10"), "2,1 % (taux particulier)"),
    (Decimal("0.00"), "0 % (exonération, à justifier)"),
]


class VatExemptionReason(models.TextChoices):
    """Mention required on a line at 0 % (EN 16931 BT-120/BT-121, CGI articles)."""

    FRANCHISE_293B = "FRANCHISE_293B", "TVA non applicable, art. 293 B du CGI (franchise en base)"
    EXONERATION_261 = "EXONERATION_261", "Exonération de TVA, art. 261 du CGI"
    AUTOLIQUIDATION = "AUTOLIQUIDATION", "Autoliquidation, art. 283 du CGI"
    LIVRAISON_INTRACOM = (
        "LIVRAISON_INTRACOM",
        "Livraison intracommunautaire exonérée, art. 262 ter I du CGI",
    )
    EXPORTATION = "EXPORTATION", "Exportation hors UE exonérée, art. 262 I du CGI"
    HORS_CHAMP = "HORS_CHAMP", "Hors du champ d'application de la TVA"
