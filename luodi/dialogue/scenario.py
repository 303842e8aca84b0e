"""The Scenario contract: what a `scenario` assistant runs, one user message at a time.

A scenario turns a user message and the conversation's `DialogueState` into a `TurnResult`: the reply, the
evidence it rests on, the checks that verified it, the commands understood and the actions taken. The platform
remembers the state per conversation (`ConversationMemory`), files side-effecting actions with the approval desk,
and runs them through `execute` once an operator approves.

Two scenarios ship: the task-stack engine (`luodi.dialogue.engine.ScenarioEngine`, driven by a YAML spec) and the
fund screener (`luodi.packs.funds`). Both are served by the one `scenario` assistant kind.

How to write one:
1. A class with `name`, `new_state()`, `handle(state, message, key) -> TurnResult` (`key` identifies the turn, so
   a retried request files no second approval), `execute(action, payload, conversation) -> dict` (returns
   `{"reference": ...}` or `{"error": ...}`, writing nothing on error) and `bind(desk) -> Scenario` (the same
   scenario filing its approvals with one tenant's desk; return `self` when nothing waits for approval).
2. A `ScenarioFactory`: `(ScenarioSetup) -> Scenario`, listed with the understander kinds it offers under a name
   in your pack's components (`Components(scenarios={"screener": ScenarioProvider(build, ("rules", "trained"))})`);
   an assistant names it with `options: {scenario: screener, understander: trained}` (both checked at start).
   A scenario that is a YAML spec for the task-stack engine needs no factory: name the file instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from luodi.contracts import Check, Citation, Evidence
from luodi.dialogue.commands import Command
from luodi.dialogue.state import DialogueState
from luodi.models.base import BaseModelBackend


class ApprovalDesk(Protocol):
    """Where side-effecting actions wait for an operator (the platform's approval queue)."""

    def request(self, key: str, action: str, payload: dict[str, Any], summary: str) -> str: ...

    def status(self, approval_id: str) -> tuple[str, dict[str, Any], str]:
        """(pending | executed | rejected | failed, result, operator's note)"""
        ...


@dataclass
class TurnResult:
    """One turn's outcome, as the assistant turns it into an `Answer`."""

    state: DialogueState
    text: str
    commands: list[Command] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    citations: list[Citation] | None = None  # None: one per piece of evidence
    clarifying: bool = False  # the turn asks the user instead of answering (an abstention, not a failure)
    shown_state: dict[str, Any] | None = None  # what the answer's `state` shows; None: state, commands, actions


class Scenario(Protocol):
    name: str

    def new_state(self) -> DialogueState: ...

    def handle(self, state: DialogueState, message: str, key: str) -> TurnResult: ...

    def execute(self, action: str, payload: dict[str, Any], conversation: str = "") -> dict[str, Any]: ...

    def bind(self, desk: ApprovalDesk | None) -> Scenario: ...


@dataclass(frozen=True)
class ScenarioSetup:
    """What a scenario factory may use: the assistant's options and the platform's folders and base model."""

    assistant: str
    understander: str
    data_dir: Path
    base_model: Callable[[], BaseModelBackend]  # called only by understanders that need the model
    model: str | None = None  # a trained understander's model file
    database: str | None = None  # a SQLAlchemy URL for the scenario's business data


ScenarioFactory = Callable[[ScenarioSetup], Scenario]


@dataclass(frozen=True)
class ScenarioProvider:
    """A scenario a pack writes in code: its factory, and the `options.understander` kinds it offers."""

    build: ScenarioFactory
    understanders: tuple[str, ...] = ("rules",)
