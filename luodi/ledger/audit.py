"""The append-only, hash-chained audit log.

Each record's hash covers its own content and the previous record's hash, so editing any record breaks its
own hash and deleting one breaks the link of the next. The chain's head (last sequence number and hash) is
kept in a one-row table that appenders lock, which serializes appends across processes and replicas and lets
`verify` notice records cut off the end.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, String, Table, Text, bindparam, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.store import Base, on_schema_created, utc_now

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
