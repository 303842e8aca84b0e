"""Hybrid search: BM25 (bm25s) and dense cosine (MiniLM) rankings fused by reciprocal rank.

BM25 finds the exact words and numbers a document uses; vectors find paraphrases ("capex" for
"purchases of property"). Reciprocal-rank fusion needs no score calibration between the two. Filters
(document, company, period) are applied before ranking, so a filtered search ranks only what it may return.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from luodi.knowledge.embedding import embed
from luodi.knowledge.store import DocumentRecord, KnowledgeStore, Passage

RRF_K = 60


@dataclass(frozen=True)
class SearchFilter:
    doc_ids: frozenset[str] | None = None
    company: str | None = None
    period_year: int | None = None

    def admits(self, document: DocumentRecord) -> bool:
        if self.doc_ids is not None and document.doc_id not in self.doc_ids:
            return False
        if self.company and self.company.lower() not in (document.company or "").lower():
            return False
        return self.period_year is None or document.period_year == self.period_year


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float
    lexical_rank: int | None
    dense_rank: int | None


class HybridIndex:
    """Loaded once per process from the store; rebuilt when the store changes (`refresh`)."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self.refresh()

    def refresh(self) -> None:
        import bm25s

        self.documents = {d.doc_id: d for d in self.store.documents()}
        self.passages = self.store.passages()
        self.vectors = self.store.vectors()
        self._doc_of = np.array([p.doc_id for p in self.passages], dtype=object)
        self._bm25 = bm25s.BM25()
        if self.passages:
            tokens = bm25s.tokenize([p.text for p in self.passages], stopwords="en", show_progress=False)
            self._bm25.index(tokens, show_progress=False)

    def _mask(self, where: SearchFilter | None) -> np.ndarray:
        if where is None:
            return np.ones(len(self.passages), dtype=bool)
        allowed = {doc_id for doc_id, d in self.documents.items() if where.admits(d)}
        return np.array([doc_id in allowed for doc_id in self._doc_of], dtype=bool)

    def lexical_scores(self, query: str) -> np.ndarray:
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
        if not tokens or not self.passages:
            return np.zeros(len(self.passages))
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)

    def dense_scores(self, query: str) -> np.ndarray:
        if not self.passages:
            return np.zeros(0)
        return self.vectors @ embed([query])[0]

    def search(self, query: str, k: int = 8, where: SearchFilter | None = None) -> list[Hit]:
        mask = self._mask(where)
        if not mask.any():
            return []
        lexical = _ranks(self.lexical_scores(query), mask, positive_only=True)
        dense = _ranks(self.dense_scores(query), mask, positive_only=False)
        fused: dict[int, float] = {}
        for ranks in (lexical, dense):
            for index, rank in ranks.items():
                fused[index] = fused.get(index, 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [Hit(self.passages[i], fused[i], lexical.get(i), dense.get(i)) for i in best]


def _ranks(scores: np.ndarray, mask: np.ndarray, positive_only: bool, depth: int = 100) -> dict[int, int]:
    """1-based ranks of the best `depth` admitted passages."""
    candidates = np.where(mask & (scores > 0) if positive_only else mask)[0]
    order = candidates[np.argsort(-scores[candidates], kind="stable")][:depth]
    return {int(index): rank for rank, index in enumerate(order, start=1)}
