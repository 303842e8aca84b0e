"""`luodi tenant ...` and `luodi key ...`: tenants and their API keys with quotas."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, database, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.output import Column, CsvOption, JsonOption, Record, emit, emit_grouped, output_format

if TYPE_CHECKING:
    from luodi.gateway.tenants import ApiKey

tenant_app = typer.Typer(no_args_is_help=True, help="Create and list tenants.")
key_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")


@tenant_app.command("create")
def tenant_create(name: str, config: ConfigOption = None) -> None:
    """Create a tenant."""
    from luodi.gateway.tenants import GatewayError, create_tenant
    from luodi.ledger import audit

    settings = settings_from(config)
    try:
        with database(settings) as session:
            tenant = create_tenant(session, name)
            audit.append(session, "tenant.created", {"name": tenant.name}, tenant_id=tenant.id)
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"tenant [bold]{tenant.name}[/] created, id {tenant.id}")


@tenant_app.command("list")
def tenant_list(config: ConfigOption = None) -> None:
    """List tenants."""
    from sqlalchemy import select

    from luodi.gateway.tenants import Tenant

    with database(settings_from(config)) as session:
        table = Table("name", "id", "created")
        for tenant in session.scalars(select(Tenant).order_by(Tenant.name)):
            table.add_row(tenant.name, tenant.id, str(tenant.created_at)[:19])
    console.print(table)


def _budget(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise fail(f"--budget must be a number of US dollars, got {value!r}") from exc


@key_app.command("create")
def key_create(
    tenant: str,
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    rpm: Annotated[int | None, typer.Option(help="requests per minute")] = None,
    tokens: Annotated[int | None, typer.Option(help="tokens per calendar month")] = None,
    budget: Annotated[str | None, typer.Option(help="spend per calendar month, USD")] = None,
    operator: Annotated[bool, typer.Option("--operator", help="may also decide the approval queue")] = False,
    config: ConfigOption = None,
) -> None:
    """Create an API key for a tenant. The key is shown once; only its hash is stored."""
    from luodi.gateway.tenants import CLIENT, OPERATOR, GatewayError, Quotas, create_key, find_tenant
    from luodi.ledger import audit

    settings = settings_from(config)
    try:
        quotas = Quotas(requests_per_minute=rpm, tokens_per_month=tokens, budget_usd_per_month=_budget(budget))
        with database(settings) as session:
            role = OPERATOR if operator else CLIENT
            key, secret = create_key(session, find_tenant(session, tenant), name, quotas, role)
            audit.append(
                session,
                "key.created",
                {
                    "key_id": key.id,
                    "prefix": key.display_prefix,
                    "role": role,
                    "rpm": rpm,
                    "tokens": tokens,
                    "budget": budget,
                },
                tenant_id=key.tenant_id,
            )
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"key id {key.id}")
    print(secret)


@key_app.command("revoke")
def key_revoke(
    key: Annotated[str, typer.Argument(help="key id, or the key's first 10 characters")], config: ConfigOption = None
) -> None:
    """Revoke a key; calls with it get 401 from then on."""
    from luodi.gateway.tenants import GatewayError, revoke_key
    from luodi.ledger import audit

    settings = settings_from(config)
    try:
        with database(settings) as session:
            row = revoke_key(session, key)
            audit.append(session, "key.revoked", {"key_id": row.id}, tenant_id=row.tenant_id)
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"key {row.id} revoked")


KEY_FIELDS = ("tenant", "id", "prefix", "name", "role", "requests_per_minute", "tokens_per_month",
              "budget_usd_per_month", "created_at", "revoked_at")
KEY_COLUMNS = (
    Column("prefix", "prefix", wrap=False),
    Column("name", "name"),
    Column("role", "role"),
    Column("requests_per_minute", "rpm", "right"),
    Column("tokens_per_month", "tokens/mo", "right"),
    Column("budget_usd_per_month", "USD/mo", "right"),
    Column("created_at", "created", wrap=False),
    Column("revoked_at", "revoked", wrap=False),
)


def _key_record(key: ApiKey, tenant_name: str) -> Record:
    budget = key.budget_nano_usd_per_month
    return {
        "tenant": tenant_name,
        "id": key.id,
        "prefix": key.display_prefix,
        "name": key.name,
        "role": key.role,
        "requests_per_minute": key.requests_per_minute,
        "tokens_per_month": key.tokens_per_month,
        "budget_usd_per_month": None if budget is None else Decimal(budget) / Decimal(10**9),
        "created_at": str(key.created_at)[:10],
        "revoked_at": str(key.revoked_at)[:10] if key.revoked_at else None,
    }


@key_app.command("list")
def key_list(
    tenant: Annotated[str | None, typer.Argument()] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    config: ConfigOption = None,
) -> None:
    """List keys (all tenants, or one); the table shows each key by its prefix, JSON and CSV also by id."""
    from sqlalchemy import select

    from luodi.gateway.tenants import ApiKey, GatewayError, Tenant, find_tenant

    fmt = output_format(as_json, as_csv)
    with database(settings_from(config)) as session:
        query = select(ApiKey, Tenant.name).join(Tenant).order_by(Tenant.name, ApiKey.created_at)
        if tenant:
            try:
                query = query.where(Tenant.id == find_tenant(session, tenant).id)
            except GatewayError as exc:
                raise fail(str(exc)) from exc
        records = [_key_record(key, tenant_name) for key, tenant_name in session.execute(query)]
    if fmt == "table":
        emit_grouped(console, records, KEY_COLUMNS, "tenant", "keys of {}")
        return
    emit(console, records, KEY_COLUMNS, fmt, KEY_FIELDS)
