"""`GET /v1/models`: the assistants a caller may name in `model`."""

from __future__ import annotations

import time

from fastapi import APIRouter

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.schemas import ModelCard, ModelList

STARTED = int(time.time())
router = APIRouter()


@router.get("/v1/models", response_model=ModelList)
def list_models(_caller: CallerDep, platform: PlatformDep) -> ModelList:
    return ModelList(
        data=[
            ModelCard(
                id=name,
                created=STARTED,
                owned_by=config.partner or "luodi",
                base_model=config.base_model,
                description=config.description,
            )
            for name, config in sorted(platform.settings.assistants.items())
        ]
    )
