"""Usage records: one per call, opened when the gateway admits it and closed when the answer is out.

Money is kept as whole nano-dollars (1e-9 USD) in integers: an embedded model's call costs fractions of a
micro-dollar, and floats would lose them in sums. Per key and month a running total is kept in the same
transaction as the record, so quota checks read one row instead of summing a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.contracts import TokenUsage
from luodi.store import Base, utc_now

NANO = Decimal(10**9)

OUTCOME_STARTED = "started"
OUTCOME_OK = "ok"
OUTCOME_REJECTED = "rejected"


def to_nano(usd: Decimal) -> int:
    return int((usd * NANO).to_integral_value())


def from_nano(nano: int) -> Decimal:
    return Decimal(nano) / NANO


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


class UsageRecord(Base):
    __tablename__ = "usage_records"
    __table_args__ = (Index("ix_usage_key_started", "key_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    key_id: Mapped[str] = mapped_column(String(36))
    assistant: Mapped[str] = mapped_column(String(200))
    base_model: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    cost_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    outcome: Mapped[str] = mapped_column(String(40), default=OUTCOME_STARTED)
    stream: Mapped[int] = mapped_column(Integer, default=0)
    # the base-model provider's share of this call's revenue, in basis points, fixed when the call is made
    provider_share_bp: Mapped[int] = mapped_column(Integer, default=0)


class MonthTotal(Base):
    __tablename__ = "usage_month_totals"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class CallOutcome:
    outcome: str
    usage: TokenUsage
    cost_usd: Decimal
    latency_ms: int


# Statements are built once, with bound parameters: this runs on every call, and building a statement from
# literal values (or going through the ORM's unit of work) costs more than the database work itself.
_USAGE = cast(Table, UsageRecord.__table__)
_TOTALS = cast(Table, MonthTotal.__table__)
_OPEN = insert(_USAGE)
_CLOSE = (
    update(_USAGE)
    .where(_USAGE.c.request_id == bindparam("b_request_id"))
    .values(
        finished_at=bindparam("b_finished_at"),
        prompt_tokens=bindparam("b_prompt_tokens"),
        completion_tokens=bindparam("b_completion_tokens"),
        latency_ms=bindparam("b_latency_ms"),
        cost_nano_usd=bindparam("b_cost"),
        outcome=bindparam("b_outcome"),
    )
    .returning(_USAGE.c.key_id, _USAGE.c.day)
)


def _month_upsert(dialect: str) -> Any:
    upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = upsert(_TOTALS).values(
        key_id=bindparam("b_key_id"),
        month=bindparam("b_month"),
        requests=1,
        tokens=bindparam("b_tokens"),
        cost_nano_usd=bindparam("b_cost"),
    )
    # one upsert: concurrent calls of the same key add up instead of overwriting each other
    return statement.on_conflict_do_update(
        index_elements=[_TOTALS.c.key_id, _TOTALS.c.month],
        set_={
            "requests": _TOTALS.c.requests + 1,
            "tokens": _TOTALS.c.tokens + statement.excluded.tokens,
            "cost_nano_usd": _TOTALS.c.cost_nano_usd + statement.excluded.cost_nano_usd,
        },
    )


_MONTH_UPSERTS = {dialect: _month_upsert(dialect) for dialect in ("sqlite", "postgresql")}


def open_record(
    session: Session,
    request_id: str,
    tenant_id: str,
    key_id: str,
    assistant: str,
    base_model: str,
    stream: bool,
    provider_share: float = 0.0,
    outcome: str = OUTCOME_STARTED,
) -> None:
    now = utc_now()
    session.execute(
        _OPEN,
        {
            "request_id": request_id,
            "tenant_id": tenant_id,
            "key_id": key_id,
            "assistant": assistant,
            "base_model": base_model,
            "started_at": now,
            "day": now.strftime("%Y-%m-%d"),
            "outcome": outcome,
            "stream": int(stream),
            "provider_share_bp": round(provider_share * 10_000),
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "latency_ms": 0,
            "cost_nano_usd": 0,
        },
    )


def close_record(session: Session, request_id: str, result: CallOutcome) -> None:
    cost = to_nano(result.cost_usd)
    closed = session.execute(
        _CLOSE,
        {
            "b_request_id": request_id,
            "b_finished_at": utc_now(),
            "b_prompt_tokens": result.usage.prompt_tokens,
            "b_completion_tokens": result.usage.completion_tokens,
            "b_latency_ms": result.latency_ms,
            "b_cost": cost,
            "b_outcome": result.outcome,
        },
    ).first()
    if closed is None:
        raise LookupError(f"no usage record for request {request_id}")
    session.execute(
        _MONTH_UPSERTS[session.get_bind().dialect.name],
        {"b_key_id": closed.key_id, "b_month": closed.day[:7], "b_tokens": result.usage.total_tokens, "b_cost": cost},
    )


def requests_in_last_minute(session: Session, key_id: str) -> int:
    since = utc_now() - timedelta(minutes=1)
    count = session.scalar(
        select(func.count())
        .select_from(UsageRecord)
        .where(
            UsageRecord.key_id == key_id,
            UsageRecord.started_at >= since,
            UsageRecord.outcome != OUTCOME_REJECTED,
        )
    )
    return int(count or 0)


def month_total(session: Session, key_id: str, month: str) -> MonthTotal | None:
    return session.get(MonthTotal, (key_id, month))


@dataclass(frozen=True)
class UsageRow:
    tenant: str
    assistant: str
    day: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal
    errors: int
    mean_latency_ms: float


def summarize(session: Session, since_day: str | None = None, tenant_id: str | None = None) -> list[UsageRow]:
    """Usage by tenant, assistant and day; rejected calls are left out, failed ones counted as errors."""
    from luodi.gateway.tenants import Tenant

    query = (
        select(
            Tenant.name,
            UsageRecord.assistant,
            UsageRecord.day,
            func.count(),
            func.sum(UsageRecord.prompt_tokens),
            func.sum(UsageRecord.completion_tokens),
            func.sum(UsageRecord.cost_nano_usd),
            func.sum(func.cast(UsageRecord.outcome != OUTCOME_OK, Integer)),
            func.avg(UsageRecord.latency_ms),
        )
        .join(Tenant, Tenant.id == UsageRecord.tenant_id)
        .where(UsageRecord.outcome != OUTCOME_REJECTED)
        .group_by(Tenant.name, UsageRecord.assistant, UsageRecord.day)
        .order_by(UsageRecord.day, Tenant.name, UsageRecord.assistant)
    )
    if since_day:
        query = query.where(UsageRecord.day >= since_day)
    if tenant_id:
        query = query.where(UsageRecord.tenant_id == tenant_id)
    return [
        UsageRow(
            tenant=name,
            assistant=assistant,
            day=day,
            requests=int(count),
            prompt_tokens=int(prompt or 0),
            completion_tokens=int(completion or 0),
            cost_usd=from_nano(int(cost or 0)),
            errors=int(errors or 0),
            mean_latency_ms=float(latency or 0),
        )
        for name, assistant, day, count, prompt, completion, cost, errors, latency in session.execute(query)
    ]
