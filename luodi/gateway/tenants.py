"""Tenants and their API keys. A key is shown once at creation; only its SHA-256 is stored.

Roles, each including the one before it:
- `member` calls assistants (stored as `client` by earlier versions, read as member);
- `operator` also decides its tenant's approval queue (copilot mode), so the user whose request waits can never
  approve it with their own key;
- `admin` (the tenant admin) also manages its tenant: its assistants, knowledge bases, keys and settings;
- `platform` (the platform admin) manages tenants and reads every tenant's ledger.

A key may also carry an expiry time (from then on it is refused with 401, saying so) and the assistants it may
call (others get 403).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String, false, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.errors import Conflict, ExpiredKey, InvalidRequest, NotFound
from luodi.gateway import assistants as tenant_assistants
from luodi.store import Base, as_utc, utc_now

if TYPE_CHECKING:
    from luodi.config import Settings

KEY_PREFIX = "lk-"
MEMBER = "member"
OPERATOR = "operator"
ADMIN = "admin"
PLATFORM = "platform"
ROLES = (MEMBER, OPERATOR, ADMIN, PLATFORM)  # each includes the ones before it
LEGACY_ROLES = {"client": MEMBER}
CLIENT = MEMBER  # the name earlier versions gave a member key
PLATFORM_TENANT = "platform"  # the tenant that holds the platform admin's keys


class GatewayError(InvalidRequest, ValueError):
    """A tenant or key operation that cannot be done; the message says why."""


# GatewayError comes first in these classes' MRO, so its 400 would win: the status is named again
class KeyNotFound(GatewayError, NotFound):
    status = NotFound.status
    code = "key_not_found"


class TenantNotFound(GatewayError, NotFound):
    status = NotFound.status
    code = "tenant_not_found"


class TenantExists(GatewayError, Conflict):
    status = Conflict.status
    code = "tenant_exists"


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # the tenant's recorded consent: its documents and conversations may train what others use
    shares_data_for_training: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


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
    role: Mapped[str] = mapped_column(String(20), default=MEMBER)  # see ROLES
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    allowed_assistants: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None: every assistant


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
    role: str = MEMBER
    allowed_assistants: frozenset[str] | None = None  # None: every assistant the tenant may name

    def holds(self, role: str) -> bool:
        """Whether the caller's role is `role` or one that includes it."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def is_operator(self) -> bool:
        return self.holds(OPERATOR)

    @property
    def is_tenant_admin(self) -> bool:
        return self.holds(ADMIN)

    @property
    def is_platform_admin(self) -> bool:
        return self.holds(PLATFORM)

    def may_call(self, assistant: str) -> bool:
        return self.allowed_assistants is None or assistant in self.allowed_assistants


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_tenant(session: Session, name: str) -> Tenant:
    name = name.strip()
    if not name:
        raise GatewayError("a tenant needs a non-empty name")
    if session.scalar(select(Tenant).where(Tenant.name == name)) is not None:
        raise TenantExists(f"tenant {name!r} exists already", param="name")
    tenant = Tenant(id=str(uuid.uuid4()), name=name, created_at=utc_now())
    session.add(tenant)
    session.flush()
    return tenant


def find_tenant(session: Session, name_or_id: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where((Tenant.name == name_or_id) | (Tenant.id == name_or_id)))
    if tenant is None:
        raise TenantNotFound(f"no tenant named {name_or_id!r}")
    return tenant


def checked_role(role: str) -> str:
    role = LEGACY_ROLES.get(role, role)
    if role not in ROLES:
        raise GatewayError(f"a key's role is one of {', '.join(ROLES)}, not {role!r}", param="role")
    return role


def role_for(tenant: Tenant, role: str) -> str:
    """The role, checked, that a key of this tenant may hold: platform admin keys belong to the platform tenant."""
    role = checked_role(role)
    if role == PLATFORM and tenant.name != PLATFORM_TENANT:
        raise GatewayError(f"platform admin keys belong to the {PLATFORM_TENANT!r} tenant, not {tenant.name!r}",
                           param="role")
    return role


def set_role(session: Session, key: ApiKey, role: str) -> None:
    key.role = role_for(session.get_one(Tenant, key.tenant_id), role)


def future_expiry(expires_at: datetime | None, now: datetime | None = None) -> datetime | None:
    """The expiry time in UTC (a time without a zone is read as UTC), or GatewayError if it is not in the future;
    None is no expiry."""
    if expires_at is None:
        return None
    try:
        moment = as_utc(expires_at)
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is a moment past the last one a datetime holds in UTC
        raise GatewayError(f"expires_at {expires_at.isoformat()} is out of range: in UTC it must lie within the "
                           "years 1 to 9999", param="expires_at") from None
    if moment <= (now or utc_now()):
        raise GatewayError(f"expires_at must be in the future, got {moment.isoformat(timespec='seconds')}",
                           param="expires_at")
    return moment


def set_allowed_assistants(key: ApiKey, names: Iterable[str] | None) -> None:
    """Limit the key to these assistants (None: every one); an empty list would make a key that can call nothing."""
    if names is None:
        key.allowed_assistants = None
        return
    allowed = sorted({name.strip() for name in names})
    if not allowed or "" in allowed:
        raise GatewayError("allowed_assistants must name at least one assistant, or be null for every assistant",
                           param="allowed_assistants")
    key.allowed_assistants = allowed


