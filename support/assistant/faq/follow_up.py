"""FAQ, second half: statuses, the e-invoicing obligation, public recipients and help."""

from support.assistant.faq.entry import DOC, S000, S001, S002, S004, FaqEntry

ENTRIES: tuple[FaqEntry, ...] = (
    # --- statuts ----------------------------------------------------------------------------------
    FaqEntry(
        "statuts",
        "Quels sont les statuts d'une facture ?",
        "statuts état cycle vie étapes suivi avancement liste différents possibles",
        "Une facture passe par : Déposée, En cours d'acheminement, Mise à disposition du "
        "destinataire, puis éventuellement Service fait, Mandatée, Mise à disposition du "
        "comptable, Comptabilisée et enfin Mise en paiement. Le destinataire peut aussi la mettre "
        "À recycler, Suspendue (puis Complétée) ou Rejetée.",
        S002 + " ; " + DOC + " §4.1",
    ),
    FaqEntry(
        "suivre-facture",
        "Comment suivre l'avancement de mes factures ?",
        "suivre suivi consulter avancement où en est historique voir",
        "Dans « Factures émises », la liste montre le statut de chaque facture ; ouvrez une "
        "facture "
        "pour voir son historique. Vous recevez une notification et un e-mail à chaque changement "
        "de statut. Les factures à recycler, suspendues ou rejetées apparaissent dans la synthèse.",
        S002 + " ; " + DOC + " §4.3",
    ),
    FaqEntry(
        "deposee-acheminement",
        "Que signifient les statuts « déposée » et « en cours d'acheminement » ?",
        "déposée en cours acheminement transmise transitoire attente",
        "« Déposée » signifie que la plateforme a reçu votre facture ; « En cours "
        "d'acheminement » qu'elle vérifie les données du destinataire pour la lui transmettre. "
        "Ces statuts sont transitoires : la facture devient ensuite « Mise à disposition du "
        "destinataire » ou « À recycler ».",
        DOC + " §4.1",
    ),
    FaqEntry(
        "mise-a-disposition",
        "Que veut dire « mise à disposition du destinataire » ?",
        "mise disposition destinataire reçue client public arrivée statut signifie",
        "Votre facture est arrivée chez le destinataire public : il peut la consulter et la "
        "traiter. Le délai de paiement court en pratique à partir de cette date.",
        DOC + " §4.1 ; §9",
    ),
    FaqEntry(
        "a-recycler",
        "Pourquoi ma facture est-elle à recycler ?",
        "recycler recyclage recyclée erreur acheminement destinataire mauvais raison cause motif",
        "Une facture « À recycler » a des données d'acheminement erronées : SIRET du destinataire, "
        "code service ou numéro d'engagement incorrect, inconnu ou inactif. Elle vous est "
        "renvoyée pour correction ; le motif est indiqué sur la facture.",
        DOC + " §4.4",
    ),
    FaqEntry(
        "recycler-comment",
        "Comment corriger et renvoyer une facture à recycler ?",
        "corriger renvoyer recycler modifier siret code service engagement renvoi",
        "Ouvrez la facture et choisissez « Recycler » : vous ne pouvez modifier que le SIRET du "
        "destinataire, le code service et le numéro d'engagement. Le numéro et les montants ne "
        "changent pas ; la facture repart au statut Déposée vers le bon destinataire.",
        DOC + " §4.4",
    ),
    FaqEntry(
        "rejetee",
        "Ma facture a été rejetée, que dois-je faire ?",
        "rejet rejetée refusée refus que faire nouvelle facture",
        "Un rejet est définitif. Lisez le motif et le commentaire du destinataire, acquittez le "
        "rejet, déposez une facture corrigée (le numéro d'une facture rejetée est libéré : vous "
        "pouvez le réutiliser), puis traitez le rejet pour qu'il sorte de votre synthèse.",
        DOC + " §4.3",
    ),
    FaqEntry(
        "motifs-rejet",
        "Quels sont les motifs de rejet possibles ?",
        "motifs raisons rejet erreur rib tva montant justificatif double facturation",
        "Problèmes techniques : SE/EJ incorrect, créancier inconnu ou différent de celui de l'EJ. "
        "Problèmes d'achats ou comptables : marché terminé, sous-traitant non déclaré, "
        "justificatif "
        "absent, montant ou taux de TVA erroné, erreur de RIB, livraison incomplète, facture non "
        "conforme à la commande, double facturation, paiement en régie… Autres : contacter votre "
        "acheteur.",
        S002,
    ),
    FaqEntry(
        "acquitter-rejet",
        "Pourquoi dois-je acquitter un rejet ou une suspension ?",
        "acquitter acquittement accusé lecture prendre connaissance traiter rejet 7 jours",
        "L'acquittement prouve que vous avez pris connaissance du rejet ou de la suspension ; il "
        "est obligatoire, et le portail l'impose 7 jours après. « Traiter le rejet » fait ensuite "
        "sortir la facture de votre synthèse.",
        DOC + " §4.3 ; §9",
    ),
    FaqEntry(
        "suspendue",
        "Ma facture est suspendue, comment la compléter ?",
        "suspendue suspension compléter complément justificatif manquant document",
        "Une facture suspendue attend de vous un complément : pièce justificative manquante ou "
        "précision. Ouvrez-la, lisez le motif, ajoutez les pièces jointes ou un commentaire et "
        "choisissez « Compléter » : elle passe au statut Complétée et retourne au destinataire.",
        DOC + " §4.3",
    ),
    FaqEntry(
        "service-fait-mandatee",
        "Que signifient « service fait » et « mandatée » ?",
        "service fait mandatée mandat dp validée comptable constaté",
        "« Service fait » : le destinataire constate que la prestation a été réalisée. "
        "« Mandatée » : la dépense est ordonnancée (un mandat ou une demande de paiement est "
        "émis). Ces statuts, comme « Mise à disposition du comptable » et « Comptabilisée », sont "
        "facultatifs.",
        DOC + " §4.1",
    ),
    FaqEntry(
        "mise-en-paiement",
        "Quand ma facture sera-t-elle payée ?",
        "payée payer paiement mise en paiement virement argent réglée règlement",
        "Le statut « Mise en paiement » indique que le comptable a lancé le paiement : le virement "
        "suit. Certains destinataires ne remontent pas ce statut ; l'annuaire l'indique. Les "
        "délais légaux de paiement s'appliquent.",
        S002 + " ; " + DOC + " §4.1",
    ),
    FaqEntry(
        "delai-paiement",
        "Quel est le délai de paiement d'une entité publique ?",
        "délai paiement jours retard intérêts moratoires indemnité 40 euros 30 50 60",
        "30 jours pour l'État, ses établissements publics et les collectivités locales ; 50 jours "
        "pour les établissements publics de santé ; 60 jours pour les entreprises publiques. En "
        "cas de retard : intérêts moratoires et indemnité forfaitaire de 40 € pour frais de "
        "recouvrement.",
        DOC + " §9",
    ),
    # --- obligation ------------------------------------------------------------------------------
    FaqEntry(
        "calendrier-obligation",
        "Quel est le calendrier d'obligation de la facturation électronique ?",
        "calendrier obligation obligatoire date année 2017 2018 2019 2020 concernée",
        "Grandes entreprises : obligatoire dès 2017. Entreprises de taille intermédiaire : 2018. "
        "PME : 2019. Micro-entreprises : 2020. Depuis le 1er janvier 2020, toutes les entreprises "
        "doivent envoyer leurs factures électroniques à la sphère publique.",
        S004,
    ),
    FaqEntry(
        "pme",
        "Depuis quand une PME doit-elle envoyer des factures électroniques ?",
        "pme pme petite moyenne entreprise 2019 ordonnance 2014 obligatoire obligation",
        "Pour les PME, l'obligation s'applique depuis le 1er janvier 2019 (ordonnance du 26 juin "
        "2014). Rien n'empêchait de commencer avant pour anticiper.",
        S001 + " ; " + S002,
    ),
    FaqEntry(
        "micro-entreprise",
        "Je suis micro-entrepreneur, suis-je concerné ?",
        "micro entreprise entrepreneur auto artisan indépendant 2020 petite",
        "Oui : les micro-entreprises sont tenues de facturer électroniquement leurs clients "
        "publics depuis le 1er janvier 2020, dernière étape du calendrier.",
        S004,
    ),
    FaqEntry(
        "categorie-entreprise",
        "Comment savoir dans quelle catégorie d'entreprise je suis ?",
        "catégorie taille insee grande eti intermédiaire pme micro critères savoir",
        "La catégorie (grande entreprise, ETI, PME, micro-entreprise) est définie par l'INSEE "
        "selon l'effectif, le chiffre d'affaires et le total de bilan. Consultez la définition sur "
        "le site de l'INSEE ; la fiche de votre structure l'affiche aussi quand elle est connue.",
        S004,
    ),
    FaqEntry(
        "entites-publiques",
        "Les collectivités sont-elles obligées de recevoir les factures électroniques ?",
        "collectivité entité publique obligée recevoir traiter mairie établissement",
        "Oui : toutes les entités publiques (État, collectivités, établissements publics) sont "
        "tenues de recevoir et de traiter les factures électroniques de leurs fournisseurs.",
        S001,
    ),
    FaqEntry(
        "gratuit",
        "Le service est-il payant ?",
        "gratuit payant coût prix tarif abonnement",
        "Non : le portail est un point d'entrée unique et gratuit pour transmettre et suivre les "
        "factures destinées à la sphère publique.",
        S000 + " ; " + S001,
    ),
    FaqEntry(
        "avantages",
        "Quels sont les avantages de la facture électronique ?",
        "avantages intérêt bénéfices pourquoi dématérialiser économies",
        "Transmission instantanée et sécurisée, traçabilité et suivi en ligne, délai de paiement "
        "raccourci, économies d'affranchissement, de papier et de stockage, archivage assuré.",
        S001 + " ; " + S004,
    ),
    FaqEntry(
        "archivage",
        "Combien de temps mes factures sont-elles conservées ?",
        "archivage conservation archive durée dix 10 ans garder",
        "Les factures déposées sont archivées 10 ans et restent consultables par le fournisseur. "
        "Un document déposé n'est jamais modifié ni supprimé.",
        DOC + " §9",
    ),
    # --- destinataires publics -------------------------------------------------------------------
    FaqEntry(
        "traiter-facture-recue",
        "Comment traiter une facture reçue quand on est une entité publique ?",
        "traiter facture reçue recues agent public collectivité valider statut mettre à jour",
        "Dans « Factures reçues », ouvrez la facture et choisissez l'action : service fait, "
        "mandatée, mise en paiement… ou la suspendre, la mettre à recycler ou la rejeter avec un "
        "motif obligatoire. Le fournisseur est prévenu de chaque changement.",
        S001 + " ; " + DOC + " §4.2",
    ),
    FaqEntry(
        "parametres-public",
        "Comment rendre le code service ou le numéro d'engagement obligatoire ?",
        "paramètres rendre obligatoire exiger code service engagement structure publique",
        "Le gestionnaire principal d'une structure publique règle ses paramètres de facturation : "
        "code service obligatoire, numéro d'engagement obligatoire, ou l'un des deux. Il doit "
        "ensuite communiquer son SIRET et ces références à ses fournisseurs.",
        S001 + " ; " + DOC + " §6.3",
    ),
    FaqEntry(
        "codes-service-collectivite",
        "Quels codes service utiliser pour une facture sur marché ou hors marché ?",
        "factures_sur_marche factures_hors_marche marché hors collectivité codes",
        "Certaines collectivités publient deux codes service : FACTURES_SUR_MARCHE pour les "
        "factures liées à un marché public et FACTURES_HORS_MARCHE pour les autres. Utilisez les "
        "codes indiqués par votre client sur le bon de commande.",
        S004,
    ),
    FaqEntry(
        "numero-commande-cavimac",
        "Quel numéro de commande mettre pour la Cavimac ?",
        "cavimac numéro commande 8 chiffres 2024 montreuil",
        "La Cavimac demande un numéro de commande valide à 8 chiffres commençant par 2024, "
        "indiqué comme référence d'engagement, et son SIRET 430 019 125 00029 comme destinataire.",
        S000,
    ),
    FaqEntry(
        "sous-traitance",
        "Comment fonctionne la facturation d'un sous-traitant ?",
        "sous-traitant sous traitance cotraitant paiement direct titulaire validation",
        "Seuls les sous-traitants de premier rang ont droit au paiement direct. Le titulaire du "
        "marché a 15 jours pour valider ou refuser la facture du sous-traitant ; sans réponse, "
        "elle est réputée validée.",
        DOC + " §9",
    ),
    # --- aide ----------------------------------------------------------------------------------
    FaqEntry(
        "hotline",
        "Quels sont les horaires de l'assistance téléphonique ?",
        "hotline horaires téléphone appeler assistance joindre heures ouverture",
        "Sur le vrai portail, l'assistance est joignable du lundi au vendredi de 08h30 à 18h30. "
        "Cet émulateur n'a pas de hotline : posez votre question à l'assistant ou saisissez une "
        "sollicitation.",
        S000 + " ; " + S004,
    ),
    FaqEntry(
        "sollicitation",
        "Comment contacter le support et saisir une sollicitation ?",
        "sollicitation contacter support nous contacter demande aide problème technique",
        "Sans compte : lien « Nous contacter » en bas de page. Connecté : « Sollicitations » puis "
        "« Saisir une sollicitation ». Choisissez une catégorie, décrivez le problème et joignez "
        "des fichiers si besoin ; la réponse vous est notifiée par e-mail.",
        S002,
    ),
    FaqEntry(
        "questions-dematerialisation",
        "À qui poser des questions générales sur la dématérialisation ?",
        "questions générales dématérialisation processus équipe ministérielle communauté",
        "Pour les questions générales, la communauté Chorus Pro propose des kits d'utilisation et "
        "des tutoriels vidéo ; votre client public ou son équipe dématérialisation peut aussi vous "
        "renseigner. Les questions sur l'établissement des factures se règlent avec l'acheteur.",
        S002 + " ; " + S001,
    ),
    FaqEntry(
        "assistant",
        "Qui êtes-vous, assistant ?",
        "assistant robot chatbot qui es tu claudia virtuel",
        "Je suis l'Assistant chorus : je réponds à partir d'une FAQ rédigée pour cet émulateur et "
        "je peux donner le statut de vos factures. Je fonctionne hors ligne et je ne suis pas "
        "l'assistante du vrai portail.",
        "support/assistant",
    ),
    FaqEntry(
        "emulateur",
        "Ce site est-il le vrai Chorus Pro ?",
        "vrai officiel émulateur test formation valeur légale",
        "Non : ce site est un émulateur destiné aux tests et à la formation. Les factures déposées "
        "ici n'ont aucune valeur légale ; utilisez le portail officiel pour vos vraies factures.",
        "templates/base.html",
    ),
)
