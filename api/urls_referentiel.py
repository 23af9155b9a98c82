"""`/cpro/structures/v1`, `transverses/v1` lists, `utilisateurs/v1`, `engagementsJuridiques/v1`."""

from django.urls import path

from api.views import engagements, pieces_jointes, structures, transverses, utilisateurs

T = "transverses/v1/"
R = T + "recuperer/"

urlpatterns = [
    # structures/v1
    path("structures/v1/rechercher", structures.RechercherStructuresView.as_view()),
    path("structures/v1/consulter", structures.ConsulterStructureView.as_view()),
    path("structures/v1/rechercher/services", structures.RechercherServicesView.as_view()),
    path("structures/v1/consulter/service", structures.ConsulterServiceView.as_view()),
    # transverses/v1
    path(T + "health-check", transverses.HealthCheckView.as_view()),
    path(R + "devises", transverses.RecupererDevisesView.as_view()),
    path(R + "pays", transverses.RecupererPaysView.as_view()),
    path(R + "tauxtva", transverses.RecupererTauxTvaView.as_view()),
    path(R + "motifs/exonerationtva", transverses.RecupererMotifsExonerationTvaView.as_view()),
    path(R + "modedepot", transverses.RecupererModeDepotView.as_view()),
    path(R + "modereglements", transverses.RecupererModesPaiementView.as_view()),
    path(R + "cadrefacturation", transverses.RecupererCadreFacturationView.as_view()),
    path(R + "typedp", transverses.RecupererTypeDemandePaiementView.as_view()),
    path(
        R + "typeidentifiant/structure",
        transverses.RecupererTypeIdentifiantStructureView.as_view(),
    ),
    path(R + "typespj", transverses.RecupererTypesPieceJointeView.as_view()),
    path(R + "formatflux", transverses.RecupererFormatFluxView.as_view()),
    path(R + "etat/typedp", transverses.RecupererEtatsTypeDemandePaiementView.as_view()),
    path(R + "etats/traitement", transverses.RecupererEtatsTraitementView.as_view()),
    path(
        R + "motifs/refus/Facture/AValider",
        transverses.RecupererMotifsRefusFactureAValiderView.as_view(),
    ),
    path(
        R + "coordbanc/valides",
        transverses.RecupererCoordonneesBancairesValidesView.as_view(),
    ),
    path(
        R + "structures/actives/fournisseur",
        transverses.StructuresActivesFournisseurView.as_view(),
    ),
    path(
        R + "structures/actives/destinataire",
        transverses.StructuresActivesDestinataireView.as_view(),
    ),
    path(T + "rechercher/destinataire", transverses.RechercherDestinataireView.as_view()),
    path(T + "consulter/information/siret", transverses.ConsulterInformationSiretView.as_view()),
    path(
        T + "telecharger/annuaire/destinataire",
        transverses.TelechargerAnnuaireDestinataireView.as_view(),
    ),
    path(T + "rechercher/pj/structure", pieces_jointes.RechercherPjStructureView.as_view()),
    path(T + "rechercher/pj/moncompte", pieces_jointes.RechercherPjMonCompteView.as_view()),
    path(T + "telecharger/pieceJointe", pieces_jointes.TelechargerPieceJointeView.as_view()),
    path(T + "detacherPieceJointe", pieces_jointes.DetacherPieceJointeView.as_view()),
    # utilisateurs/v1
    path(
        "utilisateurs/v1/monCompte/recuperer/rattachements",
        utilisateurs.RecupererRattachementsView.as_view(),
    ),
    # engagementsJuridiques/v1
    path("engagementsJuridiques/v1/rechercher", engagements.RechercherEngagementsView.as_view()),
]
