"""The plain chat assistant: a system prompt on a base model, streamed as the model writes.

Nothing here is verified, so it suits small talk and drafting, not facts; grounded and scenario assistants
verify before they answer.
"""

from __future__ import annotations

from collections.abc import Iterator

from luodi.assistants.base import AnswerDelta, AssistantContext, Turn, assistant_kind, stream_whole_answer
from luodi.config import AssistantConfig
from luodi.contracts import Answer, GenerationRequest, Message, TokenUsage
from luodi.models.base import BaseModelBackend


class ChatAssistant:
    writes_choices = True  # several answers to one request (`n`): the platform asks once per choice

    def __init__(self, name: str, config: AssistantConfig, backend: BaseModelBackend) -> None:
        self.name = name
        self.config = config
        self.backend = backend

    def _request(self, turn: Turn) -> GenerationRequest:
        messages = list(turn.messages)
        if self.config.system_prompt and not any(m.role == "system" for m in messages):
            messages.insert(0, Message(role="system", content=self.config.system_prompt))
        return GenerationRequest(
            **turn.sampling.model_dump(),
            messages=messages,
            max_tokens=turn.max_tokens or self.config.max_tokens,
            temperature=turn.temperature,
        )

    def respond(self, turn: Turn) -> Answer:
        generation = self.backend.generate(self._request(turn))
        return Answer(
            text=generation.text,
            finish_reason=generation.finish_reason,
            usage=generation.usage,
            function_calls=generation.function_calls,
            logprobs=generation.logprobs,
        )

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        if _needs_whole_generation(turn):
            # a call of the caller's functions is one JSON value, and token logprobs come with the whole reply:
            # generated whole, sent as one piece
            yield from stream_whole_answer(self.respond(turn))
            return
        pieces: list[str] = []
        for chunk in self.backend.stream(self._request(turn)):
            pieces.append(chunk.text)
            if chunk.finish_reason is None:
                yield AnswerDelta(text=chunk.text)
                continue
            answer = Answer(
                text="".join(pieces),
                finish_reason=chunk.finish_reason,
                usage=chunk.usage or TokenUsage(),
            )
            yield AnswerDelta(text=chunk.text, final=answer)


def _needs_whole_generation(turn: Turn) -> bool:
    sampling = turn.sampling
    return bool(sampling.tools and sampling.tool_choice != "none") or sampling.logprobs


@assistant_kind("chat")
def build_chat(name: str, config: AssistantConfig, context: AssistantContext) -> ChatAssistant:
    return ChatAssistant(name, config, context.backends.get(config.base_model))
