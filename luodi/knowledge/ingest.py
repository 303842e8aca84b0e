"""Ingest files into a knowledge base: read, describe (what the caller states, else what the configured metadata
readers find, else what the format's reader found), cut into passages, drop near-duplicates, embed, run the
knowledge base's extractors (none unless configured), and commit each document in one transaction.

Idempotent: a document is keyed by the hash of its bytes, so a file ingested twice is skipped. A file that
cannot be read is reported by name and skipped; what is already indexed is untouched.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from luodi.knowledge.chunking import chunk_page
from luodi.knowledge.dedup import NearDuplicateIndex
from luodi.knowledge.embedding import embed
from luodi.knowledge.extractors import Extractor, Fact, SourceDocument, extract_all, read_metadata
from luodi.knowledge.readers import SUPPORTED_SUFFIXES, ParsedDocument, UnreadableDocument, read_document
from luodi.knowledge.store import DocumentRecord, KnowledgeStore, Passage

ProgressCallback = Callable[[Path, int, int], None]  # (file, files done, files total)
PageProgress = Callable[[Path, int, int], None]  # (file, pages done, pages of the file), as its pages are embedded


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    failure_codes: dict[str, str] = field(default_factory=dict)  # file name -> why, as OpenAI's last_error code
    pages: int = 0
    passages: int = 0
    duplicates: int = 0
    facts: int = 0
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def collect_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            files.append(path)
    return files


def document_id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


class Ingestor:
    def __init__(self, store: KnowledgeStore, extractors: Sequence[Extractor] = ()) -> None:
        self.store = store
        self.extractors = tuple(extractors)
        self._duplicates = NearDuplicateIndex()
        for passage_id, signature in store.minhashes():
            self._duplicates.add(passage_id, signature)

    def ingest(
        self,
        paths: Iterable[Path],
        metadata_for: Callable[[Path], dict[str, Any]] | None = None,
        progress: ProgressCallback | None = None,
        page_progress: PageProgress | None = None,
    ) -> IngestReport:
        report = IngestReport()
        started = time.perf_counter()
        files = collect_files(paths)
        for done, path in enumerate(files, start=1):
            try:
                self._ingest_file(path, (metadata_for or (lambda _: {}))(path), report, page_progress)
            except (UnreadableDocument, OSError) as exc:
                report.failed.append((path.name, str(exc)))
                report.failure_codes[path.name] = exc.code if isinstance(exc, UnreadableDocument) else "server_error"
            if progress:
                progress(path, done, len(files))
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_file(self, path: Path, metadata: dict[str, Any], report: IngestReport,
                     page_progress: PageProgress | None = None) -> None:
        doc_id = document_id(path)
        if self.store.has_document(doc_id):
            report.unchanged.append(path.name)
            return
        document = read_document(path)
        record = self._describe(doc_id, path, document, metadata)
        passages, signatures = self._new_passages(doc_id, document, report)
        vectors = embedded_by_page(passages, len(document.pages), lambda done: page_progress and page_progress(
            path, done, len(document.pages)))
        facts = extract_all(self.extractors, source_document(record, document.pages))
        try:
            self._commit(record, document, passages, vectors, signatures, facts)
        except IntegrityError:
            if not self.store.has_document(doc_id):
                raise  # not the same file committed by another process meanwhile: a real failure
            report.unchanged.append(path.name)
            return
        for passage, signature in zip(passages, signatures, strict=True):
            self._duplicates.add(passage.passage_id, signature)
        report.added.append(path.name)
        report.pages += len(document.pages)
        report.passages += len(passages)
        report.facts += len(facts)

    def _describe(self, doc_id: str, path: Path, document: ParsedDocument, stated: dict[str, Any]) -> DocumentRecord:
        """The document's record: what the caller stated wins, then what the metadata readers found, then what
        the format's reader found."""
        generic = DocumentRecord(
            doc_id=doc_id,
            source=str(stated.get("source") or path),  # an upload's own name, not where it was spooled
            title=str(stated.get("title") or document.title),
            company=str(stated.get("company") or ""),
            period_year=stated.get("period_year") or document.metadata.get("period_year"),
            metadata={**document.metadata, **stated},
            pages=len(document.pages),
        )
        found = read_metadata(self.extractors, source_document(generic, document.pages))
        return replace(
            generic,
            company=generic.company or found.company,
            period_year=stated.get("period_year") or found.period_year or generic.period_year,
            metadata={**document.metadata, **found.values, **stated},
        )

    def _commit(self, record: DocumentRecord, document: ParsedDocument, passages: list[Passage], vectors: Any,
                signatures: list[Any], facts: list[Fact]) -> None:
        with self.store.transaction() as db:
            self.store.insert_document(db, record, document.pages)
            self.store.insert_passages(db, passages, vectors, signatures)
            self.store.insert_facts(db, record.doc_id, facts)
            self.store.insert_tables(db, record.doc_id, document.tables)

    def _new_passages(
        self, doc_id: str, document: ParsedDocument, report: IngestReport
    ) -> tuple[list[Passage], list[Any]]:
        passages: list[Passage] = []
        signatures: list[Any] = []
        local = NearDuplicateIndex()  # duplicates within this document, before any of it is committed
        for number, text in enumerate(document.pages, start=1):
            for chunk in chunk_page(number, text):
                signature = NearDuplicateIndex.signature(chunk.text)
                if self._duplicates.duplicate_of(signature) or local.duplicate_of(signature):
                    report.duplicates += 1
                    continue
                passage_id = f"{doc_id}:{number}:{chunk.start}"
                local.add(passage_id, signature)
                passages.append(Passage(passage_id, doc_id, number, chunk.start, chunk.end, chunk.text))
                signatures.append(signature)
        return passages, signatures


PAGES_PER_BATCH = 8  # embedded together: big enough to batch well, small enough to report progress often


def embedded_by_page(passages: list[Passage], page_count: int, progress: Callable[[int], object]) -> Any:
    """The passages' vectors, embedded a few pages at a time, telling `progress` how many pages are done."""
    import numpy as np

    batches: list[Any] = []
    for first in range(1, page_count + 1, PAGES_PER_BATCH):
        last = first + PAGES_PER_BATCH - 1
        batch = [p.text for p in passages if first <= p.page <= last]
        if batch:
            batches.append(embed(batch))
        progress(min(last, page_count))
    return np.vstack(batches) if batches else np.zeros((0, 0), dtype=np.float32)


def source_document(record: DocumentRecord, pages: list[str]) -> SourceDocument:
    """What the extractors read of a document: its pages and its record's title, company, year and metadata."""
    return SourceDocument(title=record.title, pages=pages, company=record.company, period_year=record.period_year,
                          metadata=record.metadata)
