"""Dense search on PostgreSQL with pgvector: passages' vectors in a `vector(384)` column under an HNSW index
(cosine), searched in the database with the knowledge-base (tenant) filter in the query.

Used when the platform database is PostgreSQL and the `vector` extension can be created there; otherwise (SQLite,
or a server without pgvector) the vectors are searched exactly in memory by one matrix product (`search.py`),
which is what the embedded default does. The float32 bytes stay in `kb_passages.vector` either way, so a
knowledge base moves between the two without re-embedding.

Why HNSW with an iterative scan: a tenant's filter removes most rows, and a plain HNSW scan returns at most
`ef_search` candidates before filtering; pgvector 0.8's iterative scan keeps walking the graph until enough
admitted rows are found.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from threading import Lock

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("luodi.knowledge.vectors")

DIMENSION = 384
MINIMUM_VERSION = (0, 8)  # the iterative index scan, for a filter in the query
SEARCH_BREADTH = 200  # hnsw.ef_search: candidates kept while walking the graph
_ready: dict[str, bool] = {}
_lock = Lock()


def pgvector_ready(engine: Engine) -> bool:
    """Whether this database serves vector search: PostgreSQL with the `vector` extension (created if it can be),
    the column and the index made. Decided once per database and process."""
    if engine.dialect.name != "postgresql":
        return False
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        if key not in _ready:
            _ready[key] = _prepare(engine)
        return _ready[key]


def _prepare(engine: Engine) -> bool:
    try:
        with engine.begin() as db:
            db.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            version = str(db.execute(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar())
    except DBAPIError as exc:
        log.info("pgvector is not available (%s); vectors are searched in memory", str(exc).splitlines()[0])
        return False
    if tuple(int(part) for part in version.split(".")[:2]) < MINIMUM_VERSION:
        log.warning("pgvector %s is older than %s, which filtered HNSW search needs; vectors are searched in memory",
                    version, ".".join(map(str, MINIMUM_VERSION)))
        return False
    with engine.begin() as db:
        db.execute(text(f"ALTER TABLE kb_passages ADD COLUMN IF NOT EXISTS embedding vector({DIMENSION})"))
        db.execute(text("CREATE INDEX IF NOT EXISTS kb_passages_embedding ON kb_passages "
                        "USING hnsw (embedding vector_cosine_ops)"))
    _fill_missing(engine)
    return True


def _fill_missing(engine: Engine, batch: int = 500) -> None:
    """Passages stored before pgvector was there get their vector column from the stored bytes."""
    while True:
        with engine.begin() as db:
            rows = db.execute(text("SELECT seq, vector FROM kb_passages WHERE embedding IS NULL LIMIT :n"),
                              {"n": batch}).all()
            if not rows:
                return
            db.execute(text("UPDATE kb_passages SET embedding = CAST(:vector AS vector) WHERE seq = :seq"),
                       [{"vector": literal(np.frombuffer(r[1], dtype=np.float32)), "seq": r[0]} for r in rows])


def literal(vector: np.ndarray) -> str:
    """pgvector's text form of a vector: [0.1,0.2,…]."""
    return "[" + ",".join(f"{value:.7g}" for value in np.asarray(vector, dtype=np.float32)) + "]"


def write_embeddings(db: Connection, kb_id: str, passage_ids: Sequence[str], vectors: np.ndarray) -> None:
    """Set the vector column of passages just inserted, in the same transaction."""
    if passage_ids:
        db.execute(text("UPDATE kb_passages SET embedding = CAST(:vector AS vector) "
                        "WHERE kb_id = :kb_id AND passage_id = :passage_id"),
                   [{"vector": literal(v), "kb_id": kb_id, "passage_id": p} for p, v in zip(passage_ids, vectors,
                                                                                          strict=True)])


def nearest(engine: Engine, query: np.ndarray, kb_ids: Sequence[str], doc_ids: Sequence[str] | None,
            depth: int) -> list[str]:
    """The ids of the `depth` passages nearest the query (cosine), of these knowledge bases (and documents), best
    first, from the HNSW index."""
    where = "kb_id = ANY(:kb_ids)" + (" AND doc_id = ANY(:doc_ids)" if doc_ids is not None else "")
    with engine.begin() as db:
        db.execute(text(f"SET LOCAL hnsw.ef_search = {SEARCH_BREADTH}"))
        db.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        rows = db.execute(text(
            "SELECT passage_id FROM (SELECT passage_id, embedding <=> CAST(:query AS vector) AS distance "
            f"FROM kb_passages WHERE {where} ORDER BY distance LIMIT :depth) AS found ORDER BY distance"),
            {"query": literal(query), "kb_ids": list(kb_ids), "doc_ids": list(doc_ids or []), "depth": depth})
        return [str(row[0]) for row in rows]
