"""Scenario assistants: any `Scenario` (a YAML spec run by the task-stack engine, or one a pack writes in code)
served like every other assistant, with its conversation state remembered and its actions governed.

assistants:
  parts:
    kind: scenario
    base_model: smollm2-135m      # used only by understanders that prompt the base model
    options: {scenario: warehouse/warehouse.yaml, understander: rules, copilot: true}
  funds:
    kind: scenario
    base_model: smollm2-135m
    options: {scenario: funds, understander: trained}

`scenario` names a scenario a pack writes in code (`funds`), or a spec file for the task-stack engine
(`<pack>/<file>` from a pack's folder, or a path). Two names meet here: the spec's `nlu.understander` names which
understander provider reads its messages (a pack's, or the built-in `nlu`), and the assistant's
`options.understander` picks one of the kinds that provider (or the pack's scenario) offers: rules, trained, llm.
Both are checked when the platform starts.
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
from luodi.assistants.refusals import refuse_unsupported
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Citation, Verification
from luodi.dialogue.actions import ActionRegistry
from luodi.dialogue.engine import ScenarioEngine
from luodi.dialogue.memory import ConversationMemory
from luodi.dialogue.records import ScenarioDatabase
from luodi.dialogue.scenario import ApprovalDesk, Scenario, ScenarioSetup, TurnResult
from luodi.dialogue.spec import DatabaseSpec, ScenarioError, ScenarioSpec, load_scenario
from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import UnderstanderProvider, UnderstanderSetup
from luodi.errors import Misconfigured, NeedsSkippedPack
from luodi.governance import approvals
from luodi.ledger import audit, webhooks
from luodi.store import Store

NLU_UNDERSTANDER = "nlu"


class ScenarioOptions(KindOptions):
    scenario: str  # a pack's scenario name, or a spec file
    understander: str = "rules"  # rules | trained | llm, as the scenario offers
    model: str | None = None  # a trained understander's model file
    copilot: bool = True  # side-effecting actions wait for an operator's approval
    database: str | None = None  # a SQLAlchemy URL for the business data (default: built in the data folder)
    TENANT_OPTIONS = frozenset({"scenario", "understander", "copilot"})

    def check_names(self, components: Components) -> None:
        """The scenario exists (a pack's, or a spec file that loads) and serves the understander kind asked for."""
        provider = components.scenarios.get(self.scenario)
        if provider is not None:
            offered = provider.understanders
        elif Path(self.scenario).suffix in (".yaml", ".yml"):
            pack = self.scenario.partition("/")[0]
            if pack in components.unavailable and pack not in components.folders:
                raise NeedsSkippedPack(components.unavailable[pack])
            offered = spec_understander(load_scenario(components.spec_path(self.scenario)), components).kinds
        else:
            known = ", ".join(sorted(components.scenarios)) or "none installed"
            raise components_error(components, self.scenario, f"scenario {self.scenario!r} is neither a scenario a pack"
                                   f" provides ({known}) nor a spec file (.yaml)")
        if self.understander not in offered:
            raise ScenarioError(f"scenario {self.scenario!r} has no {self.understander!r} understander; it offers "
                                f"{', '.join(offered)}")


class PlatformDesk:
    """The approval desk of one tenant and assistant, over the platform database."""

    def __init__(self, store: Store, tenant_id: str, assistant: str) -> None:
        self.store, self.tenant_id, self.assistant = store, tenant_id, assistant

    def request(self, key: str, action: str, payload: dict[str, Any], summary: str) -> str:
        with self.store.transaction() as session:
            filed, created = approvals.file_request(session, key, self.tenant_id, self.assistant, action, payload,
                                                    summary)
            if created:  # announced once: a replay, or a concurrent call that lost the insert, finds it filed
                webhooks.notify(session, self.tenant_id, webhooks.APPROVAL_FILED,
                                {"approval": filed.id, "assistant": self.assistant, "action": action,
                                 "summary": summary, "payload": payload, "status": filed.status})
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
        refuse_unsupported(self.name, "scenario", turn.sampling)
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


def spec_understander(spec: ScenarioSpec, components: Components) -> UnderstanderProvider:
    """The understander provider a spec names under `nlu.understander`: a pack's, or the built-in `nlu` adapter."""
    named = spec.nlu.understander
    provider = components.understanders.get(named)
    if provider is None and named == NLU_UNDERSTANDER:  # built in: a trained NLU model read as commands, for any spec
        from luodi.nlu.commands import nlu_understander

        provider = UnderstanderProvider(nlu_understander, kinds=("trained",))
    if provider is None:
        known = ", ".join(sorted([*components.understanders, NLU_UNDERSTANDER]))
        raise components_error(components, named, f"scenario {spec.name!r} names understander {named!r} under "
                               f"nlu.understander; known: {known}")
    return provider


def components_error(components: Components, name: str, message: str) -> Misconfigured:
    """Why a name is unknown: a pack that is installed but cannot be served says so, else `message`."""
    return NeedsSkippedPack(components.unavailable[name]) if name in components.unavailable else ScenarioError(message)


def task_stack_scenario(option: str, setup: ScenarioSetup, components: Components) -> ScenarioEngine:
    """A spec file run by the task-stack engine, with the understander its `nlu.understander` names."""
    spec = load_scenario(components.spec_path(option))
    if setup.database:
        spec = spec.model_copy(update={"database": DatabaseSpec(url=setup.database)})
    database = ScenarioDatabase.open(spec, setup.data_dir / "scenarios", components.builders)
    provider = spec_understander(spec, components)
    understander = provider.build(spec, UnderstanderSetup(setup.understander, setup.base_model, setup.model))
    return ScenarioEngine(spec, database, understander, None, actions=ActionRegistry(components.actions))


def build_scenario_assistant(
    name: str, config: AssistantConfig, options: ScenarioOptions, context: AssistantContext
) -> ScenarioAssistant:
    if context.store is None:
        raise ScenarioError("a scenario assistant needs the platform database")
    setup = ScenarioSetup(
        assistant=name,
        understander=options.understander,
        data_dir=context.data_dir,
        base_model=lambda: context.backends.get(config.base_model),
        model=options.model,
        database=options.database,
    )
    written = context.components.scenarios.get(options.scenario)
    scenario = written.build(setup) if written else task_stack_scenario(options.scenario, setup, context.components)
    return ScenarioAssistant(name, config, scenario, context.store, options.copilot)


@assistant_kind("scenario", options=ScenarioOptions, clarifies_empty_messages=True)
def build_scenario(name: str, config: AssistantConfig, context: AssistantContext) -> ScenarioAssistant:
    return build_scenario_assistant(name, config, ScenarioOptions.of(config), context)
