"""A tenant's files and vector stores, in OpenAI's shapes, as rows of the platform database.

- An uploaded file (`file-…`) keeps its bytes in the database: every replica can ingest it, and a restart loses
  nothing.
- A vector store (`vs_…`) is a knowledge base of its own (`store.py`, keyed by the vector store's id) with the
  extractors it was made with (by default every installed one, so a filing's company and period are read from
  its cover page).
- A vector-store file is the ingestion job of one file into one vector store: `in_progress` until a worker
  (`jobs.py`) has read, embedded and committed it, then `completed`, or `failed` with the reason. Its
  `attributes` (OpenAI's, up to 16 keys) are what the caller states of the document; `company`, `period_year`
  (or `fiscal_year`), `document_type` and `title` win over what the readers find.

Every query is scoped by tenant: another tenant's id is not found, whatever it is.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, Engine, ForeignKey, Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.errors import InvalidRequest, NotFound
from luodi.knowledge.store import KnowledgeStore
from luodi.store import Base, utc_now

FileStatus = Literal["in_progress", "completed", "failed", "cancelled"]
IN_PROGRESS: FileStatus = "in_progress"
COMPLETED: FileStatus = "completed"
FAILED: FileStatus = "failed"
PURPOSES = ("assistants", "batch", "fine-tune", "user_data")
MAX_ATTRIBUTES = 16
MAX_FILENAME = 400
MAX_NAME = 400  # of a vector store
STATED_FIELDS = {"company": "company", "period_year": "period_year", "fiscal_year": "period_year",
                 "document_type": "document_type", "title": "title"}


class FileNotFound(NotFound):
    code = "file_not_found"


class VectorStoreNotFound(NotFound):
    code = "vector_store_not_found"


class UploadRefused(InvalidRequest, ValueError):
    code = "invalid_file"


class UploadedFile(Base):
    __tablename__ = "uploaded_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    filename: Mapped[str] = mapped_column(String(MAX_FILENAME))
    purpose: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only by the ingesting worker
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class VectorStore(Base):
    __tablename__ = "vector_stores"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    extractors: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class VectorStoreFile(Base):
    __tablename__ = "vector_store_files"

    vector_store_id: Mapped[str] = mapped_column(ForeignKey("vector_stores.id"), primary_key=True)
    file_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default=IN_PROGRESS, index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doc_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the document it became
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# files
def add_file(session: Session, tenant_id: str, filename: str, content: bytes, purpose: str) -> UploadedFile:
    if purpose not in PURPOSES:
        raise UploadRefused(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}", param="purpose")
    if not content:
        raise UploadRefused(f"the file {filename!r} is empty", param="file")
    if len(filename) > MAX_FILENAME:
        raise UploadRefused(f"the file's name is {len(filename)} characters long; at most {MAX_FILENAME}",
                            param="file")
    row = UploadedFile(id="file-" + uuid.uuid4().hex[:24], tenant_id=tenant_id, filename=filename or "upload",
                       purpose=purpose, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                       content=content, created_at=utc_now())
    session.add(row)
    session.flush()
    return row


def get_file(session: Session, tenant_id: str, file_id: str) -> UploadedFile:
    row = session.get(UploadedFile, file_id)
    if row is None or row.tenant_id != tenant_id:
        raise FileNotFound(f"no file with id {file_id!r}", param="file_id")
    return row


def files_of(session: Session, tenant_id: str) -> list[UploadedFile]:
    return list(session.scalars(select(UploadedFile).where(UploadedFile.tenant_id == tenant_id)
                                .order_by(UploadedFile.created_at)))


# vector stores
def add_vector_store(session: Session, tenant_id: str, name: str, metadata: dict[str, Any],
                     extractors: list[str], description: str | None = None) -> VectorStore:
    row = VectorStore(id="vs_" + uuid.uuid4().hex[:24], tenant_id=tenant_id, name=name, extra=metadata,
                      extractors=extractors, description=description, created_at=utc_now())
    session.add(row)
    session.flush()
    return row


def get_vector_store(session: Session, tenant_id: str, vector_store_id: str) -> VectorStore:
    row = session.get(VectorStore, vector_store_id)
    if row is None or row.tenant_id != tenant_id:
        raise VectorStoreNotFound(f"no vector store with id {vector_store_id!r}", param="vector_store_id")
    return row


def vector_stores_of(session: Session, tenant_id: str) -> list[VectorStore]:
    return list(session.scalars(select(VectorStore).where(VectorStore.tenant_id == tenant_id)
                                .order_by(VectorStore.created_at)))


def files_in(session: Session, vector_store_id: str, status: str | None = None) -> list[VectorStoreFile]:
    query = select(VectorStoreFile).where(VectorStoreFile.vector_store_id == vector_store_id)
    if status is not None:
        query = query.where(VectorStoreFile.status == status)
    return list(session.scalars(query.order_by(VectorStoreFile.created_at)))


def attach(session: Session, store: VectorStore, file: UploadedFile, attributes: dict[str, Any]) -> VectorStoreFile:
    """Queue the file for ingestion into the store (a file attached already is left as it is)."""
    checked_attributes(attributes)
    found = session.get(VectorStoreFile, (store.id, file.id))
    if found is not None:
        return found
    row = VectorStoreFile(vector_store_id=store.id, file_id=file.id, tenant_id=store.tenant_id, status=IN_PROGRESS,
                          attributes=dict(attributes), created_at=utc_now())
    session.add(row)
    session.flush()
    return row


def get_attached(session: Session, store: VectorStore, file_id: str) -> VectorStoreFile:
    row = session.get(VectorStoreFile, (store.id, file_id))
    if row is None:
        raise FileNotFound(f"vector store {store.id} has no file {file_id!r}", param="file_id")
    return row


def detach(session: Session, row: VectorStoreFile) -> str | None:
    """Take the file out of its vector store; returns the document to remove from the store's knowledge base once
    this transaction commits (`remove_documents`), unless another file of the store became the same document (the
    same bytes uploaded twice)."""
    doc_id = row.doc_id
    session.delete(row)
    session.flush()
    return None if same_bytes_attached(session, row.vector_store_id, doc_id) else doc_id


def same_bytes_attached(session: Session, vector_store_id: str, doc_id: str | None) -> bool:
    """Whether a file still attached to the store, whatever its status, is the document `doc_id` (a document is
    keyed by the first 20 hex digits of its bytes' SHA-256, as an upload's `sha256` is)."""
    if not doc_id:
        return False
    attached = select(VectorStoreFile.file_id).where(VectorStoreFile.vector_store_id == vector_store_id)
    found = session.scalar(select(UploadedFile.id).where(UploadedFile.id.in_(attached),
                                                         UploadedFile.sha256.startswith(doc_id)).limit(1))
    return found is not None


def remove_documents(engine: Engine, vector_store_id: str, doc_ids: list[str | None]) -> None:
    """After the transaction that detached them: knowledge is written on a connection of its own, and SQLite
    lets one transaction write at a time."""
    found = [doc_id for doc_id in doc_ids if doc_id]
    if found:
        store = KnowledgeStore(engine, [vector_store_id])
        for doc_id in found:
            store.remove_document(doc_id)


def drop(session: Session, store: VectorStore) -> None:
    """The store's rows; its knowledge base goes with `drop_knowledge_base` once this transaction commits."""
    for row in files_in(session, store.id):
        session.delete(row)
    session.flush()  # the files' rows first: they refer to the store
    session.delete(store)


