"""The assistants a tenant defines for itself, beside the platform's catalogue (the assistants of luodi.yaml,
offered to every tenant).

A tenant's assistant is a row: its id, its name (unique within the tenant, and never one of the catalogue's, so
that a name means one thing to a tenant; fixed once made, since keys and clients name it), the `AssistantConfig`
it was given, and a revision raised by every change. The platform looks the row up on each call, and keeps the
built assistant under the row's id and revision: a change made through any replica is what the next call on every
replica serves, with no restart and no stale copy, and a name deleted and made again is a new row.

What a tenant may set is narrower than what the platform's operator may write in luodi.yaml: no file paths (a
knowledge folder, a scenario file outside the installed packs), knowledge only from the tenant's own vector
stores, and a base-model share no lower than the platform's floor (`tenant_min_base_model_share`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from luodi.config import AssistantConfig
from luodi.errors import Conflict, InvalidRequest, NotFound
from luodi.store import Base, utc_now


class AssistantNotFound(NotFound):
    code = "assistant_not_found"


class AssistantExists(Conflict):
    code = "assistant_exists"


class AssistantRefused(InvalidRequest, ValueError):
    """A definition the platform does not allow a tenant to make; the message says which field and why."""

    code = "invalid_assistant"


class TenantAssistant(Base):
    __tablename__ = "tenant_assistants"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    @property
    def assistant_config(self) -> AssistantConfig:
        return AssistantConfig.model_validate(self.config)



def find(session: Session, tenant_id: str, name: str) -> TenantAssistant | None:
    return session.scalar(select(TenantAssistant).where(TenantAssistant.tenant_id == tenant_id,
                                                        TenantAssistant.name == name))


def get(session: Session, tenant_id: str, name: str) -> TenantAssistant:
    row = find(session, tenant_id, name)
    if row is None:
        raise AssistantNotFound(f"the tenant has no assistant named {name!r}")
    return row


def of_tenant(session: Session, tenant_id: str) -> list[TenantAssistant]:
    return list(session.scalars(select(TenantAssistant).where(TenantAssistant.tenant_id == tenant_id)
                                .order_by(TenantAssistant.name)))


def define(session: Session, tenant_id: str, name: str, config: AssistantConfig) -> TenantAssistant:
    if find(session, tenant_id, name) is not None:
        raise AssistantExists(f"the tenant already has an assistant named {name!r}; PATCH it or pick another name")
    now = utc_now()
    row = TenantAssistant(id="asst_" + uuid.uuid4().hex[:24], tenant_id=tenant_id, name=name,
                          config=config.model_dump(mode="json"), revision=1, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def redefine(row: TenantAssistant, config: AssistantConfig) -> TenantAssistant:
    row.config = config.model_dump(mode="json")
    row.revision += 1
    row.updated_at = utc_now()
    return row


def remove(session: Session, row: TenantAssistant) -> None:
    session.delete(row)
