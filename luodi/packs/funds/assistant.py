"""Fund screening as a `Scenario`: questions about a fund database answered with the filter it applied, the
count and the matching rows (each cited as evidence `funds:<code>`), refined over the turns of a conversation.

assistants:
  funds:
    kind: scenario
    base_model: smollm2-135m        # used only by the `llm` understander
    options: {scenario: funds, understander: rules}  # rules | trained | llm ; database: a SQLAlchemy URL

`kind: funds` (options `understander`, `database`) is kept as an alias of the above for one release.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from luodi.assistants.base import AssistantContext, KindOptions, assistant_kind
from luodi.assistants.scenario import ScenarioAssistant, ScenarioOptions, build_scenario_assistant
from luodi.config import AssistantConfig
from luodi.contracts import Check
from luodi.dialogue.scenario import ApprovalDesk, ScenarioSetup, TurnResult
from luodi.dialogue.state import DialogueState
from luodi.errors import Misconfigured
from luodi.models.base import BaseModelBackend
from luodi.packs.funds.database import Directory, default_path, open_engine
from luodi.packs.funds.dialogue import FundScreener, FundUnderstander
from luodi.packs.funds.render import render

log = logging.getLogger("luodi.packs.funds")


class FundsAssistantError(Misconfigured, ValueError):
    pass


class FundsScenario:
    """The fund screener behind the `Scenario` contract; it has no side-effecting actions."""

    name = "funds"

    def __init__(self, screener: FundScreener) -> None:
        self.screener = screener

    def new_state(self) -> DialogueState:
        return self.screener.new_state()

    def handle(self, state: DialogueState, message: str, key: str) -> TurnResult:
        state, outcome = self.screener.handle(state, message)
        text, evidence, citations, shown = render(outcome)
        # every listed fund is a row the query returned, cited by its code: the check records that
        checks = [Check(claim=f"fund {e.id}", kind="record", supported=True, evidence_id=e.id) for e in evidence]
        return TurnResult(state=state, text=text, evidence=evidence, checks=checks, citations=citations,
                          clarifying=outcome.clarification is not None, shown_state=shown)

    def execute(self, action: str, payload: dict[str, Any], conversation: str = "") -> dict[str, Any]:
        return {"error": f"fund screening has no action {action!r}"}

    def bind(self, desk: ApprovalDesk | None) -> FundsScenario:
        return self


def build_understander(kind: str, engine: Engine, base_model: Callable[[], BaseModelBackend]) -> FundUnderstander:
    directory = Directory.load(engine)
    if kind == "rules":
        from luodi.packs.funds.understanding import RuleUnderstander

        return RuleUnderstander(directory)
    if kind == "trained":
        from luodi.nlu.decisions import DecisionSet
        from luodi.packs.funds.figure_words import FigureWordModel
        from luodi.packs.funds.trained import TrainedFundUnderstander, default_figure_model, default_model
        from luodi.packs.funds.understanding import RuleUnderstander

        rules = RuleUnderstander(directory)
        relation = DecisionSet.load(default_model(engine, rules))
        return TrainedFundUnderstander(rules, relation, FigureWordModel.load(default_figure_model()))
    if kind == "llm":
        from luodi.packs.funds.llm import LlmUnderstander

        return LlmUnderstander(base_model, directory)
    raise FundsAssistantError(f"unknown understander {kind!r} for the funds assistant (rules | trained | llm)")


def build_funds_scenario(setup: ScenarioSetup) -> FundsScenario:
    engine = open_engine(setup.database or default_path(setup.data_dir))
    return FundsScenario(FundScreener(engine, build_understander(setup.understander, engine, setup.base_model)))


class FundsAliasOptions(KindOptions):
    understander: str = "rules"
    database: str | None = None


@assistant_kind("funds", options=FundsAliasOptions, clarifies_empty_messages=True)
def build_funds(name: str, config: AssistantConfig, context: AssistantContext) -> ScenarioAssistant:
    """`kind: funds`, kept for one release: the `scenario` kind with `scenario: funds`."""
    log.warning("assistant %s: `kind: funds` is deprecated and goes in the next release; write `kind: scenario` "
                "with `options: {scenario: funds, ...}`", name)
    alias = FundsAliasOptions.of(config)
    options = ScenarioOptions(scenario="funds", understander=alias.understander, database=alias.database)
    return build_scenario_assistant(name, config, options, context)
