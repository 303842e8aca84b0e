"""Tenants and their API keys over HTTP (Luodi's own shapes; OpenAI has no such routes for its callers).

- `GET /v1/tenant`: the caller's tenant, for any key; `PATCH /v1/tenant` (tenant admin): its recorded consent
  to share its data for training (`shares_data_for_training`), audited as `tenant.consent_changed`.
- `POST /v1/tenants`, `GET /v1/tenants` (platform admin): a new tenant with its first admin key; every tenant.
- `POST /v1/keys`, `GET /v1/keys`, `GET|PATCH|DELETE /v1/keys/{id}` (tenant admin): the tenant's keys, their
  role, quotas, expiry and the assistants they may call. A secret is in the answer that creates its key and
  nowhere else; the database holds only its hash. DELETE revokes (the row stays, for the ledger).

Who may do what: a tenant admin manages its own tenant's keys and can give no key a role above its own, nor
touch a key whose role is above its own; the platform admin may name another tenant (`tenant` in the body of a
POST, `?tenant=` otherwise). Another tenant's key is a 404, as if it did not exist. Every change is audited
under the tenant it changes, with the acting key's id (`actor_key_id`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator
from sqlalchemy.orm import Session

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.errors import Conflict, InvalidRequest, PermissionDenied, PlatformKeyRequired
from luodi.gateway.tenants import (
    ADMIN,
    PLATFORM,
    ApiKey,
    Caller,
    Quotas,
    Tenant,
    all_tenants,
    callable_names,
    check_assistant_names,
    checked_role,
    create_key,
    create_tenant,
    find_key,
    find_tenant,
    future_expiry,
    key_facts,
    quotas_of,
    revoke,
    set_allowed_assistants,
    set_quotas,
    set_role,
    set_training_consent,
    tenant_keys,
)
from luodi.ledger import audit
from luodi.platform import Platform
from luodi.store import as_utc

router = APIRouter()

Role = Literal["member", "operator", "admin", "platform"]
UtcTime = Annotated[datetime, AfterValidator(as_utc)]  # SQLite hands times back without their zone
MAX_INT32 = 2**31 - 1  # requests_per_minute is an INTEGER column
MAX_INT64 = 2**63 - 1
MAX_BUDGET_USD = Decimal(MAX_INT64) / Decimal(10**9)  # the ledger keeps nano-dollars in a BIGINT
QUOTA_FIELDS = ("requests_per_minute", "tokens_per_month", "budget_usd_per_month")
TenantQuery = Annotated[str | None, Query(description="platform admin only: the tenant (name or id) to manage")]


# --- request and response shapes -------------------------------------------------------------------------------
class TenantOut(BaseModel):
    object: Literal["tenant"] = "tenant"
    id: str
    name: str
    created: UtcTime
    shares_data_for_training: bool
    consent_changed_at: UtcTime | None = None


class TenantList(BaseModel):
    object: Literal["list"] = "list"
    data: list[TenantOut]


class ConsentChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shares_data_for_training: StrictBool  # the tenant's recorded consent: its data may train what others use


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)


class KeySettings(BaseModel):
    """What a key's creator or admin sets; in a PATCH, only the fields sent change (null: no limit)."""

    model_config = ConfigDict(extra="forbid")
    requests_per_minute: int | None = Field(default=None, ge=0, le=MAX_INT32)
    tokens_per_month: int | None = Field(default=None, ge=0, le=MAX_INT64)
    budget_usd_per_month: Decimal | None = Field(default=None, ge=0, le=MAX_BUDGET_USD)
    expires_at: datetime | None = Field(default=None, description="ISO 8601; a time without a zone is UTC")
    allowed_assistants: list[str] | None = Field(default=None, description="null: every assistant")

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        return future_expiry(value)  # its GatewayError is a ValueError: a 400 naming the field


class KeyCreate(KeySettings):
    name: str = Field(default="", max_length=200)
    role: Role = "member"
    tenant: str | None = Field(default=None, description="platform admin only: the tenant (name or id)")


class KeyUpdate(KeySettings):
    name: str = Field(default="", max_length=200)
    role: Role = "member"  # changed only when sent


class KeyOut(BaseModel):
    object: Literal["api_key"] = "api_key"
    id: str
    tenant_id: str
    prefix: str  # the secret's first characters, to recognise it by
    name: str
    role: Role
    requests_per_minute: int | None
    tokens_per_month: int | None
    budget_usd_per_month: Decimal | None  # an exact decimal string, as the ledger keeps money
    expires_at: UtcTime | None
    allowed_assistants: list[str] | None
    created_at: UtcTime
    revoked_at: UtcTime | None


