"""A knowledge base: its store on disk, the ingestor that fills it, the hybrid index that searches it, and the
extractors configured for it (none unless configured; see `extractors.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from luodi.knowledge.extractors import Extractor, extract_all, extractors_signature
from luodi.knowledge.ingest import Ingestor, IngestReport, ProgressCallback, source_document
from luodi.knowledge.search import Hit, HybridIndex, SearchFilter
from luodi.knowledge.store import KnowledgeStore, replace_facts

EXTRACTORS_META = "extractors"  # the names and versions of the extractors the stored facts came from


class KnowledgeBase:
    def __init__(self, directory: Path, extractors: Sequence[Extractor] = ()) -> None:
        self.directory = directory
        self.store = KnowledgeStore(directory)
        self.extractors = tuple(extractors)
        self._index: HybridIndex | None = None
        # opened without extractors, a knowledge base leaves the facts others extracted as they are
        if self.extractors and self.store.meta(EXTRACTORS_META) != extractors_signature(self.extractors):
            self.reextract_facts()

    def reextract_facts(self) -> int:
        """Facts again from the stored page texts with the configured extractors (no re-reading, no
        re-embedding)."""
        count = 0
        for document in self.store.documents():
            facts = extract_all(self.extractors, source_document(document, self.store.pages(document.doc_id)))
            with self.store.transaction() as db:
                replace_facts(db, document.doc_id, facts)
            count += len(facts)
        self.store.set_meta(EXTRACTORS_META, extractors_signature(self.extractors))
        return count

    def ingest(
        self,
        paths: Iterable[Path],
        metadata_for: Callable[[Path], dict[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        report = Ingestor(self.store, self.extractors).ingest(paths, metadata_for, progress)
        if report.added and self._index is not None:
            self._index.refresh()
        return report

    @property
    def index(self) -> HybridIndex:
        if self._index is None:
            self._index = HybridIndex(self.store)
        return self._index

    def search(self, query: str, k: int = 8, where: SearchFilter | None = None) -> list[Hit]:
        return self.index.search(query, k, where)
