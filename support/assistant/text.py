"""French text normalisation for retrieval: accent folding, stop words, synonyms, light stemming."""

import re
import unicodedata

STOPWORDS = frozenset(
    [
        "a",
        "ai",
        "as",
        "au",
        "aux",
        "avec",
        "avez",
        "c",
        "ca",
        "ce",
        "ces",
        "cet",
        "cette",
        "comment",
        "d",
        "dans",
        "de",
        "des",
        "dois",
        "doit",
        "du",
        "elle",
        "en",
        "est",
        "et",
        "etre",
        "faire",
        "fait",
        "faut",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "m",
        "ma",
        "me",
        "mes",
        "mon",
        "n",
        "ne",
        "nous",
        "on",
        "ont",
        "ou",
        "par",
        "pas",
        "pour",
        "peut",
        "peux",
        "pourquoi",
        "qu",
        "quand",
        "que",
        "quel",
        "quelle",
        "quelles",
        "quels",
        "qui",
        "quoi",
        "s",
        "sa",
        "se",
        "ses",
        "si",
        "son",
        "sont",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "suis",
        "puis",
        "faut",
        "il-y",
        "est-ce",
        "cela",
        "ceci",
        "bien",
        "tres",
        "mais",
        "donc",
        "alors",
        "ainsi",
        "aussi",
        "deja",
        "encore",
        "meme",
        "moi",
        "toi",
        "veut",
        "veux",
        "voudrais",
        "souhaite",
        "aimerais",
        "besoin",
        "savoir",
        "dire",
        "merci",
        "bonjour",
        "svp",
        "stp",
    ]
)

# Multi-word expressions rewritten before tokenising (accent-folded, lower case).
PHRASES = (
    ("bon de commande", "engagement"),
    ("boite mail", "email"),
    ("boite aux lettres", "email"),
    ("code du service", "codeservice"),
    ("deux fois", "double"),
    ("veut dire", " "),
    ("c est quoi", " "),
    ("qu est-ce que", " "),
    ("qu est ce que", " "),
    ("numero de commande", "engagement"),
    ("n de commande", "engagement"),
    ("mot de passe", "motdepasse"),
    ("e-mail", "email"),
    ("hot line", "hotline"),
    ("assistance telephonique", "hotline"),
    ("service client", "support"),
    ("service fait", "servicefait"),
    ("mise en paiement", "paiement"),
    ("mise a disposition", "disposition"),
    ("a recycler", "recycler"),
    ("sous-traitant", "soustraitant"),
    ("sous traitant", "soustraitant"),
    ("sous-traitance", "soustraitant"),
    ("micro-entreprise", "microentreprise"),
    ("micro entreprise", "microentreprise"),
    ("micro-entrepreneur", "microentreprise"),
    ("auto-entrepreneur", "microentreprise"),
    ("auto entrepreneur", "microentreprise"),
    ("taille intermediaire", "eti"),
    ("petite et moyenne", "pme"),
    ("petites et moyennes", "pme"),
    ("code service", "codeservice"),
    ("service executant", "codeservice"),
    ("engagement juridique", "engagement"),
    ("nous contacter", "sollicitation"),
    ("piece jointe", "piecejointe"),
    ("pieces jointes", "piecejointe"),
)

# Synonym groups: every word of a group is replaced by the group's first word (before stemming).
SYNONYMS = (
    ("engagement", "ej", "commande"),
    ("email", "mail", "courriel", "mel"),
    (
        "payer",
        "paye",
        "payee",
        "payes",
        "paiement",
        "paiements",
        "regle",
        "reglee",
        "reglement",
        "virement",
        "verse",
        "argent",
    ),
    ("rejet", "rejetee", "rejete", "rejeter", "rejets", "refusee", "refuse", "refus"),
    ("recycler", "recyclage", "recyclee", "recycle", "recyclees"),
    ("suspendue", "suspension", "suspendu", "suspendre", "bloquee"),
    ("deposer", "depot", "deposee", "deposees", "envoyer", "transmettre", "soumettre", "emettre"),
    ("hotline", "telephone", "appeler", "telephonique", "standard", "numero-telephone"),
    ("horaire", "horaires", "heures", "ouverture", "joignable", "ouvert"),
    ("structure", "fiche", "entreprise", "societe", "boite"),
    ("rattacher", "rattachement", "rattache", "rattachee", "rejoindre", "lier", "associer"),
    ("obligatoire", "obligation", "oblige", "obligee", "tenue", "imposee", "concerne", "concernee"),
    ("gratuit", "payant", "cout", "prix", "tarif", "coute"),
    ("sollicitation", "sollicitations", "ticket", "reclamation"),
    ("support", "assistance", "aide"),
    ("statut", "etat", "etape", "avancement"),
    ("pdf", "scan", "scanne"),
    ("avoir", "avoirs"),
    ("motdepasse", "mdp", "password"),
    ("archivage", "archive", "conservation", "conserve", "conservees"),
    ("delai", "delais", "combien-jours"),
    ("codeservice", "se"),
    ("piecejointe", "annexe", "justificatif", "justificatifs"),
)

_SUFFIXES = (
    "issements",
    "issement",
    "ements",
    "ement",
    "ations",
    "ation",
    "ateurs",
    "ateur",
    "atrices",
    "atrice",
    "ances",
    "ance",
    "ences",
    "ence",
    "ites",
    "ite",
    "ables",
    "able",
    "istes",
    "iste",
    "euses",
    "euse",
    "eux",
    "ives",
    "ive",
    "ifs",
    "if",
    "ages",
    "age",
    "ees",
    "ee",
    "ers",
    "er",
    "ez",
    "es",
    "e",
    "s",
    "x",
)

_WORD = re.compile(r"[a-z0-9_]+(?:-[a-z0-9_]+)*")


def fold(text: str) -> str:
    """Lower case, no accents, typographic apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("’", " ").replace("'", " ").replace("«", " ").replace("»", " ")


def stem(word: str) -> str:
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_SYNONYM_OF = {word: group[0] for group in SYNONYMS for word in group}


def tokens(text: str) -> list[str]:
    """Normalised, synonym-mapped, stemmed tokens without stop words."""
    text = fold(text)
    for phrase, replacement in PHRASES:
        text = text.replace(phrase, replacement)
    result = []
    for word in _WORD.findall(text):
        for part in word.split("-") if word not in _SYNONYM_OF else [word]:
            if part in STOPWORDS or not part:
                continue
            part = _SYNONYM_OF.get(part, part)
            result.append(stem(part))
    return result
