"""`luodi usage`, `luodi bill`, `luodi audit verify`: what was used, what it costs, and whether the record holds."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, database, fail, settings_from
from luodi.cli.groups import app
from luodi.gateway.tenants import GatewayError, find_tenant
from luodi.ledger import audit
from luodi.ledger.billing import monthly_bills
from luodi.ledger.usage import summarize

audit_app = typer.Typer(no_args_is_help=True, help="Check the tamper-evident audit log.")
app.add_typer(audit_app, name="audit")


@app.command("usage")
def usage_report(
    tenant: Annotated[str | None, typer.Option(help="only this tenant")] = None,
    since: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD")] = None,
    config: ConfigOption = None,
) -> None:
    """Usage by tenant, assistant and day."""
    if since and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", since):
        raise fail(f"--since must be a day as YYYY-MM-DD, got {since!r}")
    with database(settings_from(config)) as session:
        try:
            tenant_id = find_tenant(session, tenant).id if tenant else None
        except GatewayError as exc:
            raise fail(str(exc)) from exc
        rows = summarize(session, since_day=since, tenant_id=tenant_id)
    table = Table(
        "day", "tenant", "assistant", "calls", "errors", "prompt tok", "completion tok", "cost USD", "mean ms"
    )
    for row in rows:
        table.add_row(
            row.day,
            row.tenant,
            row.assistant,
            str(row.requests),
            str(row.errors),
            str(row.prompt_tokens),
            str(row.completion_tokens),
            f"{row.cost_usd:.6f}",
            f"{row.mean_latency_ms:.0f}",
        )
    console.print(table)


@app.command("bill")
def bill(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM (default: this month)")] = "",
    config: ConfigOption = None,
) -> None:
    """A bill per tenant for a month, with each line's revenue share: base-model provider vs partner."""
    month = month or date.today().strftime("%Y-%m")
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise fail(f"--month must be YYYY-MM, got {month!r}")
    settings = settings_from(config)
    with database(settings) as session:
        bills = monthly_bills(session, settings, month)
    if not bills:
        console.print(f"no billable calls in {month}")
    for one in bills:
        table = Table(
            "assistant",
            "base model",
            "calls",
            "tokens",
            "amount USD",
            "provider",
            "provider USD",
            "partner",
            "partner USD",
            title=f"{one.tenant} — {month} — total ${one.total_usd}",
        )
        for line in one.lines:
            table.add_row(
                line.assistant,
                line.base_model,
                str(line.calls),
                str(line.tokens),
                str(line.amount_usd),
                line.provider,
                str(line.provider_usd),
                line.partner,
                str(line.partner_usd),
            )
        console.print(table)


@audit_app.command("verify")
def audit_verify(config: ConfigOption = None) -> None:
    """Walk the hash chain; exit 1 and name the first tampered record if any."""
    with database(settings_from(config)) as session:
        report = audit.verify(session)
    if report.intact:
        console.print(f"audit chain intact: {report.records} records, head {report.head_hash[:16]}…")
        return
    raise fail(f"audit chain broken at record {report.first_bad_seq}: {report.problem}")
