"""Every invoice rule that several channels apply, once: reason code, report id, French label,
source, blocking or not. Channels (portal, PDF deposit, API `soumettre`, flux, pré-contrôle,
`recycler`, robots) call the checks of `invoices.rules.routing` / `invoices.rules.numbering`, which
return these rules. A rule of ours with no Chorus Pro source never blocks beyond EN 16931."""

from invoices.choices import RoutingError as E
from invoices.rules.base import SOURCE_CHORUS_DOC, SOURCE_EMULATOR, Rule

_CPRO_44 = f"{SOURCE_CHORUS_DOC} : « À recycler » (identifiant, service, engagement erronés), §4.4"
_CPRO_63 = f"{SOURCE_CHORUS_DOC} : paramètres de structure (consulterStructure), §6.3"
_CPRO_ACTIVE = f"{SOURCE_CHORUS_DOC} : « Recipient not located or inactive », §6.3"

# --- recipient (BT-46) ---------------------------------------------------------------------------
RECIPIENT_UNKNOWN = Rule(
    E.DESTINATAIRE_INCONNU, "CHORUS-002", E.DESTINATAIRE_INCONNU.label, "BT-46", _CPRO_ACTIVE
)
RECIPIENT_NOT_PUBLIC = Rule(
    E.DESTINATAIRE_NON_PUBLIC,
    "CHORUS-002",
    E.DESTINATAIRE_NON_PUBLIC.label,
    "BT-46",
    f"{SOURCE_CHORUS_DOC} : facturation B2G, destinataire structure PUBLIQUE (typeStructure), §6.3",
)
RECIPIENT_INACTIVE = Rule(
    E.DESTINATAIRE_INACTIF, "CHORUS-002", E.DESTINATAIRE_INACTIF.label, "BT-46", _CPRO_ACTIVE
)
# --- service (BT-10) -----------------------------------------------------------------------------
SERVICE_REQUIRED = Rule(
    E.SERVICE_OBLIGATOIRE, "CHORUS-003", E.SERVICE_OBLIGATOIRE.label, "BT-10", _CPRO_63
)
SERVICE_UNKNOWN = Rule(E.SERVICE_INCONNU, "CHORUS-003", E.SERVICE_INCONNU.label, "BT-10", _CPRO_44)
SERVICE_INACTIVE = Rule(
    E.SERVICE_INACTIF,
    "CHORUS-003",
    E.SERVICE_INACTIF.label,
    "BT-10",
    f"{_CPRO_44} ; service actif et dans ses dates de validité",
)
# --- engagement juridique (BT-13) ----------------------------------------------------------------
EJ_OR_SERVICE_REQUIRED = Rule(
    E.EJ_OU_SERVICE_OBLIGATOIRE,
    "CHORUS-004",
    E.EJ_OU_SERVICE_OBLIGATOIRE.label,
    "BT-13",
    f"{_CPRO_63} (gestionNumeroEJOuCodeService)",
)
EJ_REQUIRED = Rule(
    E.EJ_OBLIGATOIRE,
    "CHORUS-004",
    E.EJ_OBLIGATOIRE.label,
    "BT-13",
    f"{_CPRO_63} (numeroEJDoitEtreRenseigne)",
)
EJ_FORMAT = Rule(
    E.EJ_FORMAT,
    "CHORUS-005",
    E.EJ_FORMAT.label,
    "BT-13",
    f"{SOURCE_EMULATOR} : format d'EJ propre à la structure (donnée de la page Paramètres), "
    "50 caractères au plus (numeroBonCommande)",
)
EJ_UNKNOWN = Rule(E.EJ_INCONNU, "CHORUS-015", E.EJ_INCONNU.label, "BT-13", _CPRO_44)
EJ_OTHER_CREDITOR = Rule(
    E.EJ_CREANCIER_DIFFERENT,
    "CHORUS-016",
    E.EJ_CREANCIER_DIFFERENT.label,
    "BT-13",
    f"{_CPRO_44} ; motif de rejet « Créancier inconnu ou différent de celui de l'EJ », §4.5",
)
# --- numbering (BT-1) ----------------------------------------------------------------------------
DUPLICATE_NUMBER = Rule(
    "DOUBLON",
    "CHORUS-020",
    "Numéro de facture déjà déposé",
    "BT-1",
    f"{SOURCE_CHORUS_DOC} : unicité du numéro de facture par fournisseur et par année ; motif "
    "« Double facturation », §4.5",
)
# --- document ------------------------------------------------------------------------------------
CREDIT_NOTE_WITHOUT_REFERENCE = Rule(
    "AVOIR_SANS_REFERENCE",
    "CHORUS-010",
    "Avoir sans référence à la facture d'origine",
    "BT-25",
    f"{SOURCE_EMULATOR} : EN 16931 laisse BT-25 facultatif ; aucune source Chorus Pro ne l'exige",
    blocking=False,
)
LINE_ARITHMETIC = Rule(
    "CALCUL_LIGNE",
    "CHORUS-101",
    "Montant net de ligne différent de quantité × prix",
    "BT-131",
    f"{SOURCE_EMULATOR} : EN 16931 n'exige pas montant net = quantité × prix (issue 16 point 6)",
    blocking=False,
)

ROUTING_RULES = (
    RECIPIENT_UNKNOWN,
    RECIPIENT_NOT_PUBLIC,
    RECIPIENT_INACTIVE,
    SERVICE_UNKNOWN,
    SERVICE_INACTIVE,
    SERVICE_REQUIRED,
    EJ_OR_SERVICE_REQUIRED,
    EJ_REQUIRED,
    EJ_FORMAT,
    EJ_UNKNOWN,
    EJ_OTHER_CREDITOR,
)
RULES = (*ROUTING_RULES, DUPLICATE_NUMBER, CREDIT_NOTE_WITHOUT_REFERENCE, LINE_ARITHMETIC)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
# --- deposit checks (also predicted by the pré-contrôle) -----------------------------------------
ISSUE_DATE_IN_FUTURE = Rule(
    "DATE_FACTURE_FUTURE",
    "CHORUS-017",
    "Date de facture dans le futur",
    "BT-2",
    f"{SOURCE_CHORUS_DOC} : saisie du portail, date de facture au plus tard le jour du dépôt "
    "(inféré)",
)
DUE_DATE_BEFORE_ISSUE = Rule(
    "ECHEANCE_AVANT_FACTURE",
    "CHORUS-018",
    "Date d'échéance antérieure à la date de facture",
    "BT-9",
    f"{SOURCE_CHORUS_DOC} : saisie du portail, échéance postérieure à la facture (inféré)",
)
SELF_BILLING = Rule(
    "AUTOFACTURATION",
    "CHORUS-019",
    "Le destinataire est le fournisseur lui-même",
    "BT-46",
    f"{SOURCE_CHORUS_DOC} : le destinataire est une autre structure que le fournisseur (inféré)",
)
DEPOSIT_RULES = (ISSUE_DATE_IN_FUTURE, DUE_DATE_BEFORE_ISSUE, SELF_BILLING)
RULES = (*RULES, *DEPOSIT_RULES)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
