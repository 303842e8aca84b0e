"""`luodi usage`, `luodi bill`, `luodi audit verify`: what was used, what it costs, and whether the record holds."""

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
