"""A knowledge base: its store on disk, the ingestor that fills it and the hybrid index that searches it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from luodi.knowledge.ingest import Ingestor, IngestReport, ProgressCallback
from luodi.knowledge.search import Hit, HybridIndex, SearchFilter
from luodi.knowledge.store import KnowledgeStore, replace_facts
from luodi.packs.filings.periods import stated_quarter
from luodi.packs.filings.statements import EXTRACTOR_VERSION, extract_statement_facts


class KnowledgeBase:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = KnowledgeStore(directory)
        self._index: HybridIndex | None = None
        if self.store.meta("extractor_version") != EXTRACTOR_VERSION:
            self.reextract_facts()

    def reextract_facts(self) -> int:
        """Statement facts again from the stored page texts (no re-reading, no re-embedding)."""
        count = 0
        for document in self.store.documents():
            facts = extract_statement_facts(self.store.pages(document.doc_id), document.period_year,
                                            stated_quarter(document.title))
            with self.store.transaction() as db:
                replace_facts(db, document.doc_id, facts)
            count += len(facts)
        self.store.set_meta("extractor_version", EXTRACTOR_VERSION)
        return count

    def ingest(
        self,
        paths: Iterable[Path],
        metadata_for: Callable[[Path], dict[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        report = Ingestor(self.store).ingest(paths, metadata_for, progress)
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
