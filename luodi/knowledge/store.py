"""Where knowledge bases keep what they know: documents, page texts, passages with their vectors and MinHash
signatures, the facts their extractors read (see `extractors.py`) and tables, all keyed by knowledge base.

They live in the platform database (SQLite embedded, PostgreSQL where several replicas serve), so every replica
sees the same knowledge and a tenant's knowledge bases are rows of that database like its keys and its ledger.
A knowledge base can also live in a SQLite file of its own (`KnowledgeStore.in_directory`: an assistant's
`knowledge_dir`, an evaluation's fresh base); the tables are the same.

Each knowledge base has a revision, raised in the same transaction that adds or removes a document: a search
index compares it before each search and reloads when it moved, so a document is searchable by the very next
request once committed, on every replica, and no process serves stale knowledge.

Vectors are stored as float32 bytes and searched exactly by one matrix product (a few tens of thousands of
384-d vectors take milliseconds); on PostgreSQL with pgvector they are also kept in a `vector(384)` column under an
HNSW index and searched in the database (`vectors.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from luodi.knowledge import vectors
from luodi.knowledge.extractors import Fact
from luodi.store import Base, make_engine

DIRECTORY_KB = "default"  # the one knowledge base of a store in a directory of its own
STORE_FILE = "knowledge.sqlite3"

knowledge_bases = Table(
    "kb_bases", Base.metadata,
    Column("kb_id", String(64), primary_key=True),
    Column("revision", Integer, nullable=False, default=0),
    Column("extractors", Text, nullable=True),  # names and versions of the extractors the stored facts came from
)
documents = Table(
    "kb_documents", Base.metadata,
    Column("kb_id", String(64), primary_key=True),
    Column("doc_id", String(64), primary_key=True),
    Column("source", Text), Column("title", Text), Column("company", Text),
    Column("period_year", Integer, nullable=True), Column("metadata", Text), Column("pages", Integer),
)
pages = Table(
    "kb_pages", Base.metadata,
    Column("kb_id", String(64), primary_key=True),
    Column("doc_id", String(64), primary_key=True),
    Column("page", Integer, primary_key=True),
    Column("text", Text),
)
passages = Table(
    "kb_passages", Base.metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),  # the order passages were added in
    Column("kb_id", String(64), nullable=False),
    Column("passage_id", String(128), nullable=False),
    Column("doc_id", String(64), nullable=False),
    Column("page", Integer), Column("start", Integer), Column("end", Integer), Column("text", Text),
    Column("vector", LargeBinary), Column("minhash", LargeBinary),
    UniqueConstraint("kb_id", "passage_id"),
    Index("kb_passages_doc", "kb_id", "doc_id"),
)
facts = Table(
    "kb_facts", Base.metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("kb_id", String(64), nullable=False), Column("doc_id", String(64), nullable=False),
    Column("statement", Text), Column("key", Text), Column("label", Text), Column("year", Integer),
    Column("value", Float), Column("scale", Float), Column("page", Integer), Column("start", Integer),
    Column("end", Integer), Column("period", String(40), nullable=False, server_default="FY"),
    Index("kb_facts_doc", "kb_id", "doc_id", "key"),
)
tables = Table(
    "kb_tables", Base.metadata,
    Column("kb_id", String(64), primary_key=True), Column("doc_id", String(64), primary_key=True),
    Column("number", Integer, primary_key=True), Column("rows", Text),
)
KNOWLEDGE_TABLES = (knowledge_bases, documents, pages, passages, facts, tables)


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source: str
    title: str
    company: str
    period_year: int | None
    metadata: dict[str, Any]
    pages: int


@dataclass(frozen=True)
class Passage:
    passage_id: str
    doc_id: str
    page: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class StoredFact:
    doc_id: str
    fact: Fact


PASSAGE_COLUMNS = (passages.c.passage_id, passages.c.doc_id, passages.c.page, passages.c.start, passages.c.end,
                   passages.c.text)
DOCUMENT_COLUMNS = (documents.c.doc_id, documents.c.source, documents.c.title, documents.c.company,
                    documents.c.period_year, documents.c.metadata, documents.c.pages)
FACT_COLUMNS = (facts.c.doc_id, facts.c.statement, facts.c.key, facts.c.label, facts.c.year, facts.c.value,
                facts.c.scale, facts.c.page, facts.c.start, facts.c.end, facts.c.period)


class KnowledgeStore:
    """What one or more knowledge bases hold, read together (an assistant may answer from several); written to
    one of them, `writes_to` (the first by default)."""

    def __init__(self, engine: Engine, kb_ids: Sequence[str], writes_to: str | None = None,
                 owns_engine: bool = False) -> None:
        if not kb_ids:
            raise ValueError("a knowledge store reads at least one knowledge base")
        self.engine = engine
        self.kb_ids = tuple(dict.fromkeys(kb_ids))
        self.writes_to = writes_to or self.kb_ids[0]
        self._owns_engine = owns_engine  # opening writes nothing: a knowledge base's row is made by its first write
        self._in_database: bool | None = None

    @property
    def searches_vectors_in_database(self) -> bool:
        """PostgreSQL with pgvector: vectors are searched by the database's HNSW index, not loaded into memory."""
        if self._in_database is None:
            self._in_database = vectors.pgvector_ready(self.engine)
        return self._in_database

    def nearest(self, query: np.ndarray, doc_ids: Sequence[str] | None, depth: int) -> list[str]:
        """Ids of the passages nearest the query vector (see `vectors.nearest`); only where
        `searches_vectors_in_database`."""
        return vectors.nearest(self.engine, query, self.kb_ids, doc_ids, depth)

    @classmethod
    def in_directory(cls, directory: Path) -> KnowledgeStore:
        """The store of a knowledge base kept in a SQLite file of its own, in `directory`."""
        directory.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{directory / STORE_FILE}")
        Base.metadata.create_all(engine, tables=list(KNOWLEDGE_TABLES))
        import_earlier_layout(engine)
        return cls(engine, [DIRECTORY_KB], owns_engine=True)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection whose writes commit together, with the written knowledge base's revision raised."""
        _ = self.searches_vectors_in_database  # decided before the transaction: preparing it alters the table
        with self.engine.begin() as connection:
            ensure_knowledge_base(connection, self.writes_to)
            yield connection
            connection.execute(update(knowledge_bases).where(knowledge_bases.c.kb_id == self.writes_to)
                               .values(revision=knowledge_bases.c.revision + 1))

    def _read(self, query: Any) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(query))

    def revision(self) -> tuple[int, ...]:
        """What the index compares to know whether the knowledge it loaded is current."""
        rows = dict(self._read(select(knowledge_bases.c.kb_id, knowledge_bases.c.revision)
                               .where(knowledge_bases.c.kb_id.in_(self.kb_ids))))
        return tuple(int(rows.get(kb_id, 0)) for kb_id in self.kb_ids)

    # documents
    def has_document(self, doc_id: str) -> bool:
        found = self._read(select(documents.c.doc_id).where(documents.c.kb_id == self.writes_to,
                                                            documents.c.doc_id == doc_id))
        return bool(found)

    def documents(self) -> list[DocumentRecord]:
        rows = self._read(select(*DOCUMENT_COLUMNS).where(documents.c.kb_id.in_(self.kb_ids))
                          .order_by(documents.c.source, documents.c.doc_id))
        unique = {r[0]: r for r in rows}  # a document in two of the bases read is one document
        return [DocumentRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), r[6]) for r in unique.values()]

    def document(self, doc_id: str) -> DocumentRecord | None:
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def page_text(self, doc_id: str, page: int) -> str | None:
        rows = self._read(select(pages.c.text).where(pages.c.kb_id.in_(self.kb_ids), pages.c.doc_id == doc_id,
                                                     pages.c.page == page).limit(1))
        return None if not rows else str(rows[0][0])

    def pages(self, doc_id: str) -> list[str]:
        kb_id = self._kb_of(doc_id)
        rows = self._read(select(pages.c.text).where(pages.c.kb_id == kb_id, pages.c.doc_id == doc_id)
                          .order_by(pages.c.page))
        return [str(r[0]) for r in rows]

    def _kb_of(self, doc_id: str) -> str:
        rows = self._read(select(documents.c.kb_id).where(documents.c.kb_id.in_(self.kb_ids),
                                                          documents.c.doc_id == doc_id).limit(1))
        return str(rows[0][0]) if rows else self.writes_to

    def extractors_signature(self) -> str | None:
        rows = self._read(select(knowledge_bases.c.extractors).where(knowledge_bases.c.kb_id == self.writes_to))
        return None if not rows or rows[0][0] is None else str(rows[0][0])

    def set_extractors_signature(self, signature: str) -> None:
        with self.engine.begin() as connection:
            ensure_knowledge_base(connection, self.writes_to)
            connection.execute(update(knowledge_bases).where(knowledge_bases.c.kb_id == self.writes_to)
                               .values(extractors=signature))

    # passages
    def passages(self) -> list[Passage]:
        return [Passage(*r) for r in self._read(select(*PASSAGE_COLUMNS)
                                                .where(passages.c.kb_id.in_(self.kb_ids)).order_by(passages.c.seq))]

    def passage(self, passage_id: str) -> Passage | None:
        rows = self._read(select(*PASSAGE_COLUMNS).where(passages.c.kb_id.in_(self.kb_ids),
                                                         passages.c.passage_id == passage_id).limit(1))
        return None if not rows else Passage(*rows[0])

    def passage_at(self, doc_id: str, page: int, offset: int) -> Passage | None:
        rows = self._read(select(*PASSAGE_COLUMNS).where(
            passages.c.kb_id.in_(self.kb_ids), passages.c.doc_id == doc_id, passages.c.page == page,
            passages.c.start <= offset, passages.c.end > offset).limit(1))
        return None if not rows else Passage(*rows[0])

    def passages_with_vectors(self) -> tuple[list[Passage], np.ndarray]:
        """Every passage read, in the order added, and their vectors as one matrix (one row each)."""
        rows = self._read(select(*PASSAGE_COLUMNS, passages.c.vector)
                          .where(passages.c.kb_id.in_(self.kb_ids)).order_by(passages.c.seq))
        found = [Passage(*r[:6]) for r in rows]
        if not rows:
            return found, np.zeros((0, 0), dtype=np.float32)
        return found, np.vstack([np.frombuffer(r[6], dtype=np.float32) for r in rows])

    def vectors(self) -> np.ndarray:
        return self.passages_with_vectors()[1]

    def minhashes(self) -> Iterator[tuple[str, np.ndarray]]:
        rows = self._read(select(passages.c.passage_id, passages.c.minhash)
                          .where(passages.c.kb_id == self.writes_to))
        for passage_id, blob in rows:
            yield passage_id, np.frombuffer(blob, dtype=np.uint64)

    # facts and tables
    def facts(self, doc_id: str, key: str | None = None) -> list[StoredFact]:
        query = select(*FACT_COLUMNS).where(facts.c.kb_id == self._kb_of(doc_id), facts.c.doc_id == doc_id)
        if key is not None:
            query = query.where(facts.c.key == key)
        return [StoredFact(r[0], Fact(*r[1:])) for r in self._read(query.order_by(facts.c.seq))]

    def tables(self, doc_id: str | None = None) -> list[tuple[str, int, list[list[str]]]]:
        query = select(tables.c.doc_id, tables.c.number, tables.c.rows).where(tables.c.kb_id.in_(self.kb_ids))
        if doc_id is not None:
            query = query.where(tables.c.doc_id == doc_id)
        return [(r[0], r[1], json.loads(r[2])) for r in self._read(query.order_by(tables.c.doc_id, tables.c.number))]

    # writing, inside `transaction()`
    def insert_document(self, db: Connection, record: DocumentRecord, texts: list[str]) -> None:
        kb_id = self.writes_to
        db.execute(insert(documents).values(
            kb_id=kb_id, doc_id=record.doc_id, source=record.source, title=record.title, company=record.company,
            period_year=record.period_year, metadata=json.dumps(record.metadata), pages=record.pages))
        if texts:
            db.execute(insert(pages), [{"kb_id": kb_id, "doc_id": record.doc_id, "page": number, "text": page}
                                       for number, page in enumerate(texts, 1)])

    def insert_passages(self, db: Connection, found: Sequence[Passage], vectors_: np.ndarray,
                        signatures: Sequence[np.ndarray]) -> None:
        rows = [{"kb_id": self.writes_to, "passage_id": p.passage_id, "doc_id": p.doc_id, "page": p.page,
                 "start": p.start, "end": p.end, "text": p.text,
                 "vector": np.asarray(v, dtype=np.float32).tobytes(), "minhash": s.astype(np.uint64).tobytes()}
                for p, v, s in zip(found, vectors_, signatures, strict=True)]
        if rows:
            db.execute(insert(passages), rows)
            if self.searches_vectors_in_database:
                vectors.write_embeddings(db, self.writes_to, [p.passage_id for p in found], np.asarray(vectors_))

    def insert_facts(self, db: Connection, doc_id: str, found: list[Fact]) -> None:
        if found:
            db.execute(insert(facts), [
                {"kb_id": self.writes_to, "doc_id": doc_id, "statement": f.statement, "key": f.key,
                 "label": f.label, "year": f.year, "value": f.value, "scale": f.scale, "page": f.page,
                 "start": f.start, "end": f.end, "period": f.period} for f in found])

    def replace_facts(self, db: Connection, doc_id: str, found: list[Fact]) -> None:
        db.execute(delete(facts).where(facts.c.kb_id == self.writes_to, facts.c.doc_id == doc_id))
        self.insert_facts(db, doc_id, found)

    def insert_tables(self, db: Connection, doc_id: str, found: list[list[list[str]]]) -> None:
        if found:
            db.execute(insert(tables), [{"kb_id": self.writes_to, "doc_id": doc_id, "number": number,
                                         "rows": json.dumps(rows)} for number, rows in enumerate(found)])

    def remove_document(self, doc_id: str) -> bool:
        """Take a document and all that was read of it out of the written knowledge base; False if absent."""
        with self.transaction() as db:
            removed = db.execute(delete(documents).where(documents.c.kb_id == self.writes_to,
                                                         documents.c.doc_id == doc_id)).rowcount
            for table in (pages, passages, facts, tables):
                db.execute(delete(table).where(table.c.kb_id == self.writes_to, table.c.doc_id == doc_id))
        return bool(removed)

    def describe_document(self, doc_id: str, company: str | None, period_year: int | None,
                          metadata: dict[str, Any]) -> bool:
        """Correct what is known of a stored document (the caller's word wins over what was read); False if absent.
        The facts stay as they were read."""
        changes: dict[str, Any] = {"metadata": json.dumps(metadata)}
        if company is not None:
            changes["company"] = company
        if period_year is not None:
            changes["period_year"] = period_year
        with self.transaction() as db:
            updated = db.execute(update(documents).where(documents.c.kb_id == self.writes_to,
                                                         documents.c.doc_id == doc_id).values(**changes)).rowcount
        return bool(updated)

    def passage_count(self) -> int:
        rows = self._read(select(func.count()).select_from(passages).where(passages.c.kb_id.in_(self.kb_ids)))
        return int(rows[0][0])


