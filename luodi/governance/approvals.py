"""The approval queue: side-effecting actions an assistant may not run alone.

An assistant files a request (idempotent by key, so replaying a conversation never files it twice); an
operator approves or rejects it from the CLI or the API; on approval the platform runs the action through the
assistant that filed it and stores the outcome here. Every decision also lands in the audit chain.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import DateTime, String, Text, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.errors import ApprovalAlreadyDecided, ApprovalNotFound
from luodi.errors import ApprovalError as ApprovalError  # callers catch it from here
from luodi.store import Base, utc_now

ApprovalStatus = Literal["pending", "executed", "rejected", "failed"]


class ApprovalRequest(Base):
    __tablename__ = "approvals"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    assistant: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    result: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Approval:
    id: str
    tenant_id: str
    assistant: str
    action: str
    summary: str
    payload: dict[str, Any]
    status: ApprovalStatus
    result: dict[str, Any]
    decided_by: str
    note: str

    @classmethod
    def of(cls, row: ApprovalRequest) -> Approval:
        return cls(
            id=row.id,
            tenant_id=row.tenant_id,
            assistant=row.assistant,
            action=row.action,
            summary=row.summary,
            payload=json.loads(row.payload),
            status=row.status,  # type: ignore[arg-type]
            result=json.loads(row.result or "{}"),
            decided_by=row.decided_by,
            note=row.note,
        )


def file_request(
    session: Session,
    idempotency_key: str,
    tenant_id: str,
    assistant: str,
    action: str,
    payload: dict[str, Any],
    summary: str,
) -> tuple[Approval, bool]:
    """The approval request of this idempotency key, and whether this call created it (False: it was filed
    before, by a replay of the conversation or a concurrent call). One INSERT … ON CONFLICT DO NOTHING decides
    which call creates it: a check before the insert would let two transactions both think they did."""
    created = session.execute(
        _insert_once(session).values(
            id="A-" + secrets.token_hex(4).upper(),
            idempotency_key=idempotency_key,
            tenant_id=tenant_id,
            assistant=assistant,
            action=action,
            summary=summary,
            payload=json.dumps(payload, ensure_ascii=False, sort_keys=True),
            status="pending",
            result="{}",
            created_at=utc_now(),
            decided_by="",
            note="",
        ).returning(ApprovalRequest.id)
    ).scalar() is not None
    row = session.scalars(select(ApprovalRequest).where(ApprovalRequest.idempotency_key == idempotency_key)).one()
    return Approval.of(row), created


def _insert_once(session: Session) -> Any:
    """An insert into the approvals that does nothing when the idempotency key is there already (or being
    inserted by a transaction not yet committed, which it waits for)."""
    upsert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return upsert(ApprovalRequest).on_conflict_do_nothing(index_elements=[ApprovalRequest.idempotency_key])


def get(session: Session, approval_id: str, for_update: bool = False) -> ApprovalRequest:
    row = session.get(ApprovalRequest, approval_id, with_for_update=for_update)
    if row is None:
        raise ApprovalNotFound(f"no approval request {approval_id!r}")
    return row


def pending_or_all(session: Session, tenant_id: str | None = None, status: str | None = "pending") -> list[Approval]:
    query = select(ApprovalRequest).order_by(ApprovalRequest.created_at)
    if tenant_id:
        query = query.where(ApprovalRequest.tenant_id == tenant_id)
    if status:
        query = query.where(ApprovalRequest.status == status)
    return [Approval.of(row) for row in session.scalars(query)]


def decide(
    row: ApprovalRequest, status: ApprovalStatus, operator: str, note: str = "", result: dict[str, Any] | None = None
) -> None:
    if row.status != "pending":
        raise ApprovalAlreadyDecided(f"approval {row.id} was already decided: {row.status}")
    row.status = status
    row.decided_by = operator
    row.decided_at = utc_now()
    row.note = note
    row.result = json.dumps(result or {}, ensure_ascii=False)