def attachments_of(session: Session, tenant_id: str, file_id: str) -> list[VectorStoreFile]:
    return list(session.scalars(select(VectorStoreFile).where(VectorStoreFile.tenant_id == tenant_id,
                                                              VectorStoreFile.file_id == file_id)))


def redescribe(engine: Engine, vector_store_id: str, doc_id: str | None, attributes: dict[str, Any],
               filename: str) -> None:
    """After the transaction that set a file's new attributes: the document already read is corrected at once."""
    if not doc_id:
        return
    stated = stated_metadata(attributes, filename)
    store = KnowledgeStore(engine, [vector_store_id])
    record = store.document(doc_id)
    metadata = {**(record.metadata if record else {}), **stated}
    store.describe_document(doc_id, stated.get("company"), stated.get("period_year"), metadata)


def checked_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    if len(attributes) > MAX_ATTRIBUTES:
        raise UploadRefused(f"attributes hold at most {MAX_ATTRIBUTES} keys, not {len(attributes)}",
                            param="attributes")
    for key, value in attributes.items():
        if not isinstance(value, str | int | float | bool):
            raise UploadRefused(f"attribute {key!r} must be a string, number or boolean", param="attributes")
    year = attributes.get("period_year", attributes.get("fiscal_year"))
    if year is not None and not str(year).isdigit():
        raise UploadRefused(f"attribute period_year must be a year such as 2022, not {year!r}", param="attributes")
    return attributes


def stated_metadata(attributes: dict[str, Any], filename: str) -> dict[str, Any]:
    """What the ingestor is told of a document: the attributes as metadata, the fields it reads by their names."""
    stated: dict[str, Any] = {**attributes, "source": filename}
    for attribute, field in STATED_FIELDS.items():
        if attribute in attributes:
            value = attributes[attribute]
            stated[field] = int(value) if field == "period_year" else str(value)
    return stated
