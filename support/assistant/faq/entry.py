"""One FAQ entry of the «Assistant chorus» and the sources the answers cite."""

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