class KeyCreated(KeyOut):
    secret: str = Field(description="the API key itself: shown in this answer only, never again")


class KeyList(BaseModel):
    object: Literal["list"] = "list"
    data: list[KeyOut]


class TenantCreated(BaseModel):
    tenant: TenantOut
    key: KeyCreated  # the tenant's first admin key


# --- the caller's tenant -----------------------------------------------------------------------------------------
@router.get("/v1/tenant", response_model=TenantOut)
def own_tenant(who: CallerDep, platform: PlatformDep) -> TenantOut:
    with platform.store.transaction() as session:
        return tenant_out(session.get_one(Tenant, who.tenant_id))


@router.patch("/v1/tenant", response_model=TenantOut)
def change_consent(body: ConsentChange, who: CallerDep, platform: PlatformDep) -> TenantOut:
    """Only the tenant itself records its consent: the platform admin cannot give it on a tenant's behalf."""
    require(who, ADMIN, "changing the tenant's settings")
    with platform.store.transaction() as session:
        tenant = session.get_one(Tenant, who.tenant_id)
        before = tenant.shares_data_for_training
        set_training_consent(session, tenant, body.shares_data_for_training)
        audit.append(session, "tenant.consent_changed",
                     {"shares_data_for_training": body.shares_data_for_training, "before": before,
                      "actor_key_id": who.key_id},
                     tenant_id=tenant.id)
        return tenant_out(tenant)


# --- tenants (platform admin) ------------------------------------------------------------------------------------
@router.post("/v1/tenants", response_model=TenantCreated)
def new_tenant(body: TenantCreate, who: CallerDep, platform: PlatformDep) -> TenantCreated:
    require(who, PLATFORM, "creating tenants")
    with platform.store.transaction() as session:
        tenant = create_tenant(session, body.name)
        audit.append(session, "tenant.created", {"name": tenant.name, "actor_key_id": who.key_id},
                     tenant_id=tenant.id)
        key, secret = create_key(session, tenant, name="admin", role=ADMIN)
        audit.append(session, "key.created", {**key_facts(key), "actor_key_id": who.key_id}, tenant_id=tenant.id)
        return TenantCreated(tenant=tenant_out(tenant), key=key_created(key, secret))


@router.get("/v1/tenants", response_model=TenantList)
def list_tenants(who: CallerDep, platform: PlatformDep) -> TenantList:
    require(who, PLATFORM, "listing tenants")
    with platform.store.transaction() as session:
        return TenantList(data=[tenant_out(tenant) for tenant in all_tenants(session)])


# --- keys (tenant admin) -----------------------------------------------------------------------------------------
@router.post("/v1/keys", response_model=KeyCreated)
def new_key(body: KeyCreate, who: CallerDep, platform: PlatformDep) -> KeyCreated:
    require(who, ADMIN, "creating keys")
    require_may_grant(who, body.role)
    with platform.store.transaction() as session:
        tenant = managed_tenant(session, who, body.tenant)
        check_assistant_names(body.allowed_assistants, callable_names(session, platform.settings, tenant.id))
        quotas = Quotas(body.requests_per_minute, body.tokens_per_month, body.budget_usd_per_month)
        key, secret = create_key(session, tenant, body.name, quotas, body.role, body.expires_at,
                                 body.allowed_assistants)
        audit.append(session, "key.created", {**key_facts(key), "actor_key_id": who.key_id}, tenant_id=tenant.id)
        return key_created(key, secret)


@router.get("/v1/keys", response_model=KeyList)
def list_keys(who: CallerDep, platform: PlatformDep, tenant: TenantQuery = None) -> KeyList:
    require(who, ADMIN, "listing keys")
    with platform.store.transaction() as session:
        owner = managed_tenant(session, who, tenant)
        return KeyList(data=[key_out(key) for key in tenant_keys(session, owner.id)])


@router.get("/v1/keys/{key_id}", response_model=KeyOut)
def show_key(key_id: str, who: CallerDep, platform: PlatformDep, tenant: TenantQuery = None) -> KeyOut:
    require(who, ADMIN, "reading keys")
    with platform.store.transaction() as session:
        return key_out(find_key(session, key_id, managed_tenant(session, who, tenant).id))


