"""Accuracy of the assistant's FAQ retrieval on questions written for the test (not copied)."""

from support.assistant.faq import FAQ_BY_ID
from support.assistant.retrieval import THRESHOLD, faq_search

# (question as a user would type it, expected FAQ entry id)
QUESTIONS = [
    ("je voudrais m'inscrire sur la plateforme, je fais comment", "creer-compte"),
    ("le mail pour activer mon compte n'arrive pas", "email-activation"),
    (
        "on peut partager un seul accès entre plusieurs employés avec une boite générique ?",
        "email-generique",
    ),
    ("impossible de me connecter, j'ai perdu mon mdp", "mot-de-passe"),
    ("comment enregistrer ma société sur chorus avec son siret", "creer-structure"),
    ("je veux rejoindre la fiche de ma boîte, quelle démarche ?", "rattachement"),
    ("faut-il que je me rattache à la mairie qui est mon client ?", "rattachement-client-public"),
    ("c'est quoi le rôle du gestionnaire principal", "gestionnaire-principal"),
    (
        "ma demande pour rejoindre la structure n'est toujours pas validée",
        "rattachement-en-attente",
    ),
    (
        "notre gestionnaire principal est parti de la société, comment le changer",
        "gestionnaire-parti",
    ),
    ("j'ai trois établissements, il me faut trois comptes ?", "plusieurs-etablissements"),
    ("que veut dire EJ", "engagement-juridique"),
    ("à quoi correspond le code du service exécutant", "code-service"),
    ("c'est quoi un siret", "siret"),
    ("quel numéro siret pour envoyer une facture à un ministère de l'état", "siret-etat"),
    ("quelles références préparer avant de déposer une facture", "informations-obligatoires"),
    ("je veux charger ma facture en pdf", "deposer-pdf"),
    ("comment remplir une facture en saisie manuelle sur le portail", "saisie-manuelle"),
    ("pourquoi accepter le mandat de facturation", "mandat-cgu"),
    ("taille maximale et extensions autorisées des pièces jointes", "pieces-jointes"),
    ("mon logiciel de facturation peut-il envoyer les factures par api", "logiciel-edi-api"),
    ("est-ce que je peux garder le même numéro de facture deux fois", "numero-double"),
    ("comment faire un avoir sur une facture", "avoir"),
    (
        "j'ai fait une erreur de montant sur une facture envoyée, je peux la corriger ?",
        "modifier-facture",
    ),
    ("liste des différents statuts possibles d'une facture", "statuts"),
    ("où voir l'avancement de mes factures envoyées", "suivre-facture"),
    ("ma facture est en cours d'acheminement, ça veut dire quoi", "deposee-acheminement"),
    ("signification du statut mise à disposition du destinataire", "mise-a-disposition"),
    ("pour quelle raison une facture passe à recycler", "a-recycler"),
    (
        "comment corriger le code service d'une facture à recycler et la renvoyer",
        "recycler-comment",
    ),
    ("ma facture est rejetée, que faire maintenant", "rejetee"),
    ("quelles raisons de rejet existent", "motifs-rejet"),
    ("à quoi sert l'acquittement du rejet", "acquitter-rejet"),
    ("facture suspendue : comment ajouter le justificatif manquant", "suspendue"),
    ("différence entre service fait et mandatée", "service-fait-mandatee"),
    ("quand est-ce que je vais être payé", "mise-en-paiement"),
    ("combien de jours a l'état pour me payer, et en cas de retard ?", "delai-paiement"),
    (
        "à partir de quelle année la facturation électronique est obligatoire pour les grandes "
        "entreprises",
        "calendrier-obligation",
    ),
    ("obligation pour les petites et moyennes entreprises", "pme"),
    ("je suis auto-entrepreneur, je dois passer par chorus ?", "micro-entreprise"),
    ("comment connaître la taille de mon entreprise selon l'insee", "categorie-entreprise"),
    ("une mairie doit-elle accepter les factures électroniques", "entites-publiques"),
    ("combien ça coûte d'utiliser chorus", "gratuit"),
    ("quel intérêt de dématérialiser mes factures", "avantages"),
    ("pendant combien de temps les factures restent archivées", "archivage"),
    ("agent d'une collectivité, comment je traite une facture reçue", "traiter-facture-recue"),
    (
        "exiger le numéro d'engagement sur les factures de ma structure publique",
        "parametres-public",
    ),
    ("quand utiliser FACTURES_HORS_MARCHE", "codes-service-collectivite"),
    ("format du numéro de commande de la cavimac", "numero-commande-cavimac"),
    ("paiement direct d'un sous-traitant", "sous-traitance"),
    ("à quelle heure peut-on appeler la hotline", "hotline"),
    ("comment ouvrir un ticket auprès du support", "sollicitation"),
    ("est-ce un site officiel ou un émulateur", "emulateur"),
]


def test_every_expected_entry_exists():
    assert len(QUESTIONS) >= 40
    missing = [expected for _, expected in QUESTIONS if expected not in FAQ_BY_ID]
    assert missing == []


def test_faq_has_at_least_forty_entries_with_sources():
    assert len(FAQ_BY_ID) >= 40
    assert all(entry.source and entry.answer for entry in FAQ_BY_ID.values())


def test_assistant_answers_at_least_90_percent_of_the_questions():
    failures = []
    for question, expected in QUESTIONS:
        hits = faq_search(question, limit=1)
        found = hits[0].entry.id if hits and hits[0].score >= THRESHOLD else None
        if found != expected:
            failures.append((question, expected, found, round(hits[0].score, 2) if hits else 0))
    accuracy = 1 - len(failures) / len(QUESTIONS)
    print(f"\nAssistant chorus : {accuracy:.1%} de bonnes réponses sur {len(QUESTIONS)} questions")
    for failure in failures:
        print("  échec :", failure)
    assert accuracy >= 0.9, failures


def test_off_topic_questions_fall_below_the_threshold():
    for question in (
        "quelle est la recette de la tarte aux pommes",
        "qui a gagné la coupe du monde de football",
        "météo à Lyon demain",
    ):
        hits = faq_search(question, limit=1)
        assert not hits or hits[0].score < THRESHOLD, (question, hits[0])
