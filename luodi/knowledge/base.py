"""A knowledge base: its store (rows of the platform database, or a SQLite file of its own; see `store.py`), the
ingestor that fills it, the hybrid index that searches it, and the extractors configured for it (none unless
configured; see `extractors.py`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from luodi.knowledge.extractors import Extractor, extract_all, extractors_signature
from luodi.knowledge.ingest import Ingestor, IngestReport, PageProgress, ProgressCallback, source_document
from luodi.knowledge.search import Hit, HybridIndex, SearchFilter
from luodi.knowledge.store import KnowledgeStore


class KnowledgeBase:
    """`location`: a directory (a knowledge base in a SQLite file of its own) or a store in the platform
    database."""

    def __init__(self, location: Path | KnowledgeStore, extractors: Sequence[Extractor] = ()) -> None:
        self.store = location if isinstance(location, KnowledgeStore) else KnowledgeStore.in_directory(location)
        self.location = str(location) if isinstance(location, Path) else f"kb {', '.join(self.store.kb_ids)}"
        self.extractors = tuple(extractors)
        self._index: HybridIndex | None = None
        self._index_lock = threading.Lock()
        # opened without extractors, a knowledge base leaves the facts others extracted as they are
        if self.extractors and self.store.extractors_signature() != extractors_signature(self.extractors):
            self.reextract_facts()

    def reextract_facts(self) -> int:
        """Facts again from the stored page texts with the configured extractors (no re-reading, no
        re-embedding)."""
        count = 0
        for document in self.store.documents():
            facts = extract_all(self.extractors, source_document(document, self.store.pages(document.doc_id)))
            with self.store.transaction() as db:
                self.store.replace_facts(db, document.doc_id, facts)
            count += len(facts)
        self.store.set_extractors_signature(extractors_signature(self.extractors))
        return count

    def ingest(
        self,
        paths: Iterable[Path],
        metadata_for: Callable[[Path], dict[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
        page_progress: PageProgress | None = None,
    ) -> IngestReport:
        return Ingestor(self.store, self.extractors).ingest(paths, metadata_for, progress, page_progress)

    @property
    def index(self) -> HybridIndex:
        """The search index, loaded on first use and reloaded whenever the store's revision moved (a document added
        or removed by this process, another process or another replica)."""
        with self._index_lock:
            if self._index is None:
                self._index = HybridIndex(self.store)
            else:
                self._index.refresh_if_changed()
            return self._index

    def search(self, query: str, k: int = 8, where: SearchFilter | None = None) -> list[Hit]:
        return self.index.search(query, k, where)
