"""Scenario assistants: any `Scenario` (a YAML spec run by the task-stack engine, or one a pack writes in code)
served like every other assistant, with its conversation state remembered and its actions governed.

assistants:
  parts:
    kind: scenario
    base_model: smollm2-135m      # used only by understanders that prompt the base model
    options: {scenario: warehouse/warehouse.yaml, understander: rules, copilot: true}
  screening:
    kind: scenario
    base_model: smollm2-135m
    options: {scenario: screener, understander: trained}

`scenario` names a scenario a pack writes in code (`screener`), or a spec file for the task-stack engine
(`<pack>/<file>` from a pack's folder, or a path).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from luodi.assistants.base import (
    AnswerDelta,
    AssistantContext,
    KindOptions,
    Turn,
    assistant_kind,
    stream_whole_answer,
)
from luodi.assistants.components import Components
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Citation, Verification
from luodi.dialogue.actions import ActionRegistry
from luodi.dialogue.engine import ScenarioEngine
from luodi.dialogue.memory import ConversationMemory
from luodi.dialogue.records import ScenarioDatabase
from luodi.dialogue.scenario import ApprovalDesk, Scenario, ScenarioSetup, TurnResult
from luodi.dialogue.spec import DatabaseSpec, ScenarioError, load_scenario
from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import UnderstanderSetup
from luodi.governance import approvals
from luodi.ledger import audit
from luodi.store import Store


class ScenarioOptions(KindOptions):
    scenario: str  # a pack's scenario name, or a spec file
    understander: str = "rules"  # rules | trained | llm, as the scenario offers
    model: str | None = None  # a trained understander's model file
    copilot: bool = True  # side-effecting actions wait for an operator's approval
    database: str | None = None  # a SQLAlchemy URL for the business data (default: built in the data folder)

    def check_names(self, components: Components) -> None:
        if self.scenario not in components.scenarios and Path(self.scenario).suffix not in (".yaml", ".yml"):
            known = ", ".join(sorted(components.scenarios)) or "none installed"
            raise ScenarioError(f"scenario {self.scenario!r} is neither a scenario a pack provides ({known}) nor a "
                                f"spec file (.yaml)")


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
    def __init__(self, name: str, config: AssistantConfig, scenario: Scenario, store: Store, copilot: bool) -> None:
        self.name = name
        self.config = config
        self.scenario = scenario
        self.store = store
        self.memory = ConversationMemory(store)
        self.copilot = copilot

    def respond(self, turn: Turn) -> Answer:
        desk: ApprovalDesk | None = PlatformDesk(self.store, turn.tenant_id, self.name) if self.copilot else None
        scenario = self.scenario.bind(desk)

        def step(state: DialogueState, message: str, key: str) -> tuple[DialogueState, Answer]:
            result = scenario.handle(state, message, key)
            return result.state, _answer(result)

        user_messages = [m.content for m in turn.messages if m.role == "user"]
        return self.memory.converse(
            turn.tenant_id, self.name, turn.conversation_id, user_messages, scenario.new_state, step
        )

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        return stream_whole_answer(self.respond(turn))

    def execute(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.scenario.bind(None).execute(action, payload, conversation=str(payload.get("conversation", "")))


def _answer(result: TurnResult) -> Answer:
    citations = result.citations
    if citations is None:
        citations = [Citation(evidence_id=e.id, source=e.source, quote=e.text[:200]) for e in result.evidence]
    return Answer(
        text=result.text,
        evidence=result.evidence,
        citations=citations,
        verification=Verification(status="unchecked" if result.clarifying else "verified", checks=result.checks),
        abstained=result.clarifying,
        state=result.shown_state if result.shown_state is not None else {
            **result.state.model_dump(),
            "commands": [c.model_dump() for c in result.commands],
            "actions": result.actions,
        },
    )


def task_stack_scenario(option: str, setup: ScenarioSetup, components: Components) -> ScenarioEngine:
    """A spec file run by the task-stack engine, with the understander its `nlu.understander` names."""
    spec = load_scenario(components.spec_path(option))
    if setup.database:
        spec = spec.model_copy(update={"database": DatabaseSpec(url=setup.database)})
    database = ScenarioDatabase.open(spec, setup.data_dir / "scenarios")
    named = str(spec.nlu.get("understander", ""))
    factory = components.understanders.get(named)
    if factory is None and named == "nlu":  # built in: a trained NLU model read as commands, for any spec
        from luodi.nlu.commands import nlu_understander

        factory = nlu_understander
    if factory is None:
        known = ", ".join(sorted(components.understanders)) or "none installed"
        raise ScenarioError(f"scenario {spec.name!r} names understander {named!r} under nlu.understander; "
                            f"known: {known}")
    understander = factory(spec, UnderstanderSetup(setup.understander, setup.base_model, setup.model))
    return ScenarioEngine(spec, database, understander, None, actions=ActionRegistry(components.actions))


def build_scenario_assistant(
    name: str, config: AssistantConfig, options: ScenarioOptions, context: AssistantContext
) -> ScenarioAssistant:
    if context.store is None:
        raise ScenarioError("a scenario assistant needs the platform database")
    setup = ScenarioSetup(
        assistant=name,
        understander=options.understander,
        data_dir=context.settings.data_dir,
        base_model=lambda: context.backends.get(config.base_model),
        model=options.model,
        database=options.database,
    )
    written = context.components.scenarios.get(options.scenario)
    scenario = written(setup) if written else task_stack_scenario(options.scenario, setup, context.components)
    return ScenarioAssistant(name, config, scenario, context.store, options.copilot)


@assistant_kind("scenario", options=ScenarioOptions, clarifies_empty_messages=True)
def build_scenario(name: str, config: AssistantConfig, context: AssistantContext) -> ScenarioAssistant:
    return build_scenario_assistant(name, config, ScenarioOptions.of(config), context)