@router.patch("/v1/keys/{key_id}", response_model=KeyOut)
def update_key(
    key_id: str, body: KeyUpdate, who: CallerDep, platform: PlatformDep, tenant: TenantQuery = None
) -> KeyOut:
    require(who, ADMIN, "changing keys")
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidRequest(f"nothing to change: send one or more of {', '.join(KeyUpdate.model_fields)}")
    with platform.store.transaction() as session:
        key = manageable_key(session, who, key_id, tenant)
        if key.revoked_at is not None:
            raise Conflict(f"key {key.id} was revoked at {as_utc(key.revoked_at).isoformat(timespec='seconds')}; "
                           "a revoked key cannot be changed")
        apply_changes(session, platform, who, key, body, changes)
        audit.append(session, "key.updated",
                     {"key_id": key.id, "changed": sorted(changes), **key_facts(key), "actor_key_id": who.key_id},
                     tenant_id=key.tenant_id)
        return key_out(key)


@router.delete("/v1/keys/{key_id}", response_model=KeyOut)
def revoke_key(key_id: str, who: CallerDep, platform: PlatformDep, tenant: TenantQuery = None) -> KeyOut:
    """Revoke the key: calls with it get 401 from now on. Revoking it again changes nothing."""
    require(who, ADMIN, "revoking keys")
    with platform.store.transaction() as session:
        key = manageable_key(session, who, key_id, tenant)
        if revoke(key):
            audit.append(session, "key.revoked", {"key_id": key.id, "prefix": key.display_prefix,
                                                  "actor_key_id": who.key_id}, tenant_id=key.tenant_id)
        return key_out(key)


# --- who may ---------------------------------------------------------------------------------------------------
def require_may_grant(who: Caller, role: str) -> None:
    """No caller hands out more than it holds: a tenant admin cannot make a platform key, say."""
    if not who.holds(role):
        error = PlatformKeyRequired if role == PLATFORM else PermissionDenied
        raise error(f"a key with role {who.role} cannot give a key the role {role}", param="role")


def managed_tenant(session: Session, who: Caller, named: str | None) -> Tenant:
    """The caller's own tenant, or the one it names if the caller is the platform admin."""
    if named is None or named in (who.tenant_id, who.tenant_name):
        return session.get_one(Tenant, who.tenant_id)
    if not who.is_platform_admin:
        raise PlatformKeyRequired(f"only the platform admin manages another tenant's keys, not {who.role} keys",
                                  param="tenant")
    return find_tenant(session, named)


def manageable_key(session: Session, who: Caller, key_id: str, tenant: str | None) -> ApiKey:
    """The key, of the tenant the caller manages (else 404), if its role is not above the caller's."""
    key = find_key(session, key_id, managed_tenant(session, who, tenant).id)
    role = checked_role(key.role)
    if not who.holds(role):
        raise PermissionDenied(f"key {key.id} has the role {role}, above this key's role {who.role}")
    return key


def apply_changes(
    session: Session, platform: Platform, who: Caller, key: ApiKey, body: KeyUpdate, changes: dict[str, Any]
) -> None:
    """Set on the key the fields the PATCH sent, and only those."""
    if "role" in changes:
        require_may_grant(who, body.role)
        set_role(session, key, body.role)
    if "name" in changes:
        key.name = body.name
    if changes.keys() & set(QUOTA_FIELDS):
        current = quotas_of(key)
        set_quotas(key, Quotas(*(changes[f] if f in changes else getattr(current, f) for f in QUOTA_FIELDS)))
    if "expires_at" in changes:
        key.expires_at = body.expires_at
    if "allowed_assistants" in changes:
        check_assistant_names(body.allowed_assistants, callable_names(session, platform.settings, key.tenant_id))
        set_allowed_assistants(key, body.allowed_assistants)


# --- rows to shapes -------------------------------------------------------------------------------------------
def tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut(id=tenant.id, name=tenant.name, created=tenant.created_at,
                     shares_data_for_training=tenant.shares_data_for_training,
                     consent_changed_at=tenant.consent_changed_at)


def key_fields(key: ApiKey) -> dict[str, Any]:
    quotas = quotas_of(key)
    return {
        "id": key.id,
        "tenant_id": key.tenant_id,
        "prefix": key.display_prefix,
        "name": key.name,
        "role": checked_role(key.role),
        "requests_per_minute": quotas.requests_per_minute,
        "tokens_per_month": quotas.tokens_per_month,
        "budget_usd_per_month": quotas.budget_usd_per_month,
        "expires_at": key.expires_at,
        "allowed_assistants": key.allowed_assistants,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def key_out(key: ApiKey) -> KeyOut:
    return KeyOut(**key_fields(key))


def key_created(key: ApiKey, secret: str) -> KeyCreated:
    return KeyCreated(**key_fields(key), secret=secret)
