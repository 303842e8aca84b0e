"""The hash-chained audit log on SQLite and PostgreSQL: intact chains verify, any edit or deletion is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from luodi.ledger import audit
from luodi.ledger.audit import AuditRecord
from luodi.store import Store


def write_chain(store: Store, count: int = 5) -> None:
    for number in range(count):
        with store.transaction() as session:
            audit.append(session, "request.answered", {"answer": f"answer {number}", "n": number}, "t1", f"r{number}")


def verify(store: Store) -> audit.ChainReport:
    with store.transaction() as session:
        return audit.verify(session)


def test_an_untouched_chain_verifies(store: Store) -> None:
    write_chain(store)
    report = verify(store)
    assert report.intact and report.records == 5


def test_an_edited_record_is_named(store: Store) -> None:
    write_chain(store)
    with store.transaction() as session:
        session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(payload='{"answer":"forged"}'))
    report = verify(store)
    assert report.first_bad_seq == 3 and "altered" in report.problem


def test_a_rewritten_hash_is_caught_by_the_next_link(store: Store) -> None:
    write_chain(store)
    with store.transaction() as session:
        original = session.get(AuditRecord, 2)
        assert original is not None
        forged_payload = '{"answer":"forged"}'
        rehashed = audit.record_hash(
            original.seq,
            original.created_at,
            original.tenant_id,
            original.request_id,
            original.kind,
            forged_payload,
            original.prev_hash,
        )
        session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(payload=forged_payload, hash=rehashed))
    report = verify(store)
    assert report.first_bad_seq == 3 and "does not link" in report.problem


def test_a_deleted_record_is_named(store: Store) -> None:
    write_chain(store)
    with store.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    report = verify(store)
    assert report.first_bad_seq == 2 and "missing" in report.problem


def test_records_cut_off_the_end_are_noticed(store: Store) -> None:
    write_chain(store)
    with store.transaction() as session:
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 5))
    report = verify(store)
    assert report.first_bad_seq == 5 and "removed" in report.problem


def test_appends_from_many_threads_keep_one_chain(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def append(number: int) -> None:
        with store.transaction() as session:
            audit.append(session, "event", {"n": number})

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(append, range(40)))
    report = verify(store)
    assert report.intact and report.records == 40


@pytest.mark.usefixtures("far_from_utc")
def test_records_are_found_by_time_with_a_naive_time_read_as_utc(store: Store) -> None:
    write_chain(store, 2)
    now = datetime.now(UTC).replace(tzinfo=None)  # naive, in UTC

    def found(since: datetime | None = None, until: datetime | None = None) -> list[int]:
        query = audit.AuditQuery("t1", since=since, until=until)
        with store.transaction() as session:
            return [record.seq for record in audit.find_records(session, query)]

    assert found(since=now - timedelta(hours=1)) == [1, 2]
    assert found(since=now + timedelta(hours=1)) == []  # read as local time, it would be 7 hours ago
    assert found(until=now + timedelta(hours=1)) == [1, 2]
