"""`luodi usage`, `luodi bill`, `luodi audit verify`, `luodi audit show`: what was used, what it costs, whether the
record holds, and what it says of one request."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from luodi.cli.common import ConfigOption, console, database, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.output import Column, CsvOption, JsonOption, Record, emit, emit_grouped, output_format, to_json

if TYPE_CHECKING:
    from luodi.ledger.billing import Bill

audit_app = typer.Typer(no_args_is_help=True, help="Check the tamper-evident audit log.")
app.add_typer(audit_app, name="audit")

USAGE_COLUMNS = (
    Column("day", "day", wrap=False),
    Column("assistant", "assistant"),
    Column("requests", "calls", "right"),
    Column("rejected", "rejected", "right"),
    Column("errors", "errors", "right"),
    Column("prompt_tokens", "tok in", "right"),
    Column("completion_tokens", "tok out", "right"),
    Column("cost_usd", "USD", "right"),
    Column("mean_latency_ms", "ms", "right"),
)
USAGE_FIELDS = ("day", "tenant", *(column.field for column in USAGE_COLUMNS[1:]))
BILL_COLUMNS = (
    Column("assistant", "assistant"),
    Column("base_model", "base model"),
    Column("calls", "calls", "right"),
    Column("tokens", "tokens", "right"),
    Column("amount_usd", "USD", "right"),
    Column("provider_usd", "provider USD", "right"),
    Column("partner_usd", "partner USD", "right"),
)


def _usage_records(since: str | None, tenant: str | None, config: ConfigOption) -> list[Record]:
    from luodi.gateway.tenants import GatewayError, find_tenant
    from luodi.ledger.usage import summarize

    with database(settings_from(config)) as session:
        try:
            tenant_id = find_tenant(session, tenant).id if tenant else None
        except GatewayError as exc:
            raise fail(str(exc)) from exc
        rows = summarize(session, since_day=since, tenant_id=tenant_id)
    records = [dataclasses.asdict(row) for row in rows]
    for record in records:
        record["cost_usd"] = f"{record['cost_usd']:.6f}"
        record["mean_latency_ms"] = round(record["mean_latency_ms"])
    return records


@app.command("usage")
def usage_report(
    tenant: Annotated[str | None, typer.Option(help="only this tenant")] = None,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
) -> None:
    """Usage by tenant, assistant and day: calls served, rejected by a quota, failed; tokens, cost, mean latency."""
    fmt = output_format(as_json, as_csv)
    if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
        raise fail(f"--since must be a day as YYYY-MM-DD, got {since!r}")
    records = _usage_records(since, tenant, config)
    if fmt == "table":
        emit_grouped(console, records, USAGE_COLUMNS, "tenant", "usage of {}")
        return
    emit(console, records, USAGE_COLUMNS, fmt, USAGE_FIELDS)


def _bill_record(one: Bill) -> dict[str, Any]:
    lines = [dataclasses.asdict(line) for line in one.lines]
    return {"tenant": one.tenant, "month": one.month, "total_usd": one.total_usd, "lines": lines}


def _print_bill(one: dict[str, Any]) -> None:
    title = f"{one['tenant']} — {one['month']} — total ${one['total_usd']}"
    emit(console, one["lines"], BILL_COLUMNS, "table", title=title)
    providers = sorted({(line["base_model"], line["provider"]) for line in one["lines"] if line["provider"]})
    partners = sorted({(line["assistant"], line["partner"]) for line in one["lines"] if line["partner"]})
    for model, provider in providers:
        console.print(f"  provider of {model}: {provider}", markup=False, highlight=False)
    for assistant, partner in partners:
        console.print(f"  partner for {assistant}: {partner}", markup=False, highlight=False)


@app.command("bill")
def bill(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM (default: this month)")] = "",
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
) -> None:
    """A bill per tenant for a month, with each line's revenue share: base-model provider vs partner."""
    from luodi.ledger.billing import BillLine, monthly_bills

    fmt = output_format(as_json, as_csv)
    month = month or date.today().strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise fail(f"--month must be YYYY-MM, got {month!r}")
    settings = settings_from(config)
    with database(settings) as session:
        bills = [_bill_record(one) for one in monthly_bills(session, settings, month)]
    if fmt == "json":
        typer.echo(to_json(bills))
    elif fmt == "csv":
        fields = ["tenant", "month", *(field.name for field in dataclasses.fields(BillLine))]
        rows = [{"tenant": one["tenant"], "month": one["month"], **line} for one in bills for line in one["lines"]]
        emit(console, rows, BILL_COLUMNS, "csv", fields)
    elif not bills:
        console.print(f"no billable calls in {month}")
    for one in bills if fmt == "table" else []:
        _print_bill(one)