def document_record(db: Connection | Session, kb_id: str, doc_id: str) -> DocumentRecord | None:
    """One stored document's record, read on a connection (or session) the caller already holds."""
    row = db.execute(select(*DOCUMENT_COLUMNS).where(documents.c.kb_id == kb_id, documents.c.doc_id == doc_id)).first()
    return None if row is None else DocumentRecord(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"),
                                                   row[6])


def ensure_knowledge_base(db: Connection, kb_id: str) -> None:
    """The knowledge base's row, made by its first write; two first writers at once both go on (a check and
    then an insert would let the second fail on the key)."""
    dialect_insert = postgresql_insert if db.dialect.name == "postgresql" else sqlite_insert
    db.execute(dialect_insert(knowledge_bases).values(kb_id=kb_id, revision=0).on_conflict_do_nothing())


def drop_knowledge_base(engine: Engine, kb_id: str) -> None:
    """Everything a knowledge base holds, and the base itself, removed in one transaction."""
    with engine.begin() as db:
        for table in (pages, passages, facts, tables, documents, knowledge_bases):
            db.execute(delete(table).where(table.c.kb_id == kb_id))


EARLIER_TABLES = {"documents", "pages", "passages", "facts", "tables", "meta"}


def import_earlier_layout(engine: Engine) -> None:
    """A knowledge file written by an earlier version (tables without the knowledge base column) is copied into
    the current tables once, so nothing ingested before is lost."""
    present = set(inspect(engine).get_table_names())
    if not {"documents", "passages"} <= present:
        return
    with engine.begin() as db:
        if db.execute(select(func.count()).select_from(documents)).scalar():
            return
        kb = f"'{DIRECTORY_KB}'"
        db.execute(text(f"INSERT INTO kb_documents SELECT {kb}, doc_id, source, title, company, period_year, "
                        "metadata, pages FROM documents"))
        db.execute(text(f"INSERT INTO kb_pages SELECT {kb}, doc_id, page, text FROM pages"))
        db.execute(text(f"INSERT INTO kb_passages (kb_id, passage_id, doc_id, page, start, \"end\", text, vector, "
                        f"minhash) SELECT {kb}, passage_id, doc_id, page, start, \"end\", text, vector, minhash "
                        "FROM passages ORDER BY rowid"))
        if "facts" in present:
            db.execute(text(f"INSERT INTO kb_facts (kb_id, doc_id, statement, key, label, year, value, scale, page, "
                            f"start, \"end\", period) SELECT {kb}, doc_id, statement, key, label, year, value, "
                            "scale, page, start, \"end\", period FROM facts"))
        if "tables" in present:
            db.execute(text(f"INSERT INTO kb_tables SELECT {kb}, doc_id, number, rows FROM tables"))
