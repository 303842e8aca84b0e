"""An assistant's base model asked to continue a prompt as written (OpenAI's legacy `/v1/completions`): no system
prompt, no chat template, no verification. The platform meters it like any other answer."""

from __future__ import annotations

from collections.abc import Iterator

from luodi.assistants.base import AnswerDelta, Turn
from luodi.config import AssistantConfig
from luodi.contracts import Answer, TokenUsage
from luodi.models.base import BaseModelBackend
from luodi.models.completion import TextRequest, complete_text, stream_text

DEFAULT_MAX_TOKENS = 16  # OpenAI's default for text completions


class TextContinuation:
    writes_choices = True  # `n` continuations: the platform asks once per choice, with the seed varied

    def __init__(self, name: str, config: AssistantConfig, backend: BaseModelBackend) -> None:
        self.name = name
        self.config = config
        self.backend = backend

    @staticmethod
    def _request(turn: Turn) -> TextRequest:
        return TextRequest(
            prompt=turn.messages[-1].content,
            max_tokens=turn.max_tokens or DEFAULT_MAX_TOKENS,
            temperature=turn.temperature,
            top_p=turn.sampling.top_p,
            stop=turn.sampling.stop,
            seed=turn.sampling.seed,
        )

    def respond(self, turn: Turn) -> Answer:
        written = complete_text(self.backend, self._request(turn))
        return Answer(text=written.text, finish_reason=written.finish_reason, usage=written.usage)

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        parts: list[str] = []
        for chunk in stream_text(self.backend, self._request(turn)):
            parts.append(chunk.text)
            if chunk.finish_reason is not None:
                answer = Answer(
                    text="".join(parts), finish_reason=chunk.finish_reason, usage=chunk.usage or TokenUsage()
                )
                yield AnswerDelta(chunk.text, final=answer)
                return
            yield AnswerDelta(chunk.text)
