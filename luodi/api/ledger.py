"""The ledger as data over HTTP: `GET /v1/usage`, `GET /v1/bill`, `GET /v1/audit`, `GET /v1/audit/verify`.

Luodi's own shapes (OpenAI has no such routes), each in JSON or, with `format=csv` or `Accept: text/csv`, as CSV
with a header row (money as exact decimal strings in both; an audit payload as one JSON string column in CSV).

- `/v1/usage`: the tenant's usage records, rejected calls included, filtered by `since`/`until` (an ISO date,
  whole days, or an ISO time; `until` is exclusive, a date in it included), `assistant` and `key_id`; with
  `group_by` = `day` | `assistant` | `key`, totals per group instead of the records.
- `/v1/bill?month=YYYY-MM` (default: this month, UTC): the month's bill, per assistant and base model, with the
  revenue split between the base model's provider and the assistant's partner (luodi/ledger/billing.py).
- `/v1/audit`: the tenant's audit records in chain order, filtered by `request_id`, `event` (request.answered,
  say), `since`/`until`, after sequence number `after`, at most `limit` (default 100, at most 1000).
- `/v1/audit/verify`: the platform admin walks the whole chain (it is one chain across tenants); anyone else who
  may read the audit has their tenant's records checked where they stand (luodi/ledger/audit.py, `verify_tenant`).

Times are ISO 8601 and must lie within what a datetime holds in UTC (years 1 to 9999); one outside is a 400
naming the parameter, as is an `after` past the 63-bit sequence numbers the audit can hold.

Who reads what: usage and bills need a tenant admin key (role admin), the audit an operator key or above. Every
route reads the caller's own tenant; only the platform admin may name another with `tenant=<name or id>` (anyone
else who names one, even their own, gets 403), so no tenant's key ever reads another tenant's rows.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.errors import InvalidRequest, PlatformKeyRequired
from luodi.gateway.tenants import ADMIN, OPERATOR, Caller, Tenant, find_tenant
from luodi.ledger import audit
from luodi.ledger.billing import Bill, BillLine, tenant_bill
from luodi.ledger.tabular import Record, plain, to_csv
from luodi.ledger.usage import GROUPINGS, UsageQuery, UsageRecord, UsageTotal, find_usage, from_nano, usage_totals
from luodi.store import as_utc, utc_now

router = APIRouter()

Format = Literal["json", "csv"]
FORMATS: tuple[Format, ...] = ("json", "csv")
CSV_MEDIA_TYPE = "text/csv"
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
AUDIT_LIMIT_MAX = 1000
AUDIT_SEQ_MAX = 2**63 - 1  # a sequence number past the 63-bit integers the databases bind is no record's
TIME_EXAMPLES = "2026-05-01, 2026-05-01T09:30:00Z"

USAGE_RECORD_FIELDS = (
    "request_id", "started_at", "finished_at", "day", "key_id", "assistant", "base_model", "outcome", "stream",
    "prompt_tokens", "completion_tokens", "total_tokens", "latency_ms", "cost_usd", "end_user",
)
USAGE_TOTAL_FIELDS = (
    "requests", "rejected", "errors", "prompt_tokens", "completion_tokens", "total_tokens", "cost_usd",
    "mean_latency_ms",
)
GROUP_FIELD = {"day": "day", "assistant": "assistant", "key": "key_id"}  # the field a group's value is under
BILL_LINE_FIELDS = ("tenant", "month", *(field.name for field in dataclasses.fields(BillLine)))
AUDIT_FIELDS = ("seq", "event", "created_at", "tenant_id", "request_id", "payload", "prev_hash", "hash")

# the role each area needs, and what the refusal says the caller was doing
ROLE_NEEDED = {
    "usage": (ADMIN, "reading usage"),
    "bill": (ADMIN, "reading the bill"),
    "audit": (OPERATOR, "reading the audit log"),
}


# the query parameters several routes take, described once for /docs
Since = Annotated[str | None, Query(description=f"from this ISO date or time on ({TIME_EXAMPLES}; UTC unless it says)")]
Until = Annotated[str | None, Query(description="before this time, or up to and including this date")]
TenantParam = Annotated[str | None, Query(description="platform admin only: the tenant to read, by name or id")]
FormatParam = Annotated[str | None, Query(description="json (the default) or csv; `Accept: text/csv` also gives CSV")]


# --- routes ---------------------------------------------------------------------------------------------------
@router.get("/v1/usage", responses={200: {"content": {CSV_MEDIA_TYPE: {}}}})
def read_usage(
    request: Request,
    who: CallerDep,
    platform: PlatformDep,
    since: Since = None,
    until: Until = None,
    assistant: str | None = None,
    key_id: str | None = None,
    group_by: Annotated[str | None, Query(description="day, assistant or key: totals per group")] = None,
    tenant: TenantParam = None,
    format: FormatParam = None,  # noqa: A002  (the query parameter's name)
) -> Response:
    """The tenant's usage records (rejected calls included), or their totals per day, assistant or key."""
    _require(who, "usage")
    fmt, window, grouping = _format(format, request), _window(since, until), _grouping(group_by)
    with platform.store.transaction() as session:
        owner = _tenant_to_read(session, who, tenant)
        query = UsageQuery(owner.id, window.since, window.until, assistant or None, key_id or None)
        fields: tuple[str, ...] = USAGE_RECORD_FIELDS
        if grouping is None:
            records = [_usage_record(record) for record in find_usage(session, query)]
        else:
            group_field = GROUP_FIELD[grouping]
            records = [_usage_total(t, group_field) for t in usage_totals(session, query, grouping)]
            fields = (group_field, *USAGE_TOTAL_FIELDS)
    body = {"object": "list", "tenant": owner.name, "group_by": grouping, "data": records}
    return _respond(fmt, body, records, fields)


