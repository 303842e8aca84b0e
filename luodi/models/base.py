"""The one interface every base model implements; providers are adapters behind it, never branches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from luodi.contracts import Generation, GenerationRequest, TokenLogprob, TokenUsage, ToolCallRequest
from luodi.errors import BackendUnavailable as BackendUnavailable  # the base model is down or failed: 503
from luodi.errors import PromptTooLong as PromptTooLong  # the conversation does not fit its context: 400


class StreamChunk:
    """A piece of a streamed reply; the last one carries finish_reason and usage, and the caller's functions the
    model called (delivered whole, at the end). `logprobs`: those of the tokens that wrote this piece, if asked."""

    __slots__ = ("text", "finish_reason", "usage", "function_calls", "logprobs")

    def __init__(
        self,
        text: str,
        finish_reason: str | None = None,
        usage: TokenUsage | None = None,
        function_calls: list[ToolCallRequest] | None = None,
        logprobs: list[TokenLogprob] | None = None,
    ):
        self.text = text
        self.finish_reason = finish_reason
        self.usage = usage
        self.function_calls = function_calls or []
        self.logprobs = logprobs


class BaseModelBackend(Protocol):
    name: str

    def generate(self, request: GenerationRequest) -> Generation:
        """The whole reply at once. Raises BackendUnavailable when the model cannot answer."""
        ...

    def stream(self, request: GenerationRequest) -> Iterator[StreamChunk]:
        """The reply piece by piece. Raises BackendUnavailable, possibly after some chunks."""
        ...
