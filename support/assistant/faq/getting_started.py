"""FAQ, first half: account, structures, references (SIRET, service, EJ) and deposit."""

from support.assistant.faq.entry import DOC, S000, S001, S002, S004, FaqEntry

ENTRIES: tuple[FaqEntry, ...] = (
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
)
