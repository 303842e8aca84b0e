"""`luodi tenant ...` and `luodi key ...`: tenants and their API keys with quotas."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from luodi.cli.common import ConfigOption, console, database, fail, settings_from
from luodi.cli.groups import app
from luodi.cli.output import Column, CsvOption, JsonOption, Record, emit, emit_grouped, output_format

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from luodi.config import Settings
    from luodi.gateway.tenants import ApiKey, Quotas

tenant_app = typer.Typer(no_args_is_help=True, help="Create and list tenants.")
key_app = typer.Typer(no_args_is_help=True, help="Create, list, update and revoke API keys.")
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


def _expiry(value: str) -> datetime:
    """An ISO date (the key expires at its start, UTC) or date and time (UTC unless it names a zone)."""
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise fail(f"--expires must be an ISO date or date and time (2026-12-31, 2026-12-31T18:00), got {value!r}") \
            from exc


RoleOption = Annotated[
    str | None, typer.Option("--role", help="member, operator, admin (the tenant's admin) or platform")
]
ExpiresOption = Annotated[
    str | None, typer.Option("--expires", help="ISO date or date and time (UTC) from which the key is refused")
]
AssistantOption = Annotated[
    list[str] | None, typer.Option("--assistant", help="an assistant the key may call (repeat for more; default: all)")
]


@key_app.command("create")
def key_create(
    tenant: str,
    name: Annotated[str, typer.Option(help="a label for the key")] = "",
    rpm: Annotated[int | None, typer.Option(help="requests per minute")] = None,
    tokens: Annotated[int | None, typer.Option(help="tokens per calendar month")] = None,
    budget: Annotated[str | None, typer.Option(help="spend per calendar month, USD")] = None,
    role: RoleOption = None,
    operator: Annotated[bool, typer.Option("--operator", help="the same as --role operator")] = False,
    expires: ExpiresOption = None,
    assistant: AssistantOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an API key for a tenant. The key is shown once; only its hash is stored."""
    from luodi.gateway.tenants import (
        MEMBER,
        OPERATOR,
        GatewayError,
        Quotas,
        callable_names,
        check_assistant_names,
        create_key,
        find_tenant,
        future_expiry,
        key_facts,
    )
    from luodi.ledger import audit

    if operator and role not in (None, OPERATOR):
        raise fail(f"--operator and --role {role}: choose one")
    settings = settings_from(config)
    try:
        quotas = Quotas(requests_per_minute=rpm, tokens_per_month=tokens, budget_usd_per_month=_budget(budget))
        expires_at = future_expiry(_expiry(expires)) if expires else None
        with database(settings) as session:
            owner = find_tenant(session, tenant)
            check_assistant_names(assistant, callable_names(session, settings, owner.id))
            key, secret = create_key(session, owner, name, quotas, OPERATOR if operator else role or MEMBER,
                                     expires_at, assistant or None)
            audit.append(session, "key.created", {**key_facts(key), "actor_key_id": None}, tenant_id=key.tenant_id)
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"key id {key.id}")
    print(secret)


UNLIMITED = "none"  # the value of --rpm, --tokens or --budget that lifts the limit
NEVER = "never"  # the value of --expires that removes the expiry


def _whole_limit(option: str, value: str) -> int | None:
    if value.strip().lower() == UNLIMITED:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise fail(f"{option} must be a whole number or {UNLIMITED!r}, got {value!r}") from exc


def _changed_quotas(current: Quotas, rpm: str | None, tokens: str | None, budget: str | None) -> Quotas:
    """The quotas with the limits given changed (UNLIMITED lifts one) and the others as they are."""
    from luodi.gateway.tenants import Quotas

    return Quotas(
        requests_per_minute=current.requests_per_minute if rpm is None else _whole_limit("--rpm", rpm),
        tokens_per_month=current.tokens_per_month if tokens is None else _whole_limit("--tokens", tokens),
        budget_usd_per_month=current.budget_usd_per_month if budget is None
        else None if budget.strip().lower() == UNLIMITED else _budget(budget),
    )