@router.get("/v1/bill", responses={200: {"content": {CSV_MEDIA_TYPE: {}}}})
def read_bill(
    request: Request,
    who: CallerDep,
    platform: PlatformDep,
    month: Annotated[str | None, Query(description="YYYY-MM (default: this month, UTC)")] = None,
    tenant: TenantParam = None,
    format: FormatParam = None,  # noqa: A002
) -> Response:
    """The tenant's bill for a month, each line split between the base model's provider and the partner."""
    _require(who, "bill")
    fmt, billed_month = _format(format, request), _month(month)
    with platform.store.transaction() as session:
        bill = tenant_bill(session, platform.settings, billed_month, _tenant_to_read(session, who, tenant))
    lines = [{"tenant": bill.tenant, "month": bill.month, **_plain(dataclasses.asdict(line))} for line in bill.lines]
    return _respond(fmt, _bill_body(bill, lines), lines, BILL_LINE_FIELDS)


@router.get("/v1/audit", responses={200: {"content": {CSV_MEDIA_TYPE: {}}}})
def read_audit(
    request: Request,
    who: CallerDep,
    platform: PlatformDep,
    request_id: str | None = None,
    event: Annotated[str | None, Query(description="an event type: request.answered, request.rejected, …")] = None,
    since: Since = None,
    until: Until = None,
    after: Annotated[int, Query(description="only records after this sequence number (the next page)")] = 0,
    limit: Annotated[int, Query(description=f"at most this many records, 1 to {AUDIT_LIMIT_MAX}")] = 100,
    tenant: TenantParam = None,
    format: FormatParam = None,  # noqa: A002
) -> Response:
    """The tenant's audit records in chain order; `has_more` says whether `after=<last seq>` has more."""
    _require(who, "audit")
    fmt, window = _format(format, request), _window(since, until)
    _check_range("limit", limit, 1, AUDIT_LIMIT_MAX)
    _check_range("after", after, 0, AUDIT_SEQ_MAX)
    with platform.store.transaction() as session:
        owner = _tenant_to_read(session, who, tenant)
        query = audit.AuditQuery(owner.id, request_id or None, event or None, window.since, window.until, after,
                                 limit + 1)  # one more than asked: whether there are more
        found = audit.find_records(session, query)
    records = [audit.record_data(record) for record in found[:limit]]
    body = {"object": "list", "tenant": owner.name, "data": records, "has_more": len(found) > limit}
    return _respond(fmt, body, records, AUDIT_FIELDS)


@router.get("/v1/audit/verify")
def verify_audit(who: CallerDep, platform: PlatformDep, tenant: TenantParam = None) -> dict[str, Any]:
    """Whether the audit records hold: the whole chain for the platform admin (or one tenant's records if it
    names one), the caller's tenant's records for anyone else; names the first broken record."""
    _require(who, "audit")
    with platform.store.transaction() as session:
        if who.is_platform_admin and tenant is None:
            owner, report = None, audit.verify(session)
        else:
            owner = _tenant_to_read(session, who, tenant)
            report = audit.verify_tenant(session, owner.id)
        broken = _visible_record(session, report.first_bad_seq, None if owner is None else owner.id)
    return {
        "object": "audit.verification",
        "scope": "chain" if owner is None else "tenant",
        "tenant": None if owner is None else owner.name,
        "ok": report.intact,
        "records": report.records,
        "head_hash": report.head_hash,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem or None,
        "first_bad_record": broken,
    }


# --- who reads which tenant -----------------------------------------------------------------------------------
def _require(who: Caller, area: str) -> None:
    role, doing = ROLE_NEEDED[area]
    require(who, role, doing)


def _tenant_to_read(session: Session, who: Caller, named: str | None) -> Tenant:
    """The caller's own tenant, or the one the platform admin names; naming one is for the platform admin only."""
    if named is None:
        own = session.get(Tenant, who.tenant_id)
        if own is None:  # the key authenticated a moment ago, so its tenant is there
            raise RuntimeError(f"the caller's tenant {who.tenant_id} has no row")
        return own
    if not who.is_platform_admin:
        raise PlatformKeyRequired(
            "`tenant` is for the platform admin's key; a tenant's key reads its own tenant, so leave it out",
            param="tenant",
        )
    return find_tenant(session, named)


