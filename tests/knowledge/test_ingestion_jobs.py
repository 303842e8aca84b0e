"""The ingestion worker against the platform database, driven step by step: what a file's job ends with when the
store changes under it."""

from __future__ import annotations

from luodi.gateway.tenants import create_tenant
from luodi.knowledge import uploads
from luodi.knowledge.jobs import IngestionWorker
from luodi.knowledge.store import KnowledgeStore
from luodi.store import Store

POLICY = b"# Travel policy\n\nEconomy class is booked for flights under six hours.\n"


def test_the_same_bytes_attached_twice_keep_their_document_when_one_is_taken_out(store: Store) -> None:
    worker = IngestionWorker(store, {}, on_finished=None)
    with store.transaction() as session:
        tenant = create_tenant(session, "twice").id
        vector_store = uploads.add_vector_store(session, tenant, "twice", {}, [])
        first = uploads.add_file(session, tenant, "a.md", POLICY, "assistants")
        uploads.attach(session, vector_store, first, {})
        ids = vector_store.id, first.id
    assert worker.run_once()
    with store.transaction() as session:
        vector_store = uploads.get_vector_store(session, tenant, ids[0])
        second = uploads.add_file(session, tenant, "b.md", POLICY, "assistants")
        uploads.attach(session, vector_store, second, {})
    claim = worker.claim()
    assert claim is not None
    report, doc_id, used = worker._ingest(claim)  # the second file's job has read: "already stored" ...
    assert report.unchanged
    with store.transaction() as session:  # ... when the first file is taken out, before the job ends
        removed = uploads.detach(session, uploads.get_attached(session, uploads.get_vector_store(
            session, tenant, ids[0]), ids[1]))
    uploads.remove_documents(store.engine, ids[0], [removed])
    worker._conclude(claim, report, doc_id, used)
    with store.transaction() as session:
        row = uploads.get_attached(session, uploads.get_vector_store(session, tenant, ids[0]), claim.file_id)
        status, doc_id = row.status, row.doc_id
    assert status == "completed" and doc_id is not None
    assert KnowledgeStore(store.engine, [ids[0]]).has_document(doc_id)  # the document the second file is


def test_a_job_whose_document_went_meanwhile_is_read_again_not_called_done(store: Store) -> None:
    worker = IngestionWorker(store, {}, on_finished=None)
    with store.transaction() as session:
        tenant = create_tenant(session, "gone").id
        vector_store = uploads.add_vector_store(session, tenant, "gone", {}, [])
        upload = uploads.add_file(session, tenant, "a.md", POLICY, "assistants")
        uploads.attach(session, vector_store, upload, {})
        ids = vector_store.id, upload.id
    claim = worker.claim()
    assert claim is not None
    report, doc_id, used = worker._ingest(claim)
    assert doc_id is not None
    KnowledgeStore(store.engine, [ids[0]]).remove_document(doc_id)  # lost between the commit and the job's end
    worker._conclude(claim, report, doc_id, used)
    with store.transaction() as session:
        row = uploads.get_attached(session, uploads.get_vector_store(session, tenant, ids[0]), ids[1])
        assert (row.status, row.claimed_by) == ("in_progress", None)
    assert worker.run_once()  # claimed again and read again
    assert KnowledgeStore(store.engine, [ids[0]]).has_document(doc_id)
