"""A tenant's own assistants (Luodi's shape, not OpenAI's Assistants API): `POST/GET /v1/assistants`,
`GET/PATCH/DELETE /v1/assistants/{name}`.

Any key of the tenant may read the assistants it may call (a key limited to some sees those); below an operator's
key, a definition is shown without its system prompt, options and knowledge bases. The tenant's admin key
defines, changes and deletes. The platform's catalogue is listed too (`owned_by: "platform"`), read-only and
without its options (those are the operator's). What a definition may hold is checked by `luodi.catalog`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from luodi.api.deps import CallerDep, PlatformDep, require
from luodi.assistants.grounded import KNOWLEDGE_OPTION
from luodi.config import AssistantConfig
from luodi.errors import PermissionDenied
from luodi.gateway import assistants as defined
from luodi.gateway.assistants import AssistantNotFound, AssistantRefused, TenantAssistant
from luodi.gateway.tenants import ADMIN, OPERATOR, Caller
from luodi.ledger import audit
from luodi.platform import Platform
from luodi.store import unix_time

router = APIRouter()


class AssistantFields(BaseModel):
    """What a tenant sets; on PATCH, only the fields sent change."""

    model_config = {"extra": "forbid"}

    name: str | None = None
    kind: str | None = None
    base_model: str | None = None
    description: str | None = None
    system_prompt: str | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=32768)
    options: dict[str, Any] | None = None
    knowledge_bases: list[str] | None = None  # vector store ids the assistant answers from
    partner: str | None = None
    base_model_share: float | None = Field(default=None, ge=0.0, le=1.0)
    price_per_call: float | None = Field(default=None, ge=0.0, le=1000.0)  # USD


class AssistantOut(BaseModel):
    id: str
    object: Literal["assistant"] = "assistant"
    name: str
    owned_by: Literal["tenant", "platform"]
    kind: str
    base_model: str
    description: str
    system_prompt: str
    max_tokens: int
    options: dict[str, Any]
    knowledge_bases: list[str]
    partner: str
    base_model_share: float
    price_per_call: float
    revision: int | None = None
    created_at: int | None = None
    updated_at: int | None = None


class AssistantList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AssistantOut]


class AssistantDeleted(BaseModel):
    id: str
    object: Literal["assistant.deleted"] = "assistant.deleted"
    deleted: bool = True


@router.post("/v1/assistants", response_model=AssistantOut)
def create_assistant(body: AssistantFields, who: CallerDep, platform: PlatformDep) -> AssistantOut:
    require(who, ADMIN, "defining assistants")
    name = body.name or ""
    config = merged(AssistantConfig(base_model=body.base_model or "", kind=body.kind or "chat"), body)
    with platform.store.transaction() as session:
        row = defined.define(session, who.tenant_id, name, platform.catalog.checked(session, who.tenant_id, name,
                                                                                   config))
        audit.append(session, "assistant.created", {"name": name, "key_id": who.key_id, "config": row.config},
                     tenant_id=who.tenant_id)
        return tenant_assistant_out(row)


@router.get("/v1/assistants", response_model=AssistantList)
def list_assistants(who: CallerDep, platform: PlatformDep) -> AssistantList:
    with platform.store.transaction() as session:
        own = [shown_to(who, tenant_assistant_out(row)) for row in defined.of_tenant(session, who.tenant_id)
               if who.may_call(row.name)]
    catalogue = [catalogue_out(name, config) for name, config in sorted(platform.settings.assistants.items())
                 if who.may_call(name)]
    return AssistantList(data=[*own, *catalogue])


@router.get("/v1/assistants/{name}", response_model=AssistantOut)
def retrieve_assistant(name: str, who: CallerDep, platform: PlatformDep) -> AssistantOut:
    if not who.may_call(name):
        raise AssistantNotFound(f"the tenant has no assistant named {name!r} that this key may call")
    if name in platform.settings.assistants:
        return catalogue_out(name, platform.settings.assistants[name])
    with platform.store.transaction() as session:
        return shown_to(who, tenant_assistant_out(defined.get(session, who.tenant_id, name)))


def shown_to(who: Caller, out: AssistantOut) -> AssistantOut:
    """What a key below an operator's sees of a definition: not how it is made."""
    if who.holds(OPERATOR):
        return out
    return out.model_copy(update={"system_prompt": "", "options": {}, "knowledge_bases": []})


