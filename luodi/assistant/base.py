"""What an assistant (an "industry model") is to the rest of the platform, and how kinds of them are made.

An assistant is configuration (base model, knowledge, tools, scenario, policies) plus a pipeline of stages:
understand -> act -> compose -> verify -> govern. The API and the ledger only ever see `Turn` in and `Answer`
(or a stream of `AnswerDelta`) out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from luodi.config import AssistantConfig, Settings
from luodi.contracts import Answer, Message
from luodi.models.registry import BackendRegistry
from luodi.store import Store


@dataclass(frozen=True)
class Turn:
    """One request to an assistant: the conversation so far, and who asks."""

    messages: list[Message]
    tenant_id: str
    max_tokens: int | None = None
    temperature: float = 0.0
    conversation_id: str | None = None
    request_id: str = ""


@dataclass
class AnswerDelta:
    """A piece of a streamed answer; the last piece carries the whole `Answer` for the ledger."""

    text: str
    final: Answer | None = None


class Assistant(Protocol):
    name: str
    config: AssistantConfig

    def respond(self, turn: Turn) -> Answer: ...

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]: ...


@runtime_checkable
class ActingAssistant(Assistant, Protocol):
    """An assistant whose side-effecting actions can wait for approval; the platform runs them once approved."""

    def execute(self, action: str, payload: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class AssistantContext:
    """What a kind's factory may use to build an assistant."""

    settings: Settings
    backends: BackendRegistry
    store: Store | None = None


AssistantFactory = Callable[[str, AssistantConfig, AssistantContext], Assistant]

ASSISTANT_KINDS: dict[str, AssistantFactory] = {}
CLARIFYING_KINDS: set[str] = set()
ASSISTANT_OPTIONS: dict[str, frozenset[str]] = {}


def assistant_kind(
    kind: str, options: Iterable[str] = (), clarifies_empty_messages: bool = False
) -> Callable[[AssistantFactory], AssistantFactory]:
    """Register a factory for `kind:` in the assistants section of the configuration, with the `options:` keys
    it reads (any other key is refused at start, so a misspelt or renamed option is named, not ignored). A
    dialogue assistant (`clarifies_empty_messages`) answers an empty message with a question; the API rejects
    one (422) for the others."""

    def register(factory: AssistantFactory) -> AssistantFactory:
        ASSISTANT_KINDS[kind] = factory
        ASSISTANT_OPTIONS[kind] = frozenset(options)
        if clarifies_empty_messages:
            CLARIFYING_KINDS.add(kind)
        return factory

    return register


def stream_whole_answer(answer: Answer) -> Iterator[AnswerDelta]:
    """For assistants that must verify a whole answer before any of it may leave: one delta, then done."""
    yield AnswerDelta(text=answer.text, final=answer)
