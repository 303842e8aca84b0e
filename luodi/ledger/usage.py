"""Usage records: one per call, opened when the gateway admits it and closed when the answer is out.

Money is kept as whole nano-dollars (1e-9 USD) in integers: an embedded model's call costs fractions of a
micro-dollar, and floats would lose them in sums. Per key and month a running total is kept in the same
transaction as the record, so quota checks read one row instead of summing a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, func, select
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
) -> UsageRecord:
    now = utc_now()
    record = UsageRecord(
        request_id=request_id,
        tenant_id=tenant_id,
        key_id=key_id,
        assistant=assistant,
        base_model=base_model,
        started_at=now,
        day=now.strftime("%Y-%m-%d"),
        outcome=outcome,
        stream=int(stream),
        provider_share_bp=round(provider_share * 10_000),
        prompt_tokens=0,
        completion_tokens=0,
        latency_ms=0,
        cost_nano_usd=0,
    )
    session.add(record)
    session.flush()
    return record


def close_record(session: Session, request_id: str, result: CallOutcome) -> UsageRecord:
    record = session.scalar(select(UsageRecord).where(UsageRecord.request_id == request_id))
    if record is None:
        raise LookupError(f"no usage record for request {request_id}")
    record.finished_at = utc_now()
    record.prompt_tokens = result.usage.prompt_tokens
    record.completion_tokens = result.usage.completion_tokens
    record.latency_ms = result.latency_ms
    record.cost_nano_usd = to_nano(result.cost_usd)
    record.outcome = result.outcome
    _add_to_month(session, record)
    return record


def _add_to_month(session: Session, record: UsageRecord) -> None:
    month = record.day[:7]
    total = session.get(MonthTotal, (record.key_id, month), with_for_update=True)
    if total is None:
        total = MonthTotal(key_id=record.key_id, month=month, requests=0, tokens=0, cost_nano_usd=0)
        session.add(total)
    total.requests += 1
    total.tokens += record.prompt_tokens + record.completion_tokens
    total.cost_nano_usd += record.cost_nano_usd


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
