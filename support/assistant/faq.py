"""The curated FAQ of the «Assistant chorus», written from the seeds and the reference docs.

Each entry: a stable id, the question, extra keywords (words users type that the question does not
contain), the answer (French, our own words) and its source (seed file or doc section).
"""

from dataclasses import dataclass

S000 = "seeds/000 — courrier d'information aux fournisseurs (Cavimac, 2024)"
S001 = "seeds/001 — dépliant Chorus Pro pour les PME"
S002 = "seeds/002 — guide pas à pas du fournisseur"
S004 = "seeds/004 — page d'une collectivité pour ses fournisseurs"
DOC = "docs/chorus-pro.md"


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    keywords: str
    answer: str
    source: str


FAQ: tuple[FaqEntry, ...] = (
    # --- compte -------------------------------------------------------------------------------
    FaqEntry(
        "creer-compte",
        "Comment créer mon compte utilisateur ?",
        "inscription inscrire s'inscrire ouvrir compte nouveau utilisateur enregistrer",
        "Cliquez sur « Créer un compte », saisissez votre adresse e-mail, vos nom et prénom et un "
        "mot de passe. Un e-mail d'activation vous est envoyé : cliquez sur le lien qu'il contient "
        "pour activer le compte. Le compte correspond à une personne physique ; il faut ensuite le "
        "rattacher à la structure de votre entreprise.",
        S002,
    ),
    FaqEntry(
        "email-activation",
        "Je n'ai pas reçu l'e-mail d'activation de mon compte, que faire ?",
        "confirmation lien activer valider reçu recu spam courriel mail",
        "Vérifiez d'abord vos courriers indésirables. Le lien d'activation a une durée de validité "
        "limitée : s'il a expiré, reconnectez-vous avec votre adresse pour en demander un nouveau. "
        "Dans cet émulateur, les e-mails sont visibles dans la boîte mail du bac à sable. Si le "
        "problème persiste, saisissez une sollicitation « Compte et connexion ».",
        S002,
    ),
    FaqEntry(
        "email-generique",
        "Peut-on utiliser une adresse e-mail commune à plusieurs collègues ?",
        "générique partagée boîte mail groupe employés même compte plusieurs personnes",
        "Oui, c'est possible : le guide fournisseur suggère de créer une boîte mail générique pour "
        "qu'un groupe d'employés de la même entreprise utilise le même accès. Chaque personne peut "
        "aussi avoir son propre compte rattaché à la même structure, ce qui garde la trace de qui "
        "a fait quoi.",
        S002,
    ),
    FaqEntry(
        "mot-de-passe",
        "J'ai oublié mon mot de passe, comment me reconnecter ?",
        "motdepasse oublié perdu réinitialiser connexion impossible identifiant connecter",
        "Sur la page de connexion, utilisez le lien « Mot de passe oublié ? » : un e-mail vous "
        "permet d'en choisir un nouveau. Si votre compte est bloqué ou si vous n'avez plus accès à "
        "votre adresse e-mail, saisissez une sollicitation « Compte et connexion ».",
        S002,
    ),
    # --- structures -----------------------------------------------------------------------------
    FaqEntry(
        "creer-structure",
        "Comment créer la structure (fiche) de mon entreprise ?",
        "fiche structure entreprise société créer enregistrer siret insee sirene",
        "Depuis « Mon espace », choisissez « Créer une structure » et saisissez le SIRET de votre "
        "entreprise : ses données sont reprises de la base SIRENE de l'INSEE. La personne qui crée "
        "la structure en devient le gestionnaire principal. Une structure correspond à "
        "l'entreprise pour le compte de laquelle vous déposez des factures.",
        S002,
    ),
    FaqEntry(
        "rattachement",
        "Comment rattacher mon compte à la structure de mon entreprise ?",
        "rattacher rattachement demande rejoindre lier associer compte structure",
        "Depuis « Mon espace », choisissez « Demander un rattachement », recherchez la structure "
        "de votre entreprise par son SIRET et confirmez. Le gestionnaire principal de la structure "
        "reçoit la demande et l'accepte ou la refuse ; vous êtes prévenu par e-mail. Si la "
        "structure n'existe pas encore, créez-la : vous en serez le gestionnaire principal.",
        S002,
    ),
    FaqEntry(
        "rattachement-client-public",
        "Dois-je me rattacher à la structure de mon client public ?",
        "rattacher état destinataire client public erreur mauvaise structure collectivité",
        "Non. Rattachez-vous à la structure de VOTRE entreprise, jamais à celle de l'État ou de la "
        "collectivité qui reçoit vos factures. Le client public est choisi comme destinataire au "
        "moment du dépôt de chaque facture, avec son SIRET.",
        S002,
    ),
    FaqEntry(
        "gestionnaire-principal",
        "Qu'est-ce que le gestionnaire principal d'une structure ?",
        "gestionnaire principal rôle administrateur premier utilisateur simple droits",
        "Le gestionnaire principal est le premier utilisateur rattaché à la structure, en général "
        "celui qui l'a créée. Il accepte ou refuse les demandes de rattachement, ajoute et détache "
        "les utilisateurs. Les autres membres sont des utilisateurs simples : ils peuvent déposer "
        "et suivre les factures de la structure.",
        S002 + " ; " + DOC + " §6.4",
    ),
    FaqEntry(
        "rattachement-en-attente",
        "Ma demande de rattachement est toujours en attente de validation",
        "attente validation en cours demande rattachement pas acceptée bloquée relancer",
        "La demande doit être validée par le gestionnaire principal de la structure : contactez-le "
        "directement dans votre entreprise. Vous recevez un e-mail dès qu'il l'accepte ou la "
        "refuse. S'il a quitté l'entreprise, voyez la question sur le remplacement du gestionnaire "
        "principal.",
        DOC + " §6.4",
    ),
    FaqEntry(
        "gestionnaire-parti",
        "Le gestionnaire principal a quitté l'entreprise, comment le remplacer ?",
        "gestionnaire principal parti départ quitté remplacer changer nouveau transférer",
        "Le gestionnaire principal peut transférer son rôle à un autre membre depuis la page de la "
        "structure. S'il est déjà parti, seul le support peut désigner un nouveau gestionnaire "
        "principal, qui doit avoir un compte actif : saisissez une sollicitation « Structure et "
        "rattachement ».",
        DOC + " §6.4",
    ),
    FaqEntry(
        "plusieurs-etablissements",
        "Un seul compte peut-il servir pour plusieurs établissements ou SIRET ?",
        "plusieurs établissements siret structures sociétés filiales compte unique",
        "Oui : un même compte utilisateur peut être rattaché à plusieurs structures (plusieurs "
        "SIRET). Vous choisissez la structure émettrice au moment de déposer chaque facture.",
        DOC + " §6.4",
    ),
    # --- références ----------------------------------------------------------------------------
    FaqEntry(
        "engagement-juridique",
        "Qu'est-ce qu'un engagement juridique (EJ) ?",
        "ej engagement juridique numéro bon commande référence ligne budgétaire",
        "L'engagement juridique (EJ) est le numéro de la commande passée par l'entité publique : "
        "le numéro du bon de commande. Il correspond à la ligne budgétaire à laquelle la dépense "
        "est affectée. Il figure sur le bon de commande et doit être reporté sur la facture quand "
        "le destinataire l'exige.",
        S002 + " ; " + S000,
    ),
    FaqEntry(
        "code-service",
        "Qu'est-ce que le code service (service exécutant) ?",
        "code service exécutant se adresse facturation électronique traite dépense",
        "Le code service identifie le service de l'entité publique qui traite la dépense (le "
        "« service exécutant », SE). C'est en quelque sorte l'adresse de facturation électronique. "
        "Votre client public vous le communique, en général sur le bon de commande ; il est "
        "obligatoire si le destinataire l'a rendu obligatoire.",
        S002 + " ; " + S001,
    ),
    FaqEntry(
        "siret",
        "Qu'est-ce qu'un numéro SIRET ?",
        "siret siren 14 chiffres identifiant établissement insee numéro",
        "Le SIRET est l'identifiant à 14 chiffres d'un établissement, attribué par l'INSEE (les 9 "
        "premiers chiffres forment le SIREN de l'entreprise). Sur la plateforme, il identifie "
        "votre structure et celle de votre client public, destinataire de la facture.",
        S002 + " ; " + DOC + " §6.3",
    ),
    FaqEntry(
        "siret-etat",
        "Quel SIRET indiquer pour facturer l'État ?",
        "siret état destinataire administration ministère 11000201100044",
        "Pour les services de l'État, le SIRET destinataire est celui de l'État : "
        "110 002 011 000 44. Vous indiquez en plus le code du service exécutant et le numéro "
        "d'engagement juridique communiqués par le service qui a passé la commande.",
        S002,
    ),
    FaqEntry(
        "informations-obligatoires",
        "De quelles informations ai-je besoin pour déposer une facture ?",
        "informations obligatoires nécessaires besoin références destinataire préparer",
        "Il vous faut : le SIRET du destinataire public, le code service (service exécutant) qui "
        "traite la dépense et le numéro d'engagement juridique (numéro de bon de commande) lorsque "
        "le destinataire les exige. Toutes ces références figurent sur le bon de commande ; "
        "sinon, demandez-les à votre client public.",
        S002 + " ; " + S001 + " ; " + S004,
    ),
    # --- dépôt -----------------------------------------------------------------------------------
    FaqEntry(
        "deposer-pdf",
        "Comment déposer une facture au format PDF ?",
        "pdf déposer charger téléverser fichier signé envoyer transmettre",
        "Dans « Factures émises », créez une facture en mode dépôt de PDF : chargez votre fichier "
        "PDF (signé ou non), complétez le destinataire (SIRET, code service, engagement) et les "
        "montants, puis déposez-la. Le fichier ne doit pas dépasser 10 Mo. Un accusé de dépôt est "
        "produit.",
        S002 + " ; " + DOC + " §9",
    ),
    FaqEntry(
        "saisie-manuelle",
        "Comment saisir une facture directement en ligne ?",
        "saisie manuelle saisir formulaire créer facture en ligne portail lignes",
        "Dans « Factures émises », choisissez « Saisir une facture » : renseignez le destinataire, "
        "le numéro et la date de facture, puis les lignes (quantité, prix unitaire, taux de TVA). "
        "Les totaux sont calculés automatiquement. Vérifiez le récapitulatif puis déposez la "
        "facture.",
        S002,
    ),
    FaqEntry(
        "mandat-cgu",
        "Pourquoi dois-je signer le mandat de facturation et les conditions d'utilisation ?",
        "mandat facturation cgu conditions générales signer accepter signature",
        "Avant le premier dépôt, vous acceptez en ligne les conditions générales d'utilisation et "
        "le mandat de facturation. Sans cette acceptation, le dépôt d'une facture est refusé ; "
        "cela ne se fait qu'une fois par version des documents.",
        S002,
    ),
    FaqEntry(
        "pieces-jointes",
        "Quelles sont les règles pour les pièces jointes ?",
        "pièce jointe fichier annexe taille extension format nom 10 mo",
        "Chaque pièce jointe doit peser moins de 10 Mo et avoir un nom de 50 caractères au plus, "
        "avec une extension autorisée (PDF, XML, CSV, TXT, JPG, PNG, ZIP, DOCX, XLSX, ODT…). "
        "L'ensemble facture et pièces jointes ne doit pas dépasser 120 Mo.",
        DOC + " §9",
    ),
    FaqEntry(
        "logiciel-edi-api",
        "Puis-je envoyer mes factures depuis mon logiciel de facturation ?",
        "logiciel edi api raccordement interfacé éditeur flux automatique factur-x ubl cii",
        "Oui : au lieu du portail, un logiciel de facturation peut être raccordé par API ou par "
        "EDI et transmettre des flux (Factur-X, UBL, CII). Vérifiez auprès de votre éditeur que "
        "son logiciel est interfacé avec la plateforme.",
        S004 + " ; " + DOC + " §5",
    ),
    FaqEntry(
        "numero-double",
        "Puis-je réutiliser le même numéro de facture ?",
        "numéro facture doublon double même déjà utilisé existant unique réutiliser garder",
        "Non : un numéro de facture est unique pour un fournisseur et une année. Seule exception : "
        "une facture rejetée libère son numéro : vous pouvez le réutiliser pour la facture "
        "corrigée. Une facture recyclée garde, elle, son numéro.",
        DOC + " §9",
    ),
    FaqEntry(
        "avoir",
        "Comment émettre un avoir ?",
        "avoir remboursement crédit annuler facture trop facturé",
        "Depuis la facture d'origine, choisissez « Émettre un avoir » : l'avoir est une facture de "
        "type AVOIR qui référence la facture initiale et est adressé au même destinataire.",
        DOC + " §6.1",
    ),
    FaqEntry(
        "modifier-facture",
        "Puis-je modifier le montant d'une facture déjà déposée ?",
        "modifier corriger changer montant erreur facture déposée envoyée",
        "Non : une fois déposée, une facture ne peut plus être modifiée. En cas de montant erroné, "
        "le destinataire rejette la facture et vous en émettez une nouvelle. Seules les données "
        "d'acheminement (SIRET, code service, engagement) se corrigent, quand la facture est à "
        "recycler.",
        DOC + " §4.3",
    ),
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

FAQ_BY_ID: dict[str, FaqEntry] = {entry.id: entry for entry in FAQ}
