"""Output of the `factures/v1` endpoints: invoices in the shapes the real clients parse (§7.1).

Identifiers are JSON integers (`identifiantFactureCPP` = invoice id, `idStructureCPP` = structure
id, `idService` = service id); dates are `YYYY-MM-DD`, history dates `YYYY-MM-DD HH:MM`.
"""

import datetime
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from invoices.choices import InvoiceStatus
from invoices.models import Invoice, InvoiceEvent
from invoices.vocabulary import InvoiceAction

# Our technical state has no Chorus code of its own; SWG lists TECHNIQUE_INCONNU.
STATUS_CODES = {InvoiceStatus.ERREUR_TECHNIQUE: "TECHNIQUE_INCONNU"}

# Events that change no status and are user actions of the official vocabulary (SWG
# `IHistoActionCode`: strict clients refuse any other code, chorus-pro.md §8.5).
ACTION_CODES = {
    InvoiceAction.REJECTION_ACKNOWLEDGED: "ACQUITTEMENT_REJET",
    InvoiceAction.SUSPENSION_ACKNOWLEDGED: "ACQUITTEMENT_SUSPENSION",
    InvoiceAction.REJECTION_PROCESSED: "TRAITEMENT_REJET",
    InvoiceAction.DOWNLOADED: "TELECHARGEMENT_FACTURE",
}
# The other events without a status change are "événements complémentaires".
EVENT_LIBELLES = {
    InvoiceAction.ATTACHMENTS_ADDED: "Ajout de pièces jointes",
    InvoiceAction.PDF_UPLOADED: "Dépôt du PDF de la facture",
    InvoiceAction.COMPLETED: "Facture complétée par le fournisseur",
    InvoiceAction.CREDIT_NOTE_CREATED: "Avoir émis sur la facture",
}


def status_code(status: str) -> str:
    return STATUS_CODES.get(status, status)


