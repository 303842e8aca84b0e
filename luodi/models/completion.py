"""Legacy text completion (OpenAI's `POST /v1/completions`): the prompt continued as it is, with no chat template,
on the embedded llama.cpp model. Usage is the model's own token count, streamed or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, Field

from luodi.contracts import Generation, TokenUsage
from luodi.errors import UnsupportedParameter
from luodi.models.base import BaseModelBackend, StreamChunk
from luodi.models.embedded import EmbeddedLlama, _as_backend_error


class TextRequest(BaseModel):
    prompt: str
    max_tokens: int = 16
    temperature: float = 1.0
    top_p: float = 1.0
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None


def _embedded(backend: BaseModelBackend) -> EmbeddedLlama:
    if not isinstance(backend, EmbeddedLlama):
        raise UnsupportedParameter(
            f"base model {backend.name!r} serves chat only: text completions run on embedded models; "
            "use /v1/chat/completions",
            param="model",
        )
    return backend


def _arguments(request: TextRequest) -> dict[str, Any]:
    return {
        "prompt": request.prompt,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stop": request.stop or None,
        "seed": request.seed,
    }


def complete_text(backend: BaseModelBackend, request: TextRequest) -> Generation:
    model = _embedded(backend)
    with model._context() as llama:
        try:
            reply = llama.create_completion(**_arguments(request))
        except ValueError as exc:
            raise _as_backend_error(model.name, exc) from exc
    choice = reply["choices"][0]
    usage = reply["usage"]
    return Generation(
        text=choice["text"] or "",
        finish_reason=choice.get("finish_reason") or "stop",
        usage=TokenUsage(prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["completion_tokens"]),
    )


def stream_text(backend: BaseModelBackend, request: TextRequest) -> Iterator[StreamChunk]:
    """The continuation piece by piece; the last chunk carries finish_reason and the usage llama.cpp counted."""
    model = _embedded(backend)
    with model._context() as llama:
        prompt_tokens = len(llama.tokenize(request.prompt.encode("utf-8"), add_bos=True, special=True))
        produced: list[str] = []
        try:
            for piece in llama.create_completion(stream=True, **_arguments(request)):
                choice = piece["choices"][0]
                text = choice.get("text") or ""
                produced.append(text)
                if choice.get("finish_reason"):
                    completion = len(llama.tokenize("".join(produced).encode("utf-8"), add_bos=False, special=True))
                    usage = TokenUsage(prompt_tokens=prompt_tokens, completion_tokens=completion)
                    yield StreamChunk(text, finish_reason=choice["finish_reason"], usage=usage)
                    return
                if text:
                    yield StreamChunk(text)
        except ValueError as exc:
            raise _as_backend_error(model.name, exc) from exc
