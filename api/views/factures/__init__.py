"""`/cpro/factures/v1/...` and `transverses/v1/ajouter/fichier` (chorus-pro.md §7.1).

Every endpoint acts through the technical account: its service user for the permission checks of
the invoice services, its structure for the tenant scope. An invoice of another structure is
answered like an unknown one (never its data). Writes go through `invoices.services`, so an
invoice submitted by API is the same as one made on the portal.

One module per group of endpoints: `search` (rechercher, consulter, historique), `recipient`
(traiter/recue), `supplier` (recycler, completer, traiter/rejet), `download` (telecharger/groupe),
`files` (deposer/pdf, ajouter/fichier), `submit` (soumettre); `common` holds their helpers.
"""

from api.views.factures.download import TelechargerGroupeView
from api.views.factures.files import AjouterFichierView, DeposerPdfView
from api.views.factures.recipient import TraiterRecueView
from api.views.factures.search import (
    ConsulterFournisseurView,
    ConsulterHistoriqueView,
    ConsulterRecipiendaireView,
    RechercherFournisseurView,
    RechercherRecipiendaireView,
)
from api.views.factures.submit import SoumettreView
from api.views.factures.supplier import CompleterView, RecyclerView, TraiterRejetView

__all__ = [
    "AjouterFichierView",
    "CompleterView",
    "ConsulterFournisseurView",
    "ConsulterHistoriqueView",
    "ConsulterRecipiendaireView",
    "DeposerPdfView",
    "RechercherFournisseurView",
    "RechercherRecipiendaireView",
    "RecyclerView",
    "SoumettreView",
    "TelechargerGroupeView",
    "TraiterRecueView",
    "TraiterRejetView",
]
