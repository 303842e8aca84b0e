"""The append-only, hash-chained audit log.

Each record's hash covers its own content and the previous record's hash, so editing any record breaks its
own hash and deleting one breaks the link of the next. The chain's head (last sequence number and hash) is
kept in a one-row table that appenders lock, which serializes appends across processes and replicas and lets
`verify` notice records cut off the end.

The chain is one across tenants, so walking it reads every tenant's records: that is the platform admin's
`verify`. `verify_tenant` checks one tenant's records where they stand (content, both links, no gap) reading
only other records' hashes; `find_records` reads records back by tenant, request, event type and time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, Text, bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from luodi.store import Base, as_utc, on_schema_created, utc_now

GENESIS_HASH = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[str] = mapped_column(String(40))
    tenant_id: Mapped[str] = mapped_column(String(36), index=True, default="")
    request_id: Mapped[str] = mapped_column(String(64), index=True, default="")
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def record_hash(seq: int, created_at: str, tenant_id: str, request_id: str, kind: str, payload: str, prev: str) -> str:
    content = canonical_json([seq, created_at, tenant_id, request_id, kind, payload, prev])
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _hash_of(record: AuditRecord) -> str:
    return record_hash(
        record.seq,
        record.created_at,
        record.tenant_id,
        record.request_id,
        record.kind,
        record.payload,
        record.prev_hash,
    )


_RECORDS = cast(Table, AuditRecord.__table__)
_HEAD = cast(Table, AuditHead.__table__)
# built once with bound parameters: appends run on every call (see ledger/usage.py)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_RECORD = insert(_RECORDS)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("b_seq"), hash=bindparam("b_hash"))


def append(
    session: Session, kind: str, payload: dict[str, Any], tenant_id: str = "", request_id: str = ""
) -> tuple[int, str]:
    """Add a record at the end of the chain, inside the caller's transaction; returns its (seq, hash)."""
    head = session.execute(_READ_HEAD).first()
    if head is None:
        raise RuntimeError("the audit chain has no head row: create the schema with Store.create_schema()")
    seq, created_at, body = head.seq + 1, utc_now().isoformat(), canonical_json(payload)
    digest = record_hash(seq, created_at, tenant_id, request_id, kind, body, head.hash)
    session.execute(
        _INSERT_RECORD,
        {
            "seq": seq,
            "created_at": created_at,
            "tenant_id": tenant_id,
            "request_id": request_id,
            "kind": kind,
            "payload": body,
            "prev_hash": head.hash,
            "hash": digest,
        },
    )
    session.execute(_MOVE_HEAD, {"b_seq": seq, "b_hash": digest})
    return seq, digest


@on_schema_created
def ensure_head(session: Session) -> None:
    """The chain's head row exists from the start, so concurrent first appends lock it instead of racing."""
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, hash=GENESIS_HASH))


@dataclass(frozen=True)
class ChainReport:
    records: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_bad_seq is None