@key_app.command("update")
def key_update(
    key_id: Annotated[str, typer.Argument(help="the key's id")],
    name: Annotated[str | None, typer.Option(help="a new label")] = None,
    rpm: Annotated[str | None, typer.Option(help=f"requests per minute, or {UNLIMITED!r}")] = None,
    tokens: Annotated[str | None, typer.Option(help=f"tokens per calendar month, or {UNLIMITED!r}")] = None,
    budget: Annotated[str | None, typer.Option(help=f"spend per calendar month, USD, or {UNLIMITED!r}")] = None,
    role: RoleOption = None,
    expires: Annotated[str | None, typer.Option(help=f"ISO date or date and time (UTC), or {NEVER!r}")] = None,
    assistant: AssistantOption = None,
    all_assistants: Annotated[bool, typer.Option("--all-assistants", help="lift the limit to some assistants")] = False,
    config: ConfigOption = None,
) -> None:
    """Change a key's quotas, expiry, assistants, role or name; what is not given stays as it is."""
    from luodi.gateway.tenants import GatewayError, find_key, key_facts
    from luodi.ledger import audit

    if assistant and all_assistants:
        raise fail("--assistant and --all-assistants: choose one")
    settings = settings_from(config)
    try:
        with database(settings) as session:
            key = find_key(session, key_id)
            changed = _update_quotas(key, rpm, tokens, budget)
            changed += _update_access(session, settings, key, role, expires, None if all_assistants else assistant,
                                      all_assistants)
            if name is not None:
                key.name = name
                changed.append("name")
            if not changed:
                raise fail("nothing to change: give --rpm, --tokens, --budget, --expires, --assistant, "
                           "--all-assistants, --role or --name")
            audit.append(session, "key.updated", {"changed": sorted(changed), **key_facts(key), "actor_key_id": None},
                         tenant_id=key.tenant_id)
    except GatewayError as exc:
        raise fail(str(exc)) from exc
    console.print(f"key {key.id} updated: {', '.join(sorted(changed))}")


def _update_quotas(key: ApiKey, rpm: str | None, tokens: str | None, budget: str | None) -> list[str]:
    """Set the limits given; returns the fields changed."""
    from luodi.gateway.tenants import quotas_of, set_quotas

    given = [field for value, field in ((rpm, "requests_per_minute"), (tokens, "tokens_per_month"),
                                        (budget, "budget_usd_per_month")) if value is not None]
    if given:
        set_quotas(key, _changed_quotas(quotas_of(key), rpm, tokens, budget))
    return given


def _update_access(
    session: Session,
    settings: Settings,
    key: ApiKey,
    role: str | None,
    expires: str | None,
    assistants: list[str] | None,
    every_assistant: bool,
) -> list[str]:
    """Set the role, expiry and assistants given; returns the fields changed."""
    from luodi.gateway.tenants import (
        callable_names,
        check_assistant_names,
        future_expiry,
        set_allowed_assistants,
        set_role,
    )

    changed: list[str] = []
    if role is not None:
        set_role(session, key, role)
        changed.append("role")
    if expires is not None:
        key.expires_at = None if expires.strip().lower() == NEVER else future_expiry(_expiry(expires))
        changed.append("expires_at")
    if assistants or every_assistant:
        check_assistant_names(assistants, callable_names(session, settings, key.tenant_id))
        set_allowed_assistants(key, assistants)
        changed.append("allowed_assistants")
    return changed


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
              "budget_usd_per_month", "expires_at", "allowed_assistants", "created_at", "revoked_at")
KEY_COLUMNS = (  # 80 columns: the creation and revocation dates, the expiry's time are left to --json and --csv
    Column("prefix", "prefix", wrap=False),
    Column("name", "name"),
    Column("role", "role", wrap=False),
    Column("requests_per_minute", "rpm", "right"),
    Column("tokens_per_month", "tokens/mo", "right"),
    Column("budget_usd_per_month", "USD/mo", "right"),
    Column("assistants", "assistants"),
    Column("ends", "ends", wrap=False),
)
EVERY_ASSISTANT = "all"  # what the table shows for a key not limited to some assistants
REVOKED = "revoked"  # what the table shows as the end of a revoked key


def _key_record(key: ApiKey, tenant_name: str) -> Record:
    from luodi.gateway.tenants import checked_role

    budget = key.budget_nano_usd_per_month
    allowed = key.allowed_assistants
    return {
        "tenant": tenant_name,
        "id": key.id,
        "prefix": key.display_prefix,
        "name": key.name,
        "role": checked_role(key.role),  # a key stored as `client` by an earlier version is a member
        "requests_per_minute": key.requests_per_minute,
        "tokens_per_month": key.tokens_per_month,
        "budget_usd_per_month": None if budget is None else Decimal(budget) / Decimal(10**9),
        "expires_at": str(key.expires_at)[:16] if key.expires_at else None,
        "allowed_assistants": " ".join(allowed) if allowed is not None else None,
        "created_at": str(key.created_at)[:10],
        "revoked_at": str(key.revoked_at)[:10] if key.revoked_at else None,
    }


def _table_row(record: Record) -> Record:
    """The record with the shorter values a table shows: when the key ends (revoked, or its expiry's date), "all"
    for a key not limited to some assistants."""
    expires = record["expires_at"]
    ends = REVOKED if record["revoked_at"] else expires[:10] if expires else None
    return {**record, "ends": ends, "assistants": record["allowed_assistants"] or EVERY_ASSISTANT}


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
        emit_grouped(console, [_table_row(record) for record in records], KEY_COLUMNS, "tenant", "keys of {}")
        return
    emit(console, records, KEY_COLUMNS, fmt, KEY_FIELDS)