@router.patch("/v1/assistants/{name}", response_model=AssistantOut)
def update_assistant(name: str, body: AssistantFields, who: CallerDep, platform: PlatformDep) -> AssistantOut:
    require(who, ADMIN, "defining assistants")
    _refuse_catalogue(name, platform)
    with platform.store.transaction() as session:
        row = defined.get(session, who.tenant_id, name)
        if body.name is not None and body.name != row.name:
            raise AssistantRefused("an assistant's name cannot change: keys and clients name it; create a new one "
                                   "and delete this one", param="name")
        config = platform.catalog.checked(session, who.tenant_id, name, merged(row.assistant_config, body))
        defined.redefine(row, config)
        audit.append(session, "assistant.updated", {"name": name, "key_id": who.key_id, "config": row.config},
                     tenant_id=who.tenant_id)
        out = tenant_assistant_out(row)
    platform.forget_assistant(row.id)
    return out


@router.delete("/v1/assistants/{name}", response_model=AssistantDeleted)
def delete_assistant(name: str, who: CallerDep, platform: PlatformDep) -> AssistantDeleted:
    require(who, ADMIN, "defining assistants")
    _refuse_catalogue(name, platform)
    with platform.store.transaction() as session:
        row = defined.get(session, who.tenant_id, name)
        row_id = row.id
        defined.remove(session, row)
        audit.append(session, "assistant.deleted", {"name": name, "key_id": who.key_id}, tenant_id=who.tenant_id)
    platform.forget_assistant(row_id)
    return AssistantDeleted(id=row_id)


def merged(config: AssistantConfig, body: AssistantFields) -> AssistantConfig:
    """The configuration with the fields the body sets; `knowledge_bases` becomes the grounded kind's option."""
    sent = body.model_dump(exclude_unset=True, exclude={"name", "knowledge_bases", "options"})
    options = dict(body.options if body.options is not None else config.options)
    if body.knowledge_bases is not None:
        options[KNOWLEDGE_OPTION] = list(body.knowledge_bases)
    elif body.options is not None and KNOWLEDGE_OPTION in config.options:
        options.setdefault(KNOWLEDGE_OPTION, config.options[KNOWLEDGE_OPTION])
    updated = config.model_copy(update={**{k: v for k, v in sent.items() if v is not None}, "options": options})
    if updated.kind != "grounded":  # knowledge bases are the grounded kind's; another kind reads none
        updated.options.pop(KNOWLEDGE_OPTION, None)
    return updated


def tenant_assistant_out(row: TenantAssistant) -> AssistantOut:
    return _out(row.id, row.name, "tenant", row.assistant_config, row.revision, row.created_at, row.updated_at)


def catalogue_out(name: str, config: AssistantConfig) -> AssistantOut:
    """A catalogue assistant as tenants see it: its options (server paths, URLs) are the operator's."""
    return _out(name, name, "platform", config.model_copy(update={"options": {}}))


def _out(id_: str, name: str, owner: Literal["tenant", "platform"], config: AssistantConfig,
         revision: int | None = None, created: datetime | None = None, updated: datetime | None = None
         ) -> AssistantOut:
    options = {k: v for k, v in config.options.items() if k != KNOWLEDGE_OPTION}
    return AssistantOut(
        id=id_, name=name, owned_by=owner, kind=config.kind, base_model=config.base_model,
        description=config.description, system_prompt=config.system_prompt, max_tokens=config.max_tokens,
        options=options, knowledge_bases=list(config.options.get(KNOWLEDGE_OPTION, [])), partner=config.partner,
        base_model_share=config.base_model_share, price_per_call=config.price_per_call, revision=revision,
        created_at=unix_time(created) if created else None,
        updated_at=unix_time(updated) if updated else None,
    )


def _refuse_catalogue(name: str, platform: Platform) -> None:
    if name in platform.settings.assistants:
        raise PermissionDenied(f"assistant {name!r} is the platform's (luodi.yaml); only its operator changes it")


__all__ = ["AssistantNotFound", "router"]