def verify(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole chain; name the first record that was altered, removed or cut off."""
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        records = session.scalars(
            select(AuditRecord).where(AuditRecord.seq > last_seq).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not records:
            break
        for record in records:
            problem = _problem_with(record, expected_seq, expected_prev)
            if problem:
                return ChainReport(count, expected_prev, first_bad_seq=min(record.seq, expected_seq), problem=problem)
            expected_prev, expected_seq, last_seq = record.hash, record.seq + 1, record.seq
            count += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq, head.hash) != (last_seq, expected_prev):
        return ChainReport(
            count,
            expected_prev,
            first_bad_seq=last_seq + 1,
            problem=f"the chain ends at record {last_seq} but its head says {head.seq}: records were removed",
        )
    return ChainReport(count, expected_prev)


def _problem_with(record: AuditRecord, expected_seq: int, expected_prev: str) -> str:
    if record.seq != expected_seq:
        return f"record {expected_seq} is missing (the next one present is {record.seq})"
    if record.prev_hash != expected_prev:
        return f"record {record.seq} does not link to the record before it"
    if _hash_of(record) != record.hash:
        return f"record {record.seq} was altered: its content no longer matches its hash"
    return ""


def records_for(session: Session, request_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(AuditRecord).where(AuditRecord.request_id == request_id).order_by(AuditRecord.seq))
    return [{"seq": r.seq, "kind": r.kind, "created_at": r.created_at, "payload": json.loads(r.payload)} for r in rows]


# --- reading records back (the HTTP API's GET /v1/audit, `luodi audit show`) ------------------------------
@dataclass(frozen=True)
class AuditQuery:
    """Which records: a tenant's (every tenant's when None), of one request or event type, created in
    [since, until), after sequence number `after_seq`; at most `limit` of them, in chain order."""

    tenant_id: str | None = None
    request_id: str | None = None
    event: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_seq: int = 0
    limit: int = 100


def _stamp(moment: datetime) -> str:
    """A time as `created_at` is written (UTC, ISO 8601; a naive one is UTC), so that the text columns compare in
    time order."""
    return as_utc(moment).isoformat()


def find_records(session: Session, query: AuditQuery) -> list[AuditRecord]:
    statement = select(AuditRecord).where(AuditRecord.seq > query.after_seq)
    if query.tenant_id is not None:
        statement = statement.where(AuditRecord.tenant_id == query.tenant_id)
    if query.request_id is not None:
        statement = statement.where(AuditRecord.request_id == query.request_id)
    if query.event is not None:
        statement = statement.where(AuditRecord.kind == query.event)
    if query.since is not None:
        statement = statement.where(AuditRecord.created_at >= _stamp(query.since))
    if query.until is not None:
        statement = statement.where(AuditRecord.created_at < _stamp(query.until))
    return list(session.scalars(statement.order_by(AuditRecord.seq).limit(query.limit)))


def record_data(record: AuditRecord) -> dict[str, Any]:
    """Everything a record holds, its payload parsed, under the names the API gives them (`kind` is the event)."""
    return {
        "seq": record.seq,
        "event": record.kind,
        "created_at": record.created_at,
        "tenant_id": record.tenant_id,
        "request_id": record.request_id,
        "payload": json.loads(record.payload),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


# --- verifying one tenant's records within the shared chain ----------------------------------------------
def verify_tenant(session: Session, tenant_id: str, batch: int = 2000) -> ChainReport:
    """Check a tenant's records in place without reading anyone else's content: each one's content matches its
    hash, it links to the record before it, the record after it links to it (or the head names it), and the
    chain has no gap. A tenant's record altered, rehashed or removed is found (a removed one as a gap); the
    report counts the tenant's records, and its `head_hash` is the hash of the tenant's last record."""
    head = session.get(AuditHead, 1)
    if head is None:
        return ChainReport(0, GENESIS_HASH, first_bad_seq=1, problem="the audit chain has no head row")
    before, after = aliased(AuditRecord), aliased(AuditRecord)
    count, last_seq, last_hash = 0, 0, GENESIS_HASH
    while True:
        rows = session.execute(
            select(AuditRecord, before.hash, after.prev_hash)
            .outerjoin(before, before.seq == AuditRecord.seq - 1)
            .outerjoin(after, after.seq == AuditRecord.seq + 1)
            # records appended after the head was read are newer than this check
            .where(AuditRecord.tenant_id == tenant_id, AuditRecord.seq > last_seq, AuditRecord.seq <= head.seq)
            .order_by(AuditRecord.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for record, hash_before, link_after in rows:
            problem = _problem_in_place(record, hash_before, link_after, head)
            if problem:
                return ChainReport(count, last_hash, first_bad_seq=record.seq, problem=problem)
            count, last_seq, last_hash = count + 1, record.seq, record.hash
    missing = _first_missing_seq(session, head.seq)
    if missing is not None:
        return ChainReport(count, last_hash, first_bad_seq=missing,
                           problem=f"record {missing} of the shared chain is missing: records were removed")
    return ChainReport(count, last_hash)


def _problem_in_place(record: AuditRecord, hash_before: str | None, link_after: str | None, head: AuditHead) -> str:
    if _hash_of(record) != record.hash:
        return f"record {record.seq} was altered: its content no longer matches its hash"
    if record.seq > 1 and hash_before is None:
        return f"record {record.seq - 1}, before record {record.seq}, is missing"
    if record.prev_hash != (GENESIS_HASH if record.seq == 1 else hash_before):
        return f"record {record.seq} does not link to the record before it"
    if link_after is None and record.seq < head.seq:
        return f"record {record.seq + 1}, after record {record.seq}, is missing"
    if link_after is None and head.hash != record.hash:
        return f"record {record.seq} is the last but the chain's head names another hash: it was replaced"
    if link_after is not None and link_after != record.hash:
        return f"the record after record {record.seq} does not link to it: record {record.seq} was replaced"
    return ""


def _first_missing_seq(session: Session, head_seq: int) -> int | None:
    """The first sequence number up to the head with no record, or None when the chain has none missing."""
    count, highest = session.execute(
        select(func.count(), func.max(AuditRecord.seq)).where(AuditRecord.seq <= head_seq)
    ).one()
    if count == head_seq and (highest or 0) == head_seq:
        return None
    if session.get(AuditRecord, 1) is None:
        return 1
    following = aliased(AuditRecord)
    gap_after = session.scalar(
        select(func.min(AuditRecord.seq))
        .where(AuditRecord.seq < head_seq, ~exists().where(following.seq == AuditRecord.seq + 1))
    )
    return int(gap_after) + 1 if gap_after is not None else (highest or 0) + 1