@audit_app.command("verify")
def audit_verify(config: ConfigOption = None) -> None:
    """Walk the hash chain; exit 1 and name the first tampered record if any."""
    from luodi.ledger import audit

    with database(settings_from(config)) as session:
        report = audit.verify(session)
    if report.intact:
        console.print(f"audit chain intact: {report.records} records, head {report.head_hash[:16]}…")
        return
    raise fail(f"audit chain broken at record {report.first_bad_seq}: {report.problem}")


AUDIT_TEXT_CHARS = 200  # a message or an answer longer than this is cut, with an ellipsis, in `audit show`


def _short(text: Any) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= AUDIT_TEXT_CHARS else flat[: AUDIT_TEXT_CHARS - 1] + "…"


def _what_happened(payload: dict[str, Any]) -> list[str]:
    """The assistant, outcome and end user of one record."""
    lines = []
    if payload.get("assistant"):
        base = f" (base model {payload['base_model']})" if payload.get("base_model") else ""
        lines.append(f"  assistant: {payload['assistant']}{base}")
    if payload.get("outcome"):
        lines.append(f"  outcome: {payload['outcome']}")
    for field in ("reason", "error"):  # why a call was rejected, or failed
        if payload.get(field):
            lines.append(f"  {field}: {_short(payload[field])}")
    if payload.get("user"):
        lines.append(f"  end user: {payload['user']}")
    return lines


def _what_was_said(payload: dict[str, Any]) -> list[str]:
    """The conversation sent, and the answer or the part of it delivered before a failure."""
    lines = [f"    {m.get('role', '?')}: {_short(m.get('content', ''))}" for m in payload.get("messages") or []]
    lines = ["  messages:", *lines] if lines else []
    if "answer" in payload:
        abstained = " (abstained)" if payload.get("abstained") else ""
        lines.append(f"  answer{abstained}: {_short(payload['answer'])}")
    if payload.get("partial_answer"):
        lines.append(f"  partial answer: {_short(payload['partial_answer'])}")
    return lines


def _what_backs_it(payload: dict[str, Any]) -> list[str]:
    """Citations, tool calls, functions the caller's tools were asked to run, and what the call cost."""
    from luodi.cli.report import citation_lines, tool_call_lines

    lines = []
    if "citations" in payload:
        cited = citation_lines(payload["citations"])
        lines += ["  citations:", *("  " + line for line in cited)] if cited else ["  citations: none"]
    if payload.get("tool_calls"):
        lines += ["  tool calls:", *("  " + line for line in tool_call_lines(payload["tool_calls"]))]
    if payload.get("function_calls"):
        names = ", ".join(str(call.get("name", "?")) for call in payload["function_calls"])
        lines.append(f"  function calls: {names}")
    spent = payload.get("usage") or {}
    if spent:
        tokens = f"{spent.get('prompt_tokens', 0)} tokens in, {spent.get('completion_tokens', 0)} out"
        cost = f", ${payload['cost_usd']}" if payload.get("cost_usd") is not None else ""
        lines.append(f"  usage: {tokens}{cost}")
    return lines


def audit_summary(record: dict[str, Any]) -> list[str]:
    """One audit record as a person reads it: what happened, what was said, and what backs the answer."""
    payload = record["payload"] if isinstance(record["payload"], dict) else {}
    heading = f"#{record['seq']} {record['event']}  {record['created_at']}"
    return [heading, *_what_happened(payload), *_what_was_said(payload), *_what_backs_it(payload)]


@audit_app.command("show")
def audit_show(
    request_id: Annotated[str, typer.Argument(help="the call's id: a response's `id` or its x-request-id header")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """One request's audit records: event, time, assistant, messages, answer, citations, tool calls, outcome."""
    from luodi.ledger import audit

    with database(settings_from(config)) as session:
        found = audit.find_records(session, audit.AuditQuery(request_id=request_id))
        records = [audit.record_data(record) for record in found]
    if not records:
        raise fail(f"no audit records for request {request_id!r}: the id is a response's `id` (x-request-id)")
    if as_json:
        typer.echo(to_json(records))
        return
    typer.echo("\n\n".join("\n".join(audit_summary(record)) for record in records))
