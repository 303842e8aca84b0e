"""The ingestion worker: vector-store files `in_progress` are read, embedded and committed into their vector
store's knowledge base, by whichever serving replica claims them first.

A claim is a row update in the platform database (on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`, so replicas
never take the same file; SQLite serializes its transactions anyway) with the worker's id and a heartbeat the
worker refreshes while it works. A claim whose heartbeat is older than `stale_after` belongs to a worker that
died (a server killed mid-ingest): any worker claims it again, and since a document is committed in one
transaction keyed by the hash of its bytes, the retry neither loses nor doubles anything.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import Extractor
from luodi.knowledge.ingest import IngestReport, document_id
from luodi.knowledge.store import KnowledgeStore, drop_knowledge_base
from luodi.knowledge.uploads import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    UploadedFile,
    VectorStore,
    VectorStoreFile,
    redescribe,
    remove_documents,
    same_bytes_attached,
    stated_metadata,
)
from luodi.ledger import audit, webhooks
from luodi.store import Store, utc_now
from luodi.workers import PollingWorker

log = logging.getLogger("luodi.knowledge.jobs")

MAX_ATTEMPTS = 3  # a file that kills its worker this often is failed, not retried for ever
Finished = Callable[[Session, VectorStoreFile], None]  # told in the transaction that ends a job


@dataclass(frozen=True)
class Stated:
    """What a job told the ingestor of its document: the file's attributes when it started, and its name."""

    attributes: dict[str, Any]
    filename: str


@dataclass(frozen=True)
class Claim:
    vector_store_id: str
    file_id: str
    attempts: int


def announce(session: Session, job: VectorStoreFile) -> None:
    """A job's end, in the transaction that ends it: audited, and the tenant's webhooks notified."""
    event = webhooks.INGESTION_COMPLETED if job.status == COMPLETED else webhooks.INGESTION_FAILED
    payload = {"vector_store_id": job.vector_store_id, "file_id": job.file_id, "status": job.status,
               "pages": job.pages_total, "attempts": job.attempts,
               **({"error": {"code": job.error_code, "message": job.error_message}} if job.error_code else {})}
    audit.append(session, event, payload, tenant_id=job.tenant_id)
    webhooks.notify(session, job.tenant_id, event, payload)


