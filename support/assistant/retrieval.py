"""Offline BM25 retrieval over the curated FAQ.

Each entry is indexed as question ×3 + keywords ×2 + answer ×1 (after `text.tokens`: accent
folding, stop words, synonyms, stemming). The best entry is returned with its BM25 score; below
`THRESHOLD` the assistant says it does not know.
"""

import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from support.assistant.faq import FAQ, FaqEntry
from support.assistant.text import tokens

K1 = 1.4
B = 0.6
THRESHOLD = 2.5


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float


class Bm25Index:
    def __init__(self, entries: tuple[FaqEntry, ...]) -> None:
        self.entries = entries
        self.docs = [
            Counter(tokens(e.question) * 3 + tokens(e.keywords) * 2 + tokens(e.answer))
            for e in entries
        ]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.avg_length = sum(self.lengths) / len(self.lengths)
        df: Counter = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {term: math.log(1 + (n - f + 0.5) / (f + 0.5)) for term, f in df.items()}

    def search(self, query: str, *, limit: int = 3) -> list[Hit]:
        terms = set(tokens(query))
        scored = []
        for entry, doc, length in zip(self.entries, self.docs, self.lengths, strict=True):
            score = 0.0
            for term in terms:
                tf = doc.get(term)
                if not tf:
                    continue
                norm = K1 * (1 - B + B * length / self.avg_length)
                score += self.idf[term] * tf * (K1 + 1) / (tf + norm)
            if score > 0:
                scored.append(Hit(entry, score))
        scored.sort(key=lambda hit: hit.score, reverse=True)
        return scored[:limit]


@lru_cache(maxsize=1)
def index() -> Bm25Index:
    return Bm25Index(FAQ)


def faq_search(query: str, *, limit: int = 3) -> list[Hit]:
    return index().search(query, limit=limit)
