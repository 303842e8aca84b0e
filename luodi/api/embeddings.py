"""`POST /v1/embeddings`: vectors from the packaged all-MiniLM-L6-v2, or from a remote model passed through;
metered and audited through the platform like a chat call."""

from __future__ import annotations

import base64

import numpy as np
from fastapi import APIRouter, Response

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.schemas import EmbeddingData, EmbeddingList, EmbeddingRequest, EmbeddingUsage
from luodi.errors import RequestValidationFailed, UnsupportedParameter
from luodi.platform import Platform

MAX_INPUTS = 2048  # OpenAI's limit of inputs per request

router = APIRouter()


@router.post("/v1/embeddings", response_model=EmbeddingList)
def create_embeddings(
    body: EmbeddingRequest, who: CallerDep, platform: PlatformDep, response: Response
) -> EmbeddingList:
    texts = _texts(body)
    _check_dimensions(platform, body)
    call = platform.embeddings(who, body.model, texts, body.dimensions, body.user)
    response.headers.update(call.allowance.headers())
    return EmbeddingList(
        data=[
            EmbeddingData(index=i, embedding=_encoded(vector, body.encoding_format))
            for i, vector in enumerate(call.vectors)
        ],
        model=body.model,
        usage=EmbeddingUsage(prompt_tokens=call.usage.prompt_tokens, total_tokens=call.usage.total_tokens),
        luodi={"request_id": call.request_id, "cost_usd": str(call.cost_usd)},
    )


def _texts(body: EmbeddingRequest) -> list[str]:
    """The inputs as texts; token ids are refused, since a vector is only as good as the tokenizer that made them."""
    found = [body.input] if isinstance(body.input, str) else body.input
    if any(not isinstance(item, str) for item in found):
        raise UnsupportedParameter(
            "token-id input is not supported: Luodi's embedding models take text; send a string or a list of strings",
            param="input",
        )
    texts = [str(item) for item in found]
    if not texts:
        raise RequestValidationFailed("input is empty: send a string or a non-empty list of strings", param="input")
    if len(texts) > MAX_INPUTS:
        raise RequestValidationFailed(f"at most {MAX_INPUTS} inputs per request, not {len(texts)}", param="input")
    if any(not text.strip() for text in texts):
        raise RequestValidationFailed("an input is an empty string: there is nothing to embed", param="input")
    return texts


def _check_dimensions(platform: Platform, body: EmbeddingRequest) -> None:
    """`dimensions` must be the packaged model's own; a remote model gets it passed on, to honour or refuse."""
    if body.dimensions is None or body.model not in platform.settings.embedding_models:
        return
    size = platform.embedding_dimensions(body.model)
    if size is not None and body.dimensions != size:
        raise UnsupportedParameter(
            f"the model {body.model!r} makes {size}-dimensional vectors and cannot shorten them: "
            f"dimensions must be {size} or left out, not {body.dimensions}",
            param="dimensions",
        )


def _encoded(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")
    return vector
