"""What an assistant (an "industry model") is to the rest of the platform, and how kinds of them are made.

An assistant is configuration (base model, knowledge, tools, scenario, policies) plus a pipeline of stages:
understand -> act -> compose -> verify -> govern. The API and the ledger only ever see `Turn` in and `Answer`
(or a stream of `AnswerDelta`) out.

How to write an assistant kind:
1. A class with `name`, `config`, `respond(turn) -> Answer` and `stream(turn) -> Iterator[AnswerDelta]` (add
   `execute(action, payload)` if its actions can wait for approval: `ActingAssistant`).
2. Its options as a pydantic model derived from `KindOptions` (unknown keys are refused; every field typed).
3. A factory `(name, config, context) -> Assistant`, registered with
   `@assistant_kind("mykind", options=MyOptions)`; read the options with `MyOptions.of(config)`.
   The platform checks every configured assistant's options against its kind's model at start, so a wrong
   or misspelt option stops it, named, instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, ValidationError

from luodi.assistants.components import Components
from luodi.config import AssistantConfig, Settings
from luodi.contracts import Answer, Message, Sampling
from luodi.errors import Misconfigured, NeedsSkippedPack
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
    sampling: Sampling = field(default_factory=Sampling)  # the caller's generation parameters
    user: str | None = None  # the caller's end-user id (OpenAI's `user`), recorded in usage and audit


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
    components: Components = field(default_factory=Components)  # what the installed packs contribute
    tenant_id: str | None = None  # the tenant that defined the assistant; None for the platform's catalogue

    @property
    def data_dir(self) -> Path:
        """Where the assistant keeps files of its own (a scenario's business database): a tenant's apart."""
        root = self.settings.data_dir
        return root / "tenants" / self.tenant_id if self.tenant_id else root


AssistantFactory = Callable[[str, AssistantConfig, AssistantContext], Assistant]


class KindOptions(BaseModel):
    """The `options:` of one assistant kind: typed, and any key the kind does not read is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # the options a tenant may set on an assistant it defines itself; the rest (paths, database URLs, model
    # files) are the platform operator's, in luodi.yaml
    TENANT_OPTIONS: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def of(cls, config: AssistantConfig) -> Self:
        return cls.model_validate(config.options)

    def check_names(self, components: Components) -> None:
        """Refuse (ValueError) a name these options give that nothing installed provides: a skill, an extractor,
        a scenario. Run at start, so a misspelt name stops the platform instead of failing the first request."""


class NoOptions(KindOptions):
    pass


class OptionsError(Misconfigured, ValueError):
    """An assistant's options do not fit its kind; the message names the assistant and the field."""


ASSISTANT_KINDS: dict[str, AssistantFactory] = {}
CLARIFYING_KINDS: set[str] = set()
ASSISTANT_OPTIONS: dict[str, type[KindOptions]] = {}


def assistant_kind(
    kind: str, options: type[KindOptions] = NoOptions, clarifies_empty_messages: bool = False
) -> Callable[[AssistantFactory], AssistantFactory]:
    """Register a factory for `kind:` in the assistants section of the configuration, with the model of the
    `options:` it reads. A dialogue assistant (`clarifies_empty_messages`) answers an empty message with a
    question; the API rejects one for the others."""

    def register(factory: AssistantFactory) -> AssistantFactory:
        ASSISTANT_KINDS[kind] = factory
        ASSISTANT_OPTIONS[kind] = options
        if clarifies_empty_messages:
            CLARIFYING_KINDS.add(kind)
        return factory

    return register


def check_options(name: str, config: AssistantConfig, components: Components | None = None) -> None:
    """Refuse an option the kind does not read (a typo, or a renamed option) or a value of the wrong type, naming
    the assistant and the field: a silently ignored `model:` would serve another model than the one configured."""
    model = ASSISTANT_OPTIONS.get(config.kind)
    if model is None:
        return
    unknown = sorted(set(config.options) - set(model.model_fields))
    if unknown:
        raise OptionsError(f"assistant {name!r} (kind {config.kind}) has unknown option(s) {', '.join(unknown)}; "
                           f"it reads {', '.join(sorted(model.model_fields)) or 'none'}")
    try:
        options = model.of(config)
    except ValidationError as exc:
        problems = "; ".join(f"option {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise OptionsError(f"assistant {name!r} (kind {config.kind}): {problems}") from exc
    try:
        options.check_names(components or Components())
    except NeedsSkippedPack:
        raise
    except ValueError as exc:
        raise OptionsError(f"assistant {name!r} (kind {config.kind}): {exc}") from exc


def stream_whole_answer(answer: Answer) -> Iterator[AnswerDelta]:
    """For assistants that must verify a whole answer before any of it may leave: one delta, then done."""
    yield AnswerDelta(text=answer.text, final=answer)
