"""Bridge to the 2026 e-invoicing reform: each Chorus Pro status with its CDAR lifecycle code.

The reform's lifecycle messages (CDAR, "Cross Domain Acknowledgement and Response") carry a
status code 200–213. Chorus Pro statuses map to them where the meaning is the same; the others
have no CDAR equivalent and map to ``None``:

==============================  =====  ==========================================================
Chorus Pro status               CDAR   Why
==============================  =====  ==========================================================
BROUILLON                       —      not deposited: no lifecycle yet
DEPOSEE                         200    Déposée
EN_COURS_ACHEMINEMENT           201    Émise: the platform has taken it and is routing it
MISE_A_DISPOSITION              203    Mise à disposition of the recipient
A_RECYCLER                      —      routing error sent back to the supplier (no CDAR status)
REJETEE                         210    Refusée: the recipient refuses it on business grounds
SUSPENDUE                       208    Suspendue: a document or information is missing
COMPLETEE                       209    Complétée: the supplier answered the suspension
SERVICE_FAIT                    205    Approuvée: the recipient certifies the service done
MANDATEE                        —      internal step of public accounting (between 205 and 211)
MISE_A_DISPOSITION_COMPTABLE    —      internal step of public accounting
COMPTABILISEE                   —      internal step of public accounting
MISE_EN_PAIEMENT                211    Paiement transmis
ERREUR_TECHNIQUE                —      emulator-only technical state
==============================  =====  ==========================================================

Unused CDAR codes: 202 Reçue and 204 Prise en charge (no separate step in Chorus Pro: the
recipient receives it when it is made available), 206 Approuvée partiellement, 207 En litige,
212 Encaissée (a supplier-side status) and 213 Rejetée (a platform rejection at reception, which
in Chorus Pro is a flux ending IN_REJETE, not an invoice status).
"""

from invoices.choices import InvoiceStatus

CDAR_LABELS: dict[int, str] = {
    200: "Déposée",
    201: "Émise",
    202: "Reçue",
    203: "Mise à disposition",
    204: "Prise en charge",
    205: "Approuvée",
    206: "Approuvée partiellement",
    207: "En litige",
    208: "Suspendue",
    209: "Complétée",
    210: "Refusée",
    211: "Paiement transmis",
    212: "Encaissée",
    213: "Rejetée",
}

CHORUS_TO_CDAR: dict[str, int | None] = {
    InvoiceStatus.BROUILLON: None,
    InvoiceStatus.DEPOSEE: 200,
    InvoiceStatus.EN_COURS_ACHEMINEMENT: 201,
    InvoiceStatus.MISE_A_DISPOSITION: 203,
    InvoiceStatus.A_RECYCLER: None,
    InvoiceStatus.REJETEE: 210,
    InvoiceStatus.SUSPENDUE: 208,
    InvoiceStatus.COMPLETEE: 209,
    InvoiceStatus.SERVICE_FAIT: 205,
    InvoiceStatus.MANDATEE: None,
    InvoiceStatus.MISE_A_DISPOSITION_COMPTABLE: None,
    InvoiceStatus.COMPTABILISEE: None,
    InvoiceStatus.MISE_EN_PAIEMENT: 211,
    InvoiceStatus.ERREUR_TECHNIQUE: None,
}


def cdar_code(status: str) -> int | None:
    """The CDAR lifecycle code of a Chorus status, or None when none maps."""
    return CHORUS_TO_CDAR.get(str(status))


def cdar_label(status: str) -> str:
    """« 208 Suspendue » for a mapped status, "" otherwise."""
    code = cdar_code(status)
    return f"{code} {CDAR_LABELS[code]}" if code is not None else ""