def _visible_record(session: Session, seq: int | None, tenant_id: str | None) -> Record | None:
    """The broken record, if it is still there and of the tenant checked (any tenant's on a whole-chain walk)."""
    record = session.get(audit.AuditRecord, seq) if seq is not None else None
    if record is None or (tenant_id is not None and record.tenant_id != tenant_id):
        return None
    return audit.record_data(record)


# --- parameters -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None  # exclusive


def _format(asked: str | None, request: Request) -> Format:
    """`format=json|csv`, else CSV when the Accept header asks for it, else JSON."""
    if asked is None:
        return "csv" if CSV_MEDIA_TYPE in request.headers.get("accept", "") else "json"
    for known in FORMATS:
        if asked.lower() == known:
            return known
    raise InvalidRequest(f"format must be one of {', '.join(FORMATS)}, got {asked!r}", param="format")


def _moment(text: str, param: str, end_of_day: bool) -> datetime:
    """An ISO date (the day's start, or the next day's for an exclusive end) or an ISO time (UTC unless it says),
    in UTC; a 400 naming `param` when it is neither, or lies outside what a datetime holds once in UTC."""
    try:
        return _utc_moment(text, end_of_day)
    except OverflowError:  # 9999-12-31 ends past the last day, 0001-01-01T00:00+01:00 starts before the first
        raise InvalidRequest(
            f"{param} {text!r} is out of range: in UTC it must lie within the years 1 to 9999", param=param
        ) from None
    except ValueError:
        raise InvalidRequest(
            f"{param} must be an ISO 8601 date or time ({TIME_EXAMPLES}), got {text!r}", param=param
        ) from None


def _utc_moment(text: str, end_of_day: bool) -> datetime:
    """The moment `text` names, in UTC; ValueError when it is no ISO date or time, OverflowError out of range."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return as_utc(datetime.fromisoformat(text))
    start = datetime.combine(day, time(), UTC)
    return start + timedelta(days=1) if end_of_day else start


def _window(since: str | None, until: str | None) -> Window:
    window = Window(
        since=_moment(since, "since", end_of_day=False) if since else None,
        until=_moment(until, "until", end_of_day=True) if until else None,
    )
    if window.since and window.until and window.until <= window.since:
        raise InvalidRequest(f"until ({until}) must come after since ({since})", param="until")
    return window


def _grouping(group_by: str | None) -> str | None:
    if not group_by:
        return None
    if group_by not in GROUPINGS:
        raise InvalidRequest(f"group_by must be one of {', '.join(GROUPINGS)}, got {group_by!r}", param="group_by")
    return group_by


def _month(month: str | None) -> str:
    if month is None:
        return utc_now().strftime("%Y-%m")  # usage days are UTC days
    if not MONTH.fullmatch(month):
        raise InvalidRequest(f"month must be YYYY-MM (a month 01 to 12), got {month!r}", param="month")
    return month


def _check_range(param: str, value: int, lowest: int, highest: int) -> None:
    """A 400 naming `param` (FastAPI's own bounds would name it `query.<param>`) unless lowest <= value <= highest."""
    if not lowest <= value <= highest:
        raise InvalidRequest(f"{param} must be from {lowest} to {highest}, got {value}", param=param)


# --- records --------------------------------------------------------------------------------------------------
def _plain(record: Record) -> Record:
    return {name: plain(value) for name, value in record.items()}


def _usage_record(row: UsageRecord) -> Record:
    return _plain({
        "request_id": row.request_id,
        "started_at": as_utc(row.started_at),
        "finished_at": None if row.finished_at is None else as_utc(row.finished_at),
        "day": row.day,
        "key_id": row.key_id,
        "assistant": row.assistant,
        "base_model": row.base_model,
        "outcome": row.outcome,
        "stream": bool(row.stream),
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "total_tokens": row.prompt_tokens + row.completion_tokens,
        "latency_ms": row.latency_ms,
        "cost_usd": from_nano(row.cost_nano_usd),
        "end_user": row.end_user,
    })


def _usage_total(total: UsageTotal, group_field: str) -> Record:
    record = _plain(dataclasses.asdict(total))
    record[group_field] = record.pop("group")
    record["total_tokens"] = total.prompt_tokens + total.completion_tokens
    record["mean_latency_ms"] = round(total.mean_latency_ms, 1)
    return {name: record[name] for name in (group_field, *USAGE_TOTAL_FIELDS)}


def _bill_body(bill: Bill, lines: list[Record]) -> Record:
    return {
        "object": "bill",
        "tenant": bill.tenant,
        "month": bill.month,
        "total_usd": plain(bill.total_usd),
        "provider_usd": plain(bill.provider_usd),
        "partner_usd": plain(bill.partner_usd),
        "lines": [{name: value for name, value in line.items() if name not in ("tenant", "month")} for line in lines],
    }


def _respond(fmt: Format, body: Record, records: list[Record], fields: tuple[str, ...]) -> Response:
    if fmt == "csv":
        return Response(to_csv(records, fields), media_type=CSV_MEDIA_TYPE)
    return JSONResponse(body)
