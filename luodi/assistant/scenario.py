"""Scenario assistants: a scenario spec run by the dialogue engine, served like any other assistant.

assistants:
  hotel-en:
    kind: scenario
    base_model: smollm2-135m      # used only by the `llm` understander
    options: {scenario: hotel/hotel_en.yaml, understander: rules, copilot: true}
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from luodi.assistant.base import AnswerDelta, AssistantContext, Turn, assistant_kind, stream_whole_answer
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Citation, Verification
from luodi.dialogue.commands import Understander
from luodi.dialogue.engine import ApprovalDesk, ScenarioEngine, TurnResult
from luodi.dialogue.memory import ConversationMemory
from luodi.dialogue.state import DialogueState
from luodi.governance import approvals
from luodi.ledger import audit
from luodi.scenarios.data import ScenarioDatabase
from luodi.scenarios.spec import ScenarioError, ScenarioSpec, load_scenario
from luodi.store import Store

SCENARIOS_DIR = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_UNDERSTANDER_FACTORY = "luodi.scenarios.hotel.understanding:build_understander"

UnderstanderFactory = Callable[..., Understander]


def scenario_path(option: str) -> Path:
    path = Path(option)
    return path if path.is_absolute() else SCENARIOS_DIR / path


class PlatformDesk:
    """The approval desk of one tenant and assistant, over the platform database."""

    def __init__(self, store: Store, tenant_id: str, assistant: str) -> None:
        self.store, self.tenant_id, self.assistant = store, tenant_id, assistant

    def request(self, key: str, action: str, payload: dict[str, Any], summary: str) -> str:
        with self.store.transaction() as session:
            filed = approvals.file_request(session, key, self.tenant_id, self.assistant, action, payload, summary)
            audit.append(
                session,
                "approval.requested",
                {"approval": filed.id, "assistant": self.assistant, "action": action, "payload": payload},
                tenant_id=self.tenant_id,
            )
        return filed.id

    def status(self, approval_id: str) -> tuple[str, dict[str, Any], str]:
        with self.store.transaction() as session:
            found = approvals.Approval.of(approvals.get(session, approval_id))
        return found.status, found.result, found.note


class ScenarioAssistant:
    def __init__(
        self,
        name: str,
        config: AssistantConfig,
        spec: ScenarioSpec,
        database: ScenarioDatabase,
        understander: Understander,
        store: Store,
    ) -> None:
        self.name = name
        self.config = config
        self.spec = spec
        self.database = database
        self.understander = understander
        self.store = store
        self.memory = ConversationMemory(store)
        self.copilot = bool(config.options.get("copilot", True))

    def engine(self, tenant_id: str) -> ScenarioEngine:
        desk: ApprovalDesk | None = PlatformDesk(self.store, tenant_id, self.name) if self.copilot else None
        return ScenarioEngine(self.spec, self.database, self.understander, desk)

    def respond(self, turn: Turn) -> Answer:
        engine = self.engine(turn.tenant_id)

        def step(state: DialogueState, message: str, key: str) -> tuple[DialogueState, Answer]:
            result = engine.handle(state, message, key)
            return result.state, _answer(result)

        user_messages = [m.content for m in turn.messages if m.role == "user"]
        return self.memory.converse(
            turn.tenant_id, self.name, turn.conversation_id, user_messages, engine.new_state, step
        )

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        return stream_whole_answer(self.respond(turn))

    def execute(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        engine = ScenarioEngine(self.spec, self.database, self.understander, None)
        return engine.execute(action, payload, conversation=str(payload.get("conversation", "")))


def _answer(result: TurnResult) -> Answer:
    citations = [Citation(evidence_id=e.id, source=e.source, quote=e.text[:200]) for e in result.evidence]
    return Answer(
        text=result.text,
        evidence=result.evidence,
        citations=citations,
        verification=Verification(status="verified", checks=result.checks),
        state={
            **result.state.model_dump(),
            "commands": [c.model_dump() for c in result.commands],
            "actions": result.actions,
        },
    )


def _factory(spec: ScenarioSpec) -> UnderstanderFactory:
    target = str(spec.nlu.get("factory", DEFAULT_UNDERSTANDER_FACTORY))
    module_name, function_name = target.split(":")
    factory: UnderstanderFactory = getattr(importlib.import_module(module_name), function_name)
    return factory


@assistant_kind("scenario", options=("scenario", "understander", "model", "copilot"), clarifies_empty_messages=True)
def build_scenario(name: str, config: AssistantConfig, context: AssistantContext) -> ScenarioAssistant:
    if context.store is None:
        raise ScenarioError("a scenario assistant needs the platform database")
    option = config.options.get("scenario")
    if not option:
        raise ScenarioError(f"assistant {name!r} needs options.scenario: the scenario YAML")
    spec = load_scenario(scenario_path(str(option)))
    database = ScenarioDatabase.open(spec, context.settings.data_dir / "scenarios")
    kind = str(config.options.get("understander", "rules"))
    # only the `llm` understander needs the base model; the others must not load it
    extra = {"backend": context.backends.get(config.base_model)} if kind == "llm" else {}
    understander = _factory(spec)(spec, kind=kind, model=config.options.get("model"), **extra)
    return ScenarioAssistant(name, config, spec, database, understander, context.store)
