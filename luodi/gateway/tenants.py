"""Tenants and their API keys. A key is shown once at creation; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.errors import InvalidRequest
from luodi.store import Base, utc_now

KEY_PREFIX = "lk-"
CLIENT = "client"
OPERATOR = "operator"
ROLES = (CLIENT, OPERATOR)


class GatewayError(InvalidRequest, ValueError):
    """A tenant or key operation that cannot be done; the message says why."""


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # quotas; None means unlimited
    requests_per_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tokens_per_month: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    budget_nano_usd_per_month: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # "client" keys call assistants; "operator" keys may also decide the tenant's approval queue (copilot mode),
    # so the user whose request waits can never approve it with their own key
    role: Mapped[str] = mapped_column(String(20), default=CLIENT)


@dataclass(frozen=True)
class Quotas:
    requests_per_minute: int | None = None
    tokens_per_month: int | None = None
    budget_usd_per_month: Decimal | None = None

    def __post_init__(self) -> None:
        for field_name in ("requests_per_minute", "tokens_per_month", "budget_usd_per_month"):
            value = getattr(self, field_name)
            if value is not None and value < 0:
                raise GatewayError(f"{field_name} must not be negative, got {value}")


@dataclass(frozen=True)
class Caller:
    """Who is asking: what the gateway hands on after a key checks out."""

    tenant_id: str
    tenant_name: str
    key_id: str
    quotas: Quotas
    role: str = CLIENT

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_tenant(session: Session, name: str) -> Tenant:
    name = name.strip()
    if not name:
        raise GatewayError("a tenant needs a non-empty name")
    if session.scalar(select(Tenant).where(Tenant.name == name)) is not None:
        raise GatewayError(f"tenant {name!r} exists already")
    tenant = Tenant(id=str(uuid.uuid4()), name=name, created_at=utc_now())
    session.add(tenant)
    session.flush()
    return tenant


def find_tenant(session: Session, name_or_id: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where((Tenant.name == name_or_id) | (Tenant.id == name_or_id)))
    if tenant is None:
        raise GatewayError(f"no tenant named {name_or_id!r}")
    return tenant


def create_key(
    session: Session, tenant: Tenant, name: str = "", quotas: Quotas | None = None, role: str = CLIENT
) -> tuple[ApiKey, str]:
    """A new key for the tenant; returns the row and the secret, which is never stored."""
    if role not in ROLES:
        raise GatewayError(f"a key's role is one of {', '.join(ROLES)}, not {role!r}")
    quotas = quotas or Quotas()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    budget = quotas.budget_usd_per_month
    key = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        name=name,
        key_hash=hash_key(secret),
        display_prefix=secret[:10],
        created_at=utc_now(),
        requests_per_minute=quotas.requests_per_minute,
        tokens_per_month=quotas.tokens_per_month,
        budget_nano_usd_per_month=None if budget is None else int(budget * Decimal(10**9)),
        role=role,
    )
    session.add(key)
    session.flush()
    return key, secret


def revoke_key(session: Session, key_id_or_prefix: str) -> ApiKey:
    matches = session.scalars(
        select(ApiKey).where((ApiKey.id == key_id_or_prefix) | (ApiKey.display_prefix == key_id_or_prefix[:10]))
    ).all()
    if not matches:
        raise GatewayError(f"no key with id or prefix {key_id_or_prefix!r}")
    if len(matches) > 1:
        raise GatewayError(f"{key_id_or_prefix!r} matches {len(matches)} keys; give the key id")
    key = matches[0]
    if key.revoked_at is None:
        key.revoked_at = utc_now()
    return key


def authenticate(session: Session, secret: str) -> Caller | None:
    """The caller behind a presented key, or None when the key is unknown or revoked."""
    if not secret.startswith(KEY_PREFIX):
        return None
    row = session.execute(
        select(
            ApiKey.id,
            ApiKey.tenant_id,
            ApiKey.revoked_at,
            ApiKey.requests_per_minute,
            ApiKey.tokens_per_month,
            ApiKey.budget_nano_usd_per_month,
            ApiKey.role,
            Tenant.name,
        )
        .join(Tenant)
        .where(ApiKey.key_hash == hash_key(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    budget = row.budget_nano_usd_per_month
    return Caller(
        tenant_id=row.tenant_id,
        tenant_name=row.name,
        key_id=row.id,
        quotas=Quotas(
            requests_per_minute=row.requests_per_minute,
            tokens_per_month=row.tokens_per_month,
            budget_usd_per_month=None if budget is None else Decimal(budget) / Decimal(10**9),
        ),
        role=row.role,
    )
