"""Usage records: one per call, opened when the gateway admits it and closed when the answer is out.

Money is kept as whole nano-dollars (1e-9 USD) in integers: an embedded model's call costs fractions of a
micro-dollar, and floats would lose them in sums. Per key and month a running total is kept in the same
transaction as the record, so quota checks read one row instead of summing a month.

`find_usage` and `usage_totals` read records back (a tenant's, in a time range, of an assistant or a key), raw
or totalled by day, assistant or key; a query always names its tenant, and reads every tenant's records only
when it says so with `EVERY_TENANT` (the platform admin's view). `summarize` is the CLI's report across tenants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any, Final, Literal, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    case,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.contracts import TokenUsage
from luodi.store import Base, as_utc, on_schema_created, utc_now

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
    # the caller's end user (OpenAI's `user`), as the caller names them
    end_user: Mapped[str | None] = mapped_column(String(256), nullable=True)


class MonthTotal(Base):
    __tablename__ = "usage_month_totals"

    key_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    requests: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_nano_usd: Mapped[int] = mapped_column(BigInteger, default=0)


def add_end_user_column(session: Session) -> None:
    """A database made before usage records named the end user gets the column (nullable: older rows have none)."""
    columns = {c["name"] for c in inspect(session.connection()).get_columns(UsageRecord.__tablename__)}
    if "end_user" not in columns:
        session.execute(text(f"ALTER TABLE {UsageRecord.__tablename__} ADD COLUMN end_user VARCHAR(256)"))


on_schema_created(add_end_user_column)


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
    end_user: str | None = None,
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
            "end_user": end_user,
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
    return requests_window(session, key_id, utc_now() - timedelta(minutes=1))[0]


def requests_window(session: Session, key_id: str, since: datetime) -> tuple[int, datetime | None]:
    """The key's calls started since `since` (rejected ones left out), and when the oldest of them started."""
    count, oldest = session.execute(
        select(func.count(), func.min(UsageRecord.started_at)).where(
            UsageRecord.key_id == key_id,
            UsageRecord.started_at >= since,
            UsageRecord.outcome != OUTCOME_REJECTED,
        )
    ).one()
    return int(count or 0), oldest


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
    rejected: int = 0  # calls the quotas refused, not in `requests`


def summarize(session: Session, since_day: str | None = None, tenant_id: str | None = None) -> list[UsageRow]:
    """Usage by tenant, assistant and day: calls admitted (failed ones also counted as errors), and apart from
    them the calls the quotas rejected."""
    from luodi.gateway.tenants import Tenant

    admitted = UsageRecord.outcome != OUTCOME_REJECTED

    query = (
        select(
            Tenant.name,
            UsageRecord.assistant,
            UsageRecord.day,
            func.sum(func.cast(admitted, Integer)),
            func.sum(UsageRecord.prompt_tokens),
            func.sum(UsageRecord.completion_tokens),
            func.sum(UsageRecord.cost_nano_usd),
            func.sum(func.cast(admitted & (UsageRecord.outcome != OUTCOME_OK), Integer)),
            func.avg(case((admitted, UsageRecord.latency_ms))),
            func.sum(func.cast(~admitted, Integer)),
        )
        .join(Tenant, Tenant.id == UsageRecord.tenant_id)
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
            requests=int(count or 0),
            prompt_tokens=int(prompt or 0),
            completion_tokens=int(completion or 0),
            cost_usd=from_nano(int(cost or 0)),
            errors=int(errors or 0),
            mean_latency_ms=float(latency or 0),
            rejected=int(rejected or 0),
        )
        for name, assistant, day, count, prompt, completion, cost, errors, latency, rejected in session.execute(query)
    ]


# --- queries: one tenant's records, raw or totalled (the HTTP API's GET /v1/usage) ------------------------
GROUPINGS = ("day", "assistant", "key")  # what usage can be totalled by


class Scope(Enum):
    EVERY_TENANT = "every tenant"


# what a query names instead of a tenant to read every tenant's records: said, never a default
EVERY_TENANT: Final = Scope.EVERY_TENANT


@dataclass(frozen=True)
class UsageQuery:
    """Which usage records: those of a tenant (or, said explicitly, of EVERY_TENANT) started in [since, until),
    of one assistant or key when named."""

    tenant_id: str | Literal[Scope.EVERY_TENANT]
    since: datetime | None = None
    until: datetime | None = None
    assistant: str | None = None
    key_id: str | None = None

    def __post_init__(self) -> None:
        if self.tenant_id is not EVERY_TENANT and not self.tenant_id:  # None, or "": no tenant named
            raise ValueError(f"a usage query names its tenant's id, or EVERY_TENANT; got {self.tenant_id!r}")


@dataclass(frozen=True)
class UsageTotal:
    """The calls of one group (a day, an assistant or a key): admitted (`requests`, failed ones also counted in
    `errors`) and apart from them those the quotas rejected."""

    group: str
    requests: int
    rejected: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal
    mean_latency_ms: float


def _conditions(query: UsageQuery) -> list[ColumnElement[bool]]:
    # times compared in UTC (a naive one is UTC): SQLite keeps them as UTC text and would compare another
    # zone's clock time
    conditions = []
    if query.tenant_id is not EVERY_TENANT:
        conditions.append(UsageRecord.tenant_id == query.tenant_id)
    if query.since is not None:
        conditions.append(UsageRecord.started_at >= as_utc(query.since))
    if query.until is not None:
        conditions.append(UsageRecord.started_at < as_utc(query.until))
    if query.assistant is not None:
        conditions.append(UsageRecord.assistant == query.assistant)
    if query.key_id is not None:
        conditions.append(UsageRecord.key_id == query.key_id)
    return conditions


def find_usage(session: Session, query: UsageQuery) -> list[UsageRecord]:
    """The records themselves, rejected calls included, oldest first."""
    statement = select(UsageRecord).where(*_conditions(query)).order_by(UsageRecord.started_at, UsageRecord.id)
    return list(session.scalars(statement))


def usage_totals(session: Session, query: UsageQuery, group_by: str) -> list[UsageTotal]:
    """The records totalled per day, assistant or key (one of GROUPINGS), in the group's order."""
    if group_by not in GROUPINGS:
        raise ValueError(f"usage is grouped by one of {', '.join(GROUPINGS)}, not {group_by!r}")
    group = {"day": UsageRecord.day, "assistant": UsageRecord.assistant, "key": UsageRecord.key_id}[group_by]
    admitted = UsageRecord.outcome != OUTCOME_REJECTED
    statement = (
        select(
            group,
            func.sum(func.cast(admitted, Integer)),
            func.sum(func.cast(~admitted, Integer)),
            func.sum(func.cast(admitted & (UsageRecord.outcome != OUTCOME_OK), Integer)),
            func.sum(UsageRecord.prompt_tokens),
            func.sum(UsageRecord.completion_tokens),
            func.sum(UsageRecord.cost_nano_usd),
            func.avg(case((admitted, UsageRecord.latency_ms))),
        )
        .where(*_conditions(query))
        .group_by(group)
        .order_by(group)
    )
    return [
        UsageTotal(
            group=value,
            requests=int(requests or 0),
            rejected=int(rejected or 0),
            errors=int(errors or 0),
            prompt_tokens=int(prompt or 0),
            completion_tokens=int(completion or 0),
            cost_usd=from_nano(int(cost or 0)),
            mean_latency_ms=float(latency or 0),
        )
        for value, requests, rejected, errors, prompt, completion, cost, latency in session.execute(statement)
    ]
