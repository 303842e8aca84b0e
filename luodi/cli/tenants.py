"""`luodi tenant ...` and `luodi key ...`: tenants and their API keys with quotas."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from luodi.cli.common import ConfigOption, console, database, fail, settings_from
from luodi.cli.groups import app
from luodi.gateway.tenants import (
    CLIENT,
    OPERATOR,
    ApiKey,
    GatewayError,
    Quotas,
    Tenant,
    create_key,
    create_tenant,
    find_tenant,
    revoke_key,
)
from luodi.ledger import audit

tenant_app = typer.Typer(no_args_is_help=True, help="Create and list tenants.")
key_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys.")
app.add_typer(tenant_app, name="tenant")
app.add_typer(key_app, name="key")


@tenant_app.command("create")
def tenant_create(name: str, config: ConfigOption = None) -> None:
    """Create a tenant."""
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
    settings = settings_from(config)
    try:
        with database(settings) as session:
            row = revoke_key(session, key)
            audit.append(session, "key.revoked", {"key_id": row.id}, tenant_id=row.tenant_id)
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"key {row.id} revoked")


@key_app.command("list")
def key_list(tenant: Annotated[str | None, typer.Argument()] = None, config: ConfigOption = None) -> None:
    """List keys (all tenants, or one)."""
    with database(settings_from(config)) as session:
        query = select(ApiKey, Tenant.name).join(Tenant).order_by(Tenant.name, ApiKey.created_at)
        if tenant:
            query = query.where(Tenant.id == find_tenant(session, tenant).id)
        table = Table("tenant", "key id", "prefix", "name", "role", "rpm", "tokens/month", "budget/month", "revoked")
        for key, tenant_name in session.execute(query):
            budget = key.budget_nano_usd_per_month
            table.add_row(
                tenant_name,
                key.id,
                key.display_prefix,
                key.name,
                key.role,
                str(key.requests_per_minute or "-"),
                str(key.tokens_per_month or "-"),
                "-" if budget is None else f"${Decimal(budget) / Decimal(10**9)}",
                str(key.revoked_at)[:19] if key.revoked_at else "",
            )
    console.print(table)