class IngestionWorker(PollingWorker):
    name = "ingestion"

    def __init__(self, store: Store, extractors: Mapping[str, Extractor], on_finished: Finished | None = announce,
                 interval: float = 0.5, heartbeat: float = 2.0, stale_after: float = 15.0) -> None:
        super().__init__(interval)
        self.store = store
        self.extractors = extractors
        self.on_finished = on_finished
        self.heartbeat = heartbeat
        self.stale_after = timedelta(seconds=stale_after)
        self.worker_id = f"{uuid.uuid4().hex[:12]}"

    def run_once(self) -> bool:
        claim = self.claim()
        if claim is None:
            return False
        self.process(claim)
        return True

    def claim(self) -> Claim | None:
        stale = utc_now() - self.stale_after
        with self.store.transaction() as session:
            row = session.scalar(
                select(VectorStoreFile)
                .where(VectorStoreFile.status == IN_PROGRESS,
                       or_(VectorStoreFile.claimed_by.is_(None), VectorStoreFile.heartbeat_at < stale))
                .order_by(VectorStoreFile.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if row is None:
                return None
            row.claimed_by, row.heartbeat_at, row.attempts = self.worker_id, utc_now(), row.attempts + 1
            if row.attempts > MAX_ATTEMPTS:
                self._end(session, row, FAILED, "server_error",
                          f"ingestion stopped {MAX_ATTEMPTS} times without finishing; the file may be too large")
                return None
            return Claim(row.vector_store_id, row.file_id, row.attempts)

    def process(self, claim: Claim) -> None:
        beating = threading.Event()
        beat = threading.Thread(target=self._beat, args=(claim, beating), daemon=True)
        beat.start()
        try:
            report, doc_id, used = self._ingest(claim)
        except Exception as exc:  # reported on the job; the worker goes on with the next one
            log.exception("ingesting %s into %s failed", claim.file_id, claim.vector_store_id)
            report, doc_id, used = IngestReport(failed=[(claim.file_id, f"{type(exc).__name__}: {exc}")]), None, None
        finally:
            beating.set()
            beat.join()
        self._conclude(claim, report, doc_id, used)

    def _conclude(self, claim: Claim, report: IngestReport, doc_id: str | None, used: Stated | None) -> None:
        """End the job on what was ingested: undo it when the file or its store went while it ran, run it again
        when its document is not stored after all (another file of the same bytes was taken out meanwhile), and
        describe the document by the file's attributes as they are now."""
        stored = doc_id is not None and KnowledgeStore(self.store.engine, [claim.vector_store_id]).has_document(doc_id)
        orphan: str | None = None
        with self.store.transaction() as session:
            row = session.get(VectorStoreFile, (claim.vector_store_id, claim.file_id))
            store_gone = session.get(VectorStore, claim.vector_store_id) is None
            if row is not None and row.claimed_by != self.worker_id:
                return  # taken over by another worker after a stall: its result stands
            if row is None:
                orphan = None if store_gone or same_bytes_attached(session, claim.vector_store_id, doc_id) else doc_id
            elif report.failed:
                name, reason = report.failed[0]
                self._end(session, row, FAILED, report.failure_codes.get(name, "server_error"), reason)
            elif not stored:
                row.claimed_by, row.heartbeat_at = None, None  # claimed again, read again
                return
            else:
                row.doc_id = doc_id
                self._end(session, row, COMPLETED)
        if row is None and store_gone:
            drop_knowledge_base(self.store.engine, claim.vector_store_id)
        elif row is None:
            remove_documents(self.store.engine, claim.vector_store_id, [orphan])
        elif not report.failed and used is not None:
            self._describe_as_now(claim, doc_id, used.filename)

    def _describe_as_now(self, claim: Claim, doc_id: str | None, filename: str) -> None:
        """The document described by the file's attributes read now, not when the job began: changed meanwhile,
        or the same bytes read before under other attributes."""
        with self.store.transaction() as session:
            row = session.get(VectorStoreFile, (claim.vector_store_id, claim.file_id))
            attributes = dict(row.attributes) if row is not None else None
        if attributes:
            redescribe(self.store.engine, claim.vector_store_id, doc_id, attributes, filename)

    def _ingest(self, claim: Claim) -> tuple[IngestReport, str | None, Stated | None]:
        with self.store.transaction() as session:
            upload = session.get(UploadedFile, claim.file_id)
            vector_store = session.get(VectorStore, claim.vector_store_id)
            row = session.get(VectorStoreFile, (claim.vector_store_id, claim.file_id))
            if upload is None or vector_store is None or row is None:
                return IngestReport(failed=[(claim.file_id, "the file or its vector store was deleted")]), None, None
            content, filename, attributes = upload.content, upload.filename, dict(row.attributes)
            extractors = [self.extractors[name] for name in vector_store.extractors if name in self.extractors]
        knowledge = KnowledgeBase(KnowledgeStore(self.store.engine, [claim.vector_store_id]), extractors)
        with tempfile.TemporaryDirectory(prefix="luodi-ingest-") as folder:
            path = Path(folder) / Path(filename).name
            path.write_bytes(content)
            stated = {**stated_metadata(attributes, filename), "file_id": claim.file_id}
            report = knowledge.ingest([path], metadata_for=lambda _: stated,
                                      page_progress=lambda _path, done, total: self._progress(claim, done, total))
            return report, document_id(path), Stated(attributes, filename)

    def _progress(self, claim: Claim, done: int, total: int) -> None:
        with self.store.transaction() as session:
            session.execute(update(VectorStoreFile)
                            .where(VectorStoreFile.vector_store_id == claim.vector_store_id,
                                   VectorStoreFile.file_id == claim.file_id,
                                   VectorStoreFile.claimed_by == self.worker_id)
                            .values(pages_done=done, pages_total=total, heartbeat_at=utc_now()))

    def _beat(self, claim: Claim, done: threading.Event) -> None:
        """Keep the claim alive while a long read or embedding runs without reporting pages."""
        while not done.wait(self.heartbeat):
            try:
                with self.store.transaction() as session:
                    session.execute(update(VectorStoreFile)
                                    .where(VectorStoreFile.vector_store_id == claim.vector_store_id,
                                           VectorStoreFile.file_id == claim.file_id,
                                           VectorStoreFile.claimed_by == self.worker_id)
                                    .values(heartbeat_at=utc_now()))
            except Exception:  # a missed beat only risks a second, harmless, attempt
                log.warning("heartbeat of %s failed", claim.file_id, exc_info=True)

    def _end(self, session: Session, row: VectorStoreFile, status: str, code: str | None = None,
             message: str | None = None) -> None:
        row.status, row.error_code, row.error_message = status, code, message
        row.finished_at, row.claimed_by = utc_now(), None
        if self.on_finished is not None:
            self.on_finished(session, row)


def wait_until_done(store: Store, vector_store_id: str, file_id: str, timeout: float = 120.0) -> VectorStoreFile:
    """Block until the file's job has ended (for the CLI and tests); TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.transaction() as session:
            row = session.get(VectorStoreFile, (vector_store_id, file_id))
            if row is not None and row.status != IN_PROGRESS:
                return row
        time.sleep(0.2)
    raise TimeoutError(f"{file_id} was still being ingested into {vector_store_id} after {timeout:.0f} s")