def date_str(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def datetime_str(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="milliseconds")


def minute_str(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _supplier_name(invoice: Invoice) -> str:
    return invoice.supplier_snapshot.get("name") or invoice.supplier.name


def _recipient_name(invoice: Invoice) -> str:
    if invoice.recipient_snapshot.get("name"):
        return invoice.recipient_snapshot["name"]
    return invoice.recipient.name if invoice.recipient else ""


def list_item(invoice: Invoice, *, side: str) -> dict:
    """One `listeFactures[]` entry; `side` is "fournisseur" or "recipiendaire"."""
    service = invoice.service
    item = {
        "numeroFacture": invoice.number,
        "dateFacture": date_str(invoice.issue_date),
        "dateDepot": date_str(invoice.deposited_at),
        "statut": status_code(invoice.status),
        "dateHeureEtatCourant": datetime_str(invoice.updated_at),
        "commentaireEtatCourant": invoice.comment,
        "typeDemandePaiement": "FACTURE",
        "typeFacture": invoice.type,
        "typeFactureTravaux": None,
        "cadreFacturation": invoice.cadre,
        "codeFournisseur": invoice.supplier.identifier,
        "idFournisseur": invoice.supplier_id,
        "typeIdentifiantFournisseur": invoice.supplier.identifier_type,
        "designationFournisseur": _supplier_name(invoice),
        "codeServiceFournisseur": None,
        "nomServiceFournisseur": None,
        "idDestinataire": invoice.recipient_id,
        "codeDestinataire": invoice.recipient_siret,
        "designationDestinataire": _recipient_name(invoice),
        "idServiceExecutant": service.pk if service else None,
        "codeServiceExecutant": invoice.service_code or None,
        "nomServiceExecutant": service.label if service else None,
        "montantHT": amount(invoice.total_net),
        "montantTTC": amount(invoice.total_gross),
        "montantAPayer": amount(invoice.total_gross),
        "devise": invoice.currency,
        "numeroBonCommande": invoice.ej_number or None,
        "numeroMarche": None,
    }
    if side == "fournisseur":
        creator = invoice.created_by
        flux = next(iter(invoice.flux.all()), None)
        item.update(
            {
                "identifiantFactureCPP": invoice.pk,
                "numeroFluxDepot": flux.numero if flux else None,
                "modeDepot": invoice.deposit_mode,
                "rejetTraite": invoice.rejection_processed_at is not None,
                "nomPrenomUtilisateurCreateur": creator.get_full_name() if creator else None,
            }
        )
    else:
        item.update(
            {
                "idFacture": invoice.pk,
                "factureTelechargeeParDestinataire": bool(getattr(invoice, "downloaded", False)),
            }
        )
    return item


def facture_detail(invoice: Invoice) -> dict:
    """The `facture` object of `consulter/fournisseur` and `consulter/recipiendaire` (§7.1.2)."""
    supplier, recipient, service = invoice.supplier, invoice.recipient, invoice.service
    lines = list(invoice.lines.all())
    documents = list(invoice.documents.all())
    original = next((doc for doc in documents if doc.kind == "ORIGINAL"), None)
    return {
        "identifiantFactureCPP": invoice.pk,
        "numeroFacture": invoice.number,
        "statutFacture": status_code(invoice.status),
        "modeDepot": invoice.deposit_mode,
        "commentaire": invoice.comment,
        "cadreDeFacturation": {"codeCadreFacturation": invoice.cadre},
        "destinataire": {
            "idDestinataire": invoice.recipient_id,
            "codeDestinataire": invoice.recipient_siret,
            "libelleDestinataire": _recipient_name(invoice),
            "idServiceExecutant": service.pk if service else None,
            "codeServiceExecutant": invoice.service_code or None,
            "libelleServiceExecutant": service.label if service else None,
            "destinataireEtat": ("ACTIF" if recipient.is_active else "INACTIF")
            if recipient
            else None,
        },
        "fournisseur": {
            "idFournisseur": supplier.pk,
            "codeFournisseur": supplier.identifier,
            "designationFournisseur": _supplier_name(invoice),
            "typeIdentifiantFournisseur": supplier.identifier_type,
            "idServiceFournisseur": None,
            "codeServiceFournisseur": None,
            "libelleServiceFournisseur": None,
            **_bank_fields(invoice),
        },
        "references": {
            "typeFacture": invoice.type,
            "typeTva": "TVA_SUR_DEBIT",
            "codeDeviseFacture": invoice.currency,
            "libelleDeviseFacture": "Euro" if invoice.currency == "EUR" else invoice.currency,
            "dateFacture": date_str(invoice.issue_date),
            "dateDepot": date_str(invoice.deposited_at),
            "dateEcheancePaiement": date_str(invoice.due_date),
            # "YYYY-MM-DD HH:MM": GO decodes it as its Datetime (chorus-pro.md §8.5).
            "dateCreationFacture": minute_str(invoice.created_at),
            "modePaiement": invoice.payment_mode or None,
            "motifExonerationTva": None,
            "numeroBonCommande": invoice.ej_number or None,
            "numeroMarche": None,
            "numeroFactureOrigine": (
                invoice.credited_invoice.number if invoice.credited_invoice_id else None
            ),
            "numeroDpMandat": invoice.mandate_number or None,
            "tailleTotalePiecesJointes": sum(doc.size for doc in documents),
            "typeFactureTravaux": None,
        },
        "montantTotal": {
            "montantHtTotal": amount(invoice.total_net),
            "montantTVA": amount(invoice.total_vat),
            "montantTtcTotal": amount(invoice.total_gross),
            "montantRemiseGlobaleTTC": 0.0,
            "motifRemiseGlobaleTTC": None,
            "montantTtcAvantRemiseGlobalTTC": amount(invoice.total_gross),
            "montantAPayer": amount(invoice.total_gross),
        },
        "lignesDePoste": {
            "lignePoste": [
                {
                    "lignePosteNumero": line.position,
                    "lignePosteReference": None,
                    "lignePosteDenomination": line.designation,
                    "lignePosteQuantite": amount(line.quantity),
                    "lignePosteUnite": line.unit,
                    "lignePosteMontantUnitaireHT": amount(line.unit_price),
                    "lignePosteMontantRemiseHT": None,
                    "lignePosteTauxTvaManuel": amount(line.vat_rate),
                    "lignePosteMontantHT": amount(line.line_net),
                }
                for line in lines
            ],
            "nbResultatsParPageLignesPoste": max(len(lines), 1),
            "pageCouranteLignesPoste": 1,
            "pagesLignesPoste": 1 if lines else 0,
            "totalLignesPoste": len(lines),
        },
        "recapitulatifDeTva": {
            "ligneTva": [
                {
                    "ligneTvaTauxRefCode": None,
                    "ligneTvaTauxRefValeur": _float(group.get("rate")),
                    "ligneTvaMontantBaseHtParTaux": _float(group.get("taxable_amount")),
                    "ligneTvaMontantTvaParTaux": _float(group.get("tax_amount")),
                }
                for group in invoice.vat_breakdown or []
            ],
        },
        "listeDesPiecesJointes": {
            "pieceJointe": [
                {
                    "pieceJointeId": doc.pk,
                    "pieceJointeDesignation": doc.filename,
                    "pieceJointeExtension": doc.filename.rpartition(".")[2].upper(),
                    "pieceJointeTypeCode": doc.kind,
                    "pieceJointeTypeLibelle": doc.get_kind_display(),
                }
                for doc in documents
            ],
        },
        "pieceJointePrincipale": {
            "idPieceJointePrincipale": original.pk if original else None,
            "idLiaisonPieceJointePrincipale": None,
        },
    }


def _bank_fields(invoice: Invoice) -> dict:
    """The bank details written on the invoice at deposit (GO `Fournisseur.coordBancaires*`)."""
    snapshot = invoice.supplier_snapshot or {}
    if not snapshot.get("iban"):
        return {}
    return {
        "coordBancairesFournisseurId": invoice.bank_account_id,
        "coordBancairesFournisseurLibelle": snapshot.get("bank_account_label", ""),
        "coordBancairesFournisseurType": "IBAN",
        "coordBancairesFournisseurCodePays": snapshot["iban"][:2],
        "coordBancairesFournisseurCompteBancaire": snapshot["iban"],
        "coordBancairesBicSwift": snapshot.get("bic", ""),
    }


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _user_fields(prefix: str, event: InvoiceEvent) -> dict:
    actor = event.actor
    return {
        f"{prefix}Nom": actor.last_name if actor else "Système",
        f"{prefix}Prenom": actor.first_name if actor else "",
        f"{prefix}Email": actor.email if actor else "",
        f"{prefix}Telephone": "",
    }


def is_status_change(event: InvoiceEvent) -> bool:
    return (
        bool(event.to_status)
        and event.to_status != InvoiceStatus.BROUILLON
        and (event.to_status != event.from_status)
    )


def histo_statut(event: InvoiceEvent) -> dict:
    return {
        "histoStatutId": event.pk,
        "histoStatutCode": status_code(event.to_status),
        "histoStatutDatePassage": minute_str(event.created_at),
        "histoStatutCommentaire": event.reason,
        **_user_fields("histoStatutUtilisateur", event),
    }


def is_user_action(event: InvoiceEvent) -> bool:
    return event.action in ACTION_CODES


def histo_action(event: InvoiceEvent) -> dict:
    return {
        "histoActionId": event.pk,
        "histoActionCode": ACTION_CODES[event.action],
        "histoActionDateHeure": minute_str(event.created_at),
        "histoActionCommentaire": event.reason,
        **_user_fields("histoActionUtilisateur", event),
    }


def evenement(event: InvoiceEvent) -> dict:
    actor = event.actor
    qui = " ".join(p for p in (actor.first_name, actor.last_name) if p) if actor else ""
    return {
        "evenementId": event.pk,
        "evenementLibelle": EVENT_LIBELLES.get(event.action, event.action.rpartition(".")[2]),
        "evenementQui": qui or (actor.email if actor else "Système"),
        "evenementDateHeure": minute_str(event.created_at),
    }


# OpenAPI descriptions (the bodies are read tolerantly, see api.envelope.Body) ---------------------
def envelope_schema(name: str, **fields) -> serializers.Serializer:
    return inline_serializer(
        name,
        fields={
            "codeRetour": serializers.IntegerField(),
            "libelle": serializers.CharField(),
            **fields,
        },
    )


def request_schema(name: str, **fields) -> serializers.Serializer:
    return inline_serializer(name, fields=fields)


def _opt(field_class, **kwargs):
    return field_class(required=False, allow_null=True, **kwargs)


S = serializers
DICT, LIST = S.DictField, S.ListField
REQUESTS = {
    "soumettre": request_schema(
        "SoumettreFactureRequete",
        modeDepot=S.ChoiceField(["SAISIE_API", "DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API"]),
        numeroFactureSaisi=_opt(S.CharField),
        dateFacture=_opt(S.DateField),
        idUtilisateurCourant=_opt(S.IntegerField),
        destinataire=DICT(),
        fournisseur=_opt(DICT),
        cadreDeFacturation=_opt(DICT),
        references=_opt(DICT),
        lignePoste=_opt(LIST, child=DICT()),
        ligneTva=_opt(LIST, child=DICT()),
        montantTotal=_opt(DICT),
        pieceJointePrincipale=_opt(S.JSONField),
        pieceJointeComplementaire=_opt(LIST, child=DICT()),
        commentaire=_opt(S.CharField),
    ),
    "deposer_pdf": request_schema(
        "DeposerPdfRequete",
        fichierFacture=S.CharField(help_text="PDF en base64 (10 Mo au plus)"),
        nomFichier=S.CharField(),
        formatDepot=_opt(S.CharField),
        idUtilisateurCourant=_opt(S.IntegerField),
    ),
    "ajouter_fichier": request_schema(
        "AjouterFichierRequete",
        pieceJointeFichier=S.CharField(help_text="fichier en base64 (10 Mo au plus)"),
        pieceJointeNom=S.CharField(max_length=50),
        pieceJointeTypeMime=_opt(S.CharField),
        pieceJointeExtension=_opt(S.CharField),
        idUtilisateurCourant=_opt(S.IntegerField),
    ),
    "rechercher_fournisseur": request_schema(
        "RechercherFactureParFournisseurRequete",
        numeroFluxDepot=_opt(S.CharField),
        numeroFacture=_opt(S.CharField),
        typeFacture=_opt(S.CharField),
        statutCourant=_opt(LIST, child=S.CharField()),
        cadreFacturation=_opt(S.CharField),
        modeDepot=_opt(S.CharField),
        periodeDateDepotDu=_opt(S.DateField),
        periodeDateDepotAu=_opt(S.DateField),
        listeDestinataire=_opt(LIST, child=DICT()),
        numeroBonCommande=_opt(S.CharField),
        rejetTraite=_opt(S.BooleanField),
        rechercheFactureParFournisseur=_opt(DICT),
    ),
    "rechercher_recipiendaire": request_schema(
        "RechercherFactureParRecipiendaireRequete",
        typeDemandePaiement=_opt(S.CharField),
        idDestinataire=_opt(S.IntegerField),
        idServiceExecutant=_opt(S.IntegerField),
        listeFournisseurs=_opt(LIST, child=DICT()),
        numeroFacture=_opt(S.CharField),
        statutCourant=_opt(LIST, child=S.CharField()),
        listeTypeFacture=_opt(LIST, child=S.CharField()),
        factureTelechargeeParDestinataire=_opt(S.BooleanField),
        periodeDateHeureEtatCourantDu=_opt(S.CharField),
        periodeDateHeureEtatCourantAu=_opt(S.CharField),
        paramRecherche=_opt(DICT),
    ),
    "consulter": request_schema(
        "ConsulterFactureRequete",
        identifiantFactureCPP=S.IntegerField(),
        codeLangue=_opt(S.CharField),
    ),
    "historique": request_schema(
        "ConsulterHistoriqueFactureRequete",
        idFacture=S.IntegerField(),
        idUtilisateurCourant=_opt(S.IntegerField),
        idEspace=_opt(S.IntegerField),
        nbResultatsMaximum=_opt(S.IntegerField),
    ),
    "traiter_recue": request_schema(
        "TraiterFactureRecueRequete",
        idFacture=S.IntegerField(),
        nouveauStatut=S.CharField(),
        motif=_opt(S.CharField, max_length=255),
        numeroDPMandat=_opt(S.CharField),
        idUtilisateurCourant=_opt(S.IntegerField),
    ),
    "recycler": request_schema(
        "RecyclerFactureRequete",
        identifiantFactureCPP=S.IntegerField(),
        destinataire=_opt(DICT),
        reference=_opt(DICT),
        commentaire=_opt(S.CharField),
        idUtilisateurCourant=_opt(S.IntegerField),
    ),
    "completer": request_schema(
        "CompleterFactureRequete",
        identifiantFactureCPP=S.IntegerField(),
        commentaire=_opt(S.CharField),
        pieceJointeComplementaire=_opt(LIST, child=DICT()),
        idUtilisateurCourant=_opt(S.IntegerField),
    ),
    "traiter_rejet": request_schema(
        "TraiterFacturesRejeteesRequete",
        listeDemandePaiement=LIST(child=DICT()),
        motifRejet=_opt(S.CharField),
        cpltInfos=_opt(S.CharField),
    ),
    "telecharger": request_schema(
        "TelechargerGroupeFactureRequete",
        listeFacture=LIST(child=DICT()),
        format=S.ChoiceField(["PDF", "PIVOT", "XML"]),
        avecPiecesJointesComplementaires=_opt(S.ChoiceField, choices=["OUI", "NON"]),
        idEspace=_opt(S.IntegerField),
    ),
}
