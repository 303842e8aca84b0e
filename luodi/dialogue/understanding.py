"""The Understander contract: one user message, and the conversation so far, to what it says.

What an understanding says depends on the scenario: commands over the task stack (`list[Command]`, for the
task-stack engine) or a scenario's own reading (the fund screener's `Reading`). The protocol is the same, typed by
what it returns, so a rules, trained or base-model understander of one scenario can stand in for another.

How to write one: a class with `understand(self, message: str, state: DialogueState) -> R`. It must not change
`state` (the engine applies what it returns), must return quickly (it runs on every turn), and returns an empty
reading rather than raising on text it cannot read. For the task-stack engine, list an `UnderstanderProvider` (its
factory and the kinds it serves) under a name in your pack's components
(`Components(understanders={"warehouse": UnderstanderProvider(build, kinds=("rules",))})`) and name it in the
scenario YAML (`nlu: {understander: warehouse}`); the assistant's `options.understander` picks one of its kinds
(checked at start). The built-in `nlu` provider (`luodi.nlu.commands`) adapts a trained NLU model instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from luodi.dialogue.commands import Command
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.models.base import BaseModelBackend

R_co = TypeVar("R_co", covariant=True)


class Understander(Protocol[R_co]):
    def understand(self, message: str, state: DialogueState) -> R_co: ...


CommandUnderstander = Understander[list[Command]]


@dataclass(frozen=True)
class UnderstanderSetup:
    """What an understander factory may use: the kind asked for (rules | trained | llm | …), a model file, and
    the base model (for understanders that prompt it; call it only then, so others never load it)."""

    kind: str
    base_model: Callable[[], BaseModelBackend]
    model: str | None = None


UnderstanderFactory = Callable[[ScenarioSpec, UnderstanderSetup], CommandUnderstander]


@dataclass(frozen=True)
class UnderstanderProvider:
    """A pack's understander for task-stack specs: its factory, and the `options.understander` kinds it serves."""

    build: UnderstanderFactory
    kinds: tuple[str, ...] = ("rules",)
