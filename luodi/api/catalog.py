"""`GET /v1/models` and `GET /v1/models/{id}`: the assistants a caller may name in `model` of a chat or text
completion (the platform's catalogue and the caller's tenant's own; a key limited to some assistants sees those),
and the embedding models it may name in `model` of /v1/embeddings."""

from __future__ import annotations

import time

from fastapi import APIRouter

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.schemas import ModelCard, ModelList
from luodi.errors import ModelNotFound
from luodi.gateway.tenants import Caller
from luodi.platform import Platform

STARTED = int(time.time())
router = APIRouter()


def model_cards(platform: Platform, caller: Caller) -> dict[str, ModelCard]:
    settings = platform.settings
    with platform.store.transaction() as session:
        assistants = platform.catalog.visible(session, caller.tenant_id)
    cards = {
        name: ModelCard(
            id=name,
            created=STARTED,
            owned_by=config.partner or ("luodi" if name in settings.assistants else caller.tenant_name),
            base_model=config.base_model,
            description=config.description,
        )
        for name, config in sorted(assistants.items())
        if caller.may_call(name)
    }
    for name, embedding in sorted(settings.embedding_models.items()):
        if not caller.may_call(name):
            continue
        cards.setdefault(
            name,
            ModelCard(
                id=name,
                created=STARTED,
                owned_by=embedding.owned_by,
                base_model=embedding.base_model or name,
                description=embedding.description,
            ),
        )
    return cards


@router.get("/v1/models", response_model=ModelList)
def list_models(caller: CallerDep, platform: PlatformDep) -> ModelList:
    return ModelList(data=list(model_cards(platform, caller).values()))


@router.get("/v1/models/{model_id:path}", response_model=ModelCard)
def retrieve_model(model_id: str, caller: CallerDep, platform: PlatformDep) -> ModelCard:
    card = model_cards(platform, caller).get(model_id)
    if card is None:
        raise ModelNotFound(f"the model {model_id!r} does not exist; GET /v1/models lists the models", param="model")
    return card
