"""`GET /v1/models` and `GET /v1/models/{id}`: the assistants a caller may name in `model` of a chat or text
completion, and the embedding models it may name in `model` of /v1/embeddings."""

from __future__ import annotations

import time

from fastapi import APIRouter

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.schemas import ModelCard, ModelList
from luodi.errors import ModelNotFound
from luodi.platform import Platform

STARTED = int(time.time())
router = APIRouter()


def model_cards(platform: Platform) -> dict[str, ModelCard]:
    settings = platform.settings
    cards = {
        name: ModelCard(
            id=name,
            created=STARTED,
            owned_by=config.partner or "luodi",
            base_model=config.base_model,
            description=config.description,
        )
        for name, config in sorted(settings.assistants.items())
    }
    for name, embedding in sorted(settings.embedding_models.items()):
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
def list_models(_caller: CallerDep, platform: PlatformDep) -> ModelList:
    return ModelList(data=list(model_cards(platform).values()))


@router.get("/v1/models/{model_id:path}", response_model=ModelCard)
def retrieve_model(model_id: str, _caller: CallerDep, platform: PlatformDep) -> ModelCard:
    card = model_cards(platform).get(model_id)
    if card is None:
        raise ModelNotFound(f"the model {model_id!r} does not exist; GET /v1/models lists the models", param="model")
    return card
