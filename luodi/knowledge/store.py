"""The knowledge base on disk: one SQLite file holding documents, page texts, passages with their vectors,
MinHash signatures, the facts its extractors read (see `extractors.py`) and tables.

Why SQLite + numpy: it is embedded (no server to run on a laptop or in CI), transactional (an ingestion
that fails half-way loses nothing already indexed), and a few tens of thousands of 384-d vectors are
searched exactly by one matrix product in milliseconds. Its server counterpart is PostgreSQL + pgvector,
which the platform already uses for its ledger: the same tables with a `vector(384)` column, so moving a
KB is a table copy, not a re-design.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from luodi.knowledge.extractors import Fact

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, source TEXT, title TEXT, company TEXT, period_year INTEGER,
    metadata TEXT, pages INTEGER
);
CREATE TABLE IF NOT EXISTS pages (doc_id TEXT, page INTEGER, text TEXT, PRIMARY KEY (doc_id, page));
CREATE TABLE IF NOT EXISTS passages (
    passage_id TEXT PRIMARY KEY, doc_id TEXT, page INTEGER, start INTEGER, end INTEGER, text TEXT,
    vector BLOB, minhash BLOB
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages (doc_id);
CREATE TABLE IF NOT EXISTS facts (
    doc_id TEXT, statement TEXT, key TEXT, label TEXT, year INTEGER, value REAL, scale REAL,
    page INTEGER, start INTEGER, end INTEGER, period TEXT NOT NULL DEFAULT 'FY'
);
CREATE INDEX IF NOT EXISTS facts_doc ON facts (doc_id, key, year);
CREATE TABLE IF NOT EXISTS tables (doc_id TEXT, number INTEGER, rows TEXT);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""


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


class KnowledgeStore:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._db = sqlite3.connect(str(directory / "knowledge.sqlite3"), check_same_thread=False)
        self._db.executescript(SCHEMA)
        # stores written before interim periods existed hold annual facts only
        if "period" not in {r[1] for r in self._db.execute("PRAGMA table_info(facts)")}:
            self._db.execute("ALTER TABLE facts ADD COLUMN period TEXT NOT NULL DEFAULT 'FY'")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._db:
            yield self._db

    # documents
    def has_document(self, doc_id: str) -> bool:
        return self._db.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone() is not None

    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute(
            "SELECT doc_id, source, title, company, period_year, metadata, pages FROM documents ORDER BY source"
        )
        return [DocumentRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5] or "{}"), r[6]) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def page_text(self, doc_id: str, page: int) -> str | None:
        row = self._db.execute("SELECT text FROM pages WHERE doc_id = ? AND page = ?", (doc_id, page)).fetchone()
        return None if row is None else str(row[0])

    def pages(self, doc_id: str) -> list[str]:
        rows = self._db.execute("SELECT text FROM pages WHERE doc_id = ? ORDER BY page", (doc_id,))
        return [str(r[0]) for r in rows]

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    # passages
    def passages(self) -> list[Passage]:
        rows = self._db.execute("SELECT passage_id, doc_id, page, start, end, text FROM passages ORDER BY rowid")
        return [Passage(*r) for r in rows]

    def passage(self, passage_id: str) -> Passage | None:
        row = self._db.execute(
            "SELECT passage_id, doc_id, page, start, end, text FROM passages WHERE passage_id = ?", (passage_id,)
        ).fetchone()
        return None if row is None else Passage(*row)

    def passage_at(self, doc_id: str, page: int, offset: int) -> Passage | None:
        row = self._db.execute(
            "SELECT passage_id, doc_id, page, start, end, text FROM passages "
            "WHERE doc_id = ? AND page = ? AND start <= ? AND end > ?",
            (doc_id, page, offset, offset),
        ).fetchone()
        return None if row is None else Passage(*row)

    def vectors(self) -> np.ndarray:
        blobs = [r[0] for r in self._db.execute("SELECT vector FROM passages ORDER BY rowid")]
        if not blobs:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([np.frombuffer(b, dtype=np.float32) for b in blobs])

    def minhashes(self) -> Iterator[tuple[str, np.ndarray]]:
        for passage_id, blob in self._db.execute("SELECT passage_id, minhash FROM passages"):
            yield passage_id, np.frombuffer(blob, dtype=np.uint64)

    # facts and tables
    def facts(self, doc_id: str, key: str | None = None) -> list[StoredFact]:
        query = ("SELECT doc_id, statement, key, label, year, value, scale, page, start, end, period FROM facts "
                 "WHERE doc_id = ?")
        arguments: tuple[Any, ...] = (doc_id,)
        if key is not None:
            query += " AND key = ?"
            arguments += (key,)
        return [StoredFact(r[0], Fact(*r[1:])) for r in self._db.execute(query, arguments)]

    def tables(self, doc_id: str | None = None) -> list[tuple[str, int, list[list[str]]]]:
        query, arguments = "SELECT doc_id, number, rows FROM tables", ()
        if doc_id is not None:
            query, arguments = query + " WHERE doc_id = ?", (doc_id,)  # type: ignore[assignment]
        return [(r[0], r[1], json.loads(r[2])) for r in self._db.execute(query, arguments)]


def insert_document(db: sqlite3.Connection, record: DocumentRecord, pages: list[str]) -> None:
    db.execute(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
        (record.doc_id, record.source, record.title, record.company, record.period_year,
         json.dumps(record.metadata), record.pages),
    )
    db.executemany("INSERT INTO pages VALUES (?, ?, ?)", [(record.doc_id, i, t) for i, t in enumerate(pages, 1)])


def insert_passage(db: sqlite3.Connection, passage: Passage, vector: np.ndarray, minhash: np.ndarray) -> None:
    db.execute(
        "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (passage.passage_id, passage.doc_id, passage.page, passage.start, passage.end, passage.text,
         vector.astype(np.float32).tobytes(), minhash.astype(np.uint64).tobytes()),
    )


def insert_facts(db: sqlite3.Connection, doc_id: str, facts: list[Fact]) -> None:
    db.executemany(
        "INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(doc_id, f.statement, f.key, f.label, f.year, f.value, f.scale, f.page, f.start, f.end, f.period)
         for f in facts],
    )


def replace_facts(db: sqlite3.Connection, doc_id: str, facts: list[Fact]) -> None:
    db.execute("DELETE FROM facts WHERE doc_id = ?", (doc_id,))
    insert_facts(db, doc_id, facts)


def insert_tables(db: sqlite3.Connection, doc_id: str, tables: list[list[list[str]]]) -> None:
    db.executemany("INSERT INTO tables VALUES (?, ?, ?)", [(doc_id, i, json.dumps(t)) for i, t in enumerate(tables)])
