"""`/cpro/factures/v1/...` (invoices) and the transverse endpoints tied to deposits."""

from django.urls import path

from api.views import factures as v
from api.views import flux as fv

F = "factures/v1/"

urlpatterns = [
    path(f"{F}soumettre", v.SoumettreView.as_view()),
    path(f"{F}deposer/pdf", v.DeposerPdfView.as_view()),
    path(f"{F}rechercher/fournisseur", v.RechercherFournisseurView.as_view()),
    path(f"{F}rechercher/recipiendaire", v.RechercherRecipiendaireView.as_view()),
    path(f"{F}consulter/fournisseur", v.ConsulterFournisseurView.as_view()),
    path(f"{F}consulter/recipiendaire", v.ConsulterRecipiendaireView.as_view()),
    path(f"{F}consulter/historique", v.ConsulterHistoriqueView.as_view()),
    path(f"{F}traiter/recue", v.TraiterRecueView.as_view()),
    path(f"{F}recycler", v.RecyclerView.as_view()),
    path(f"{F}completer", v.CompleterView.as_view()),
    path(f"{F}traiterRejet", v.TraiterRejetView.as_view()),
    path(f"{F}telecharger/groupe", v.TelechargerGroupeView.as_view()),
    path("transverses/v1/ajouter/fichier", v.AjouterFichierView.as_view()),
    path(f"{F}deposer/flux", fv.DeposerFluxView.as_view()),
    path("transverses/v1/consulterCR", fv.ConsulterCRView.as_view()),
    path("transverses/v1/consulterCRDetaille", fv.ConsulterCRDetailleView.as_view()),
    # Not a Chorus Pro path: the emulator's pré-contrôle (validation without deposit).
    path("emulateur/v1/precontrole", fv.PrecontroleView.as_view()),
]
