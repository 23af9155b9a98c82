"""Static content of the «Aide» pages: the page list, the obligation calendar and hotline hours."""

HELP_PAGES: dict[str, str] = {
    "premiers-pas": "Premiers pas",
    "creer-son-compte": "Créer son compte",
    "rattachement": "Se rattacher à une structure",
    "deposer-une-facture": "Déposer une facture",
    "suivre-une-facture": "Suivre une facture",
    "traiter-une-facture-recue": "Traiter une facture reçue",
}

# seeds/004: which companies must send e-invoices to the public sector, by year.
OBLIGATION_YEARS = (2017, 2018, 2019, 2020)
OBLIGATION_CALENDAR: tuple[tuple[str, tuple[bool, ...]], ...] = (
    ("Grandes entreprises", (True, True, True, True)),
    ("Entreprises de taille intermédiaire", (False, True, True, True)),
    ("PME", (False, False, True, True)),
    ("Micro-entreprises", (False, False, False, True)),
)

HOTLINE_HOURS = "du lundi au vendredi de 08h30 à 18h30"
