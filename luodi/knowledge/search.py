"""Hybrid search: BM25 (bm25s) and dense cosine (MiniLM) rankings fused by reciprocal rank.

BM25 finds the exact words and numbers a document uses; vectors find paraphrases ("capex" for
"purchases of property"). Reciprocal-rank fusion needs no score calibration between the two. Filters
(document, company, period) are applied before ranking, so a filtered search ranks only what it may return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from luodi.knowledge.embedding import embed
from luodi.knowledge.store import DocumentRecord, KnowledgeStore, Passage

RRF_K = 60
DENSE_DEPTH = 100  # how many of each ranking are fused


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


@dataclass(frozen=True)
class _Loaded:
    """One revision of the store, as loaded: replaced whole, so a search running meanwhile sees one revision."""

    revision: tuple[int, ...]
    documents: dict[str, DocumentRecord]
    passages: list[Passage]
    vectors: np.ndarray  # empty where the database searches the vectors
    doc_of: np.ndarray
    bm25: Any
    position: dict[str, int]  # passage id -> its index in `passages`


class HybridIndex:
    """Loaded from the store; reloaded when the store's revision moved (`refresh_if_changed`)."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._loaded = self._load()

    @property
    def documents(self) -> dict[str, DocumentRecord]:
        return self._loaded.documents

    @property
    def passages(self) -> list[Passage]:
        return self._loaded.passages

    def refresh_if_changed(self) -> bool:
        if self.store.revision() == self._loaded.revision:
            return False
        self.refresh()
        return True

    def refresh(self) -> None:
        self._loaded = self._load()

    def _load(self) -> _Loaded:
        import bm25s

        revision = self.store.revision()  # read first: a document committed meanwhile moves it again
        documents = {d.doc_id: d for d in self.store.documents()}
        if self.store.searches_vectors_in_database:
            passages, vectors = self.store.passages(), np.zeros((0, 0), dtype=np.float32)
        else:
            passages, vectors = self.store.passages_with_vectors()
        bm25 = bm25s.BM25()
        if passages:
            tokens = bm25s.tokenize([p.text for p in passages], stopwords="en", show_progress=False)
            bm25.index(tokens, show_progress=False)
        position: dict[str, int] = {}
        for index, passage in enumerate(passages):
            position.setdefault(passage.passage_id, index)
        return _Loaded(revision, documents, passages, vectors,
                       np.array([p.doc_id for p in passages], dtype=object), bm25, position)

    def search(self, query: str, k: int = 8, where: SearchFilter | None = None) -> list[Hit]:
        loaded = self._loaded
        mask = _mask(loaded, where)
        if not mask.any():
            return []
        lexical = _ranks(_lexical_scores(loaded, query), mask, positive_only=True)
        dense = self._dense_ranks(loaded, query, where, mask)
        fused: dict[int, float] = {}
        for ranks in (lexical, dense):
            for index, rank in ranks.items():
                fused[index] = fused.get(index, 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        return [Hit(loaded.passages[i], fused[i], lexical.get(i), dense.get(i)) for i in best]


    def _dense_ranks(self, loaded: _Loaded, query: str, where: SearchFilter | None, mask: np.ndarray
                     ) -> dict[int, int]:
        if not self.store.searches_vectors_in_database:
            return _ranks(_dense_scores(loaded, query), mask, positive_only=False)
        allowed = None if where is None else [d for d, record in loaded.documents.items() if where.admits(record)]
        found = self.store.nearest(embed([query])[0], allowed, DENSE_DEPTH)
        indices = [loaded.position[p] for p in found if p in loaded.position]  # a passage added since: next load
        return {index: rank for rank, index in enumerate(indices, start=1)}


def _mask(loaded: _Loaded, where: SearchFilter | None) -> np.ndarray:
    if where is None:
        return np.ones(len(loaded.passages), dtype=bool)
    allowed = {doc_id for doc_id, d in loaded.documents.items() if where.admits(d)}
    return np.array([doc_id in allowed for doc_id in loaded.doc_of], dtype=bool)


def _lexical_scores(loaded: _Loaded, query: str) -> np.ndarray:
    import bm25s

    tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)[0]
    if not tokens or not loaded.passages:
        return np.zeros(len(loaded.passages))
    return np.asarray(loaded.bm25.get_scores(tokens), dtype=np.float64)


def _dense_scores(loaded: _Loaded, query: str) -> np.ndarray:
    if not loaded.passages:
        return np.zeros(0)
    return np.asarray(loaded.vectors @ embed([query])[0])


def _ranks(scores: np.ndarray, mask: np.ndarray, positive_only: bool, depth: int = DENSE_DEPTH) -> dict[int, int]:
    """1-based ranks of the best `depth` admitted passages."""
    candidates = np.where(mask & (scores > 0) if positive_only else mask)[0]
    order = candidates[np.argsort(-scores[candidates], kind="stable")][:depth]
    return {int(index): rank for rank, index in enumerate(order, start=1)}
