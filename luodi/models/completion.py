"""Legacy text completion (OpenAI's `POST /v1/completions`): the prompt continued as it is, with no chat template,
on the embedded llama.cpp model, sampled and counted by the same loop as a chat reply (`EmbeddedLlama.continue_text`),
so usage is the tokens the model read and wrote, streamed or not."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, Field

from luodi.contracts import Generation, GenerationRequest
from luodi.errors import UnsupportedParameter
from luodi.models.base import BaseModelBackend, StreamChunk
from luodi.models.embedded import EmbeddedLlama, gathered


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


def _request(request: TextRequest) -> GenerationRequest:
    # no repeat penalty: a continuation is the model's own text, as llama.cpp's completion writes it
    return GenerationRequest(messages=[], max_tokens=request.max_tokens, temperature=request.temperature,
                             top_p=request.top_p, stop=request.stop, seed=request.seed, repeat_penalty=1.0)


def complete_text(backend: BaseModelBackend, request: TextRequest) -> Generation:
    model = _embedded(backend)
    return gathered(model.name, model.continue_text(request.prompt, _request(request)), with_logprobs=False)


def stream_text(backend: BaseModelBackend, request: TextRequest) -> Iterator[StreamChunk]:
    """The continuation piece by piece; the last chunk carries finish_reason and the tokens the model wrote."""
    return _embedded(backend).continue_text(request.prompt, _request(request))