def callable_names(session: Session, settings: Settings, tenant_id: str) -> set[str]:
    """The names a key of this tenant may be limited to: the platform's catalogue, the tenant's own assistants and
    the embedding models. The one place that decides it: the API and the CLI both ask it."""
    own = {row.name for row in tenant_assistants.of_tenant(session, tenant_id)}
    return set(settings.assistants) | own | set(settings.embedding_models)


def check_assistant_names(names: Iterable[str] | None, known: Collection[str]) -> None:
    """GatewayError naming the assistants in `names` that are not among `known` (those the tenant may call)."""
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise GatewayError(
            f"allowed_assistants: there is no assistant named {', '.join(map(repr, unknown))}; "
            f"the names a key may be limited to are {', '.join(sorted(known)) or 'none'}",
            param="allowed_assistants",
        )


def create_key(
    session: Session,
    tenant: Tenant,
    name: str = "",
    quotas: Quotas | None = None,
    role: str = MEMBER,
    expires_at: datetime | None = None,
    allowed_assistants: list[str] | None = None,
) -> tuple[ApiKey, str]:
    """A new key for the tenant; returns the row and the secret, which is never stored."""
    role = role_for(tenant, role)
    quotas = quotas or Quotas()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=tenant.id,
        name=name,
        key_hash=hash_key(secret),
        display_prefix=secret[:10],
        created_at=utc_now(),
        role=role,
        expires_at=None if expires_at is None else as_utc(expires_at),  # the caller checks it is ahead
    )
    set_allowed_assistants(key, allowed_assistants)
    set_quotas(key, quotas)
    session.add(key)
    session.flush()
    return key, secret


def set_quotas(key: ApiKey, quotas: Quotas) -> None:
    budget = quotas.budget_usd_per_month
    key.requests_per_minute = quotas.requests_per_minute
    key.tokens_per_month = quotas.tokens_per_month
    key.budget_nano_usd_per_month = None if budget is None else int(budget * Decimal(10**9))


def quotas_of(key: ApiKey) -> Quotas:
    budget = key.budget_nano_usd_per_month
    return Quotas(
        requests_per_minute=key.requests_per_minute,
        tokens_per_month=key.tokens_per_month,
        budget_usd_per_month=None if budget is None else Decimal(budget) / Decimal(10**9),
    )


def find_key(session: Session, key_id: str, tenant_id: str | None = None) -> ApiKey:
    """The key with this id (of this tenant, when one is given), or KeyNotFound."""
    key = session.get(ApiKey, key_id)
    if key is None or (tenant_id is not None and key.tenant_id != tenant_id):
        raise KeyNotFound(f"no key with id {key_id!r}")
    return key


def tenant_keys(session: Session, tenant_id: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.created_at)
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    return list(session.scalars(query))


def set_training_consent(session: Session, tenant: Tenant, shares: bool) -> Tenant:
    if tenant.shares_data_for_training != shares:
        tenant.shares_data_for_training = shares
        tenant.consent_changed_at = utc_now()
    return tenant


def all_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.created_at, Tenant.name)))


def key_facts(key: ApiKey) -> dict[str, Any]:
    """What an audit record says of a key: everything but its hash."""
    quotas = quotas_of(key)
    return {
        "key_id": key.id,
        "prefix": key.display_prefix,
        "name": key.name,
        "role": checked_role(key.role),
        "requests_per_minute": quotas.requests_per_minute,
        "tokens_per_month": quotas.tokens_per_month,
        "budget_usd_per_month": None if quotas.budget_usd_per_month is None else str(quotas.budget_usd_per_month),
        "expires_at": None if key.expires_at is None else as_utc(key.expires_at).isoformat(),
        "allowed_assistants": key.allowed_assistants,
    }


def revoke(key: ApiKey) -> bool:
    """Revoke the key; False if it was revoked already (the first time stands)."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = utc_now()
    return True


def revoke_key(session: Session, key_id_or_prefix: str) -> ApiKey:
    matches = session.scalars(
        select(ApiKey).where((ApiKey.id == key_id_or_prefix) | (ApiKey.display_prefix == key_id_or_prefix[:10]))
    ).all()
    if not matches:
        raise GatewayError(f"no key with id or prefix {key_id_or_prefix!r}")
    if len(matches) > 1:
        raise GatewayError(f"{key_id_or_prefix!r} matches {len(matches)} keys; give the key id")
    key = matches[0]
    revoke(key)
    return key


def authenticate(session: Session, secret: str) -> Caller | None:
    """The caller behind a presented key, or None when the key is unknown or revoked; Unauthorized (saying so)
    when it has expired."""
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
            ApiKey.expires_at,
            ApiKey.allowed_assistants,
            Tenant.name,
        )
        .join(Tenant)
        .where(ApiKey.key_hash == hash_key(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and as_utc(row.expires_at) <= utc_now():
        raise ExpiredKey(f"the API key expired at {as_utc(row.expires_at).isoformat(timespec='seconds')}")
    budget = row.budget_nano_usd_per_month
    allowed = row.allowed_assistants
    return Caller(
        tenant_id=row.tenant_id,
        tenant_name=row.name,
        key_id=row.id,
        quotas=Quotas(
            requests_per_minute=row.requests_per_minute,
            tokens_per_month=row.tokens_per_month,
            budget_usd_per_month=None if budget is None else Decimal(budget) / Decimal(10**9),
        ),
        role=LEGACY_ROLES.get(row.role, row.role),
        allowed_assistants=None if allowed is None else frozenset(allowed),
    )
