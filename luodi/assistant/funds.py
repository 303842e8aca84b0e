"""The fund screening assistant: questions about a fund database answered with the filter it applied, the
count and the matching rows (each cited as evidence `funds:<code>`), refined over the turns of a conversation.

assistants:
  funds:
    kind: funds
    base_model: smollm2-135m        # used only by the `llm` understander
    options: {understander: rules}  # rules | trained | llm ; database: a SQLAlchemy URL (default: data_dir/…)

Multi-turn works like the scenario assistants: the state after k user messages is remembered under a hash of
those messages (`ConversationMemory`), so a request replays only the messages not seen before.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine

from luodi.assistant.base import AnswerDelta, AssistantContext, Turn, assistant_kind, stream_whole_answer
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Check, Verification
from luodi.dialogue.memory import ConversationMemory
from luodi.dialogue.state import DialogueState
from luodi.scenarios.funds.database import Directory, default_path, open_engine
from luodi.scenarios.funds.dialogue import FundScreener, TurnOutcome, Understander
from luodi.scenarios.funds.render import render
from luodi.store import Store


class FundsAssistantError(ValueError):
    pass


class FundsAssistant:
    def __init__(self, name: str, config: AssistantConfig, screener: FundScreener, store: Store) -> None:
        self.name = name
        self.config = config
        self.screener = screener
        self.memory = ConversationMemory(store)

    def respond(self, turn: Turn) -> Answer:
        def step(state: DialogueState, message: str, _key: str) -> tuple[DialogueState, Answer]:
            state, outcome = self.screener.handle(state, message)
            return state, _answer(outcome)

        user_messages = [m.content for m in turn.messages if m.role == "user"]
        return self.memory.converse(
            turn.tenant_id, self.name, turn.conversation_id, user_messages, self.screener.new_state, step
        )

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        return stream_whole_answer(self.respond(turn))


def _answer(outcome: TurnOutcome) -> Answer:
    text, evidence, citations, state = render(outcome)
    # every listed fund is a row the query returned, cited by its code: the check records that
    checks = [Check(claim=f"fund {e.id}", kind="record", supported=True, evidence_id=e.id) for e in evidence]
    return Answer(
        text=text,
        evidence=evidence,
        citations=citations,
        verification=Verification(status="verified" if outcome.clarification is None else "unchecked", checks=checks),
        abstained=outcome.clarification is not None,
        state=state,
    )


def build_understander(kind: str, engine: Engine, context: AssistantContext, config: AssistantConfig) -> Understander:
    directory = Directory.load(engine)
    if kind == "rules":
        from luodi.scenarios.funds.understanding import RuleUnderstander

        return RuleUnderstander(directory)
    if kind == "trained":
        from luodi.dialogue.nlu.decisions import DecisionSet
        from luodi.scenarios.funds.figure_words import FigureWordModel
        from luodi.scenarios.funds.trained import TrainedFundUnderstander, default_figure_model, default_model
        from luodi.scenarios.funds.understanding import RuleUnderstander

        rules = RuleUnderstander(directory)
        relation = DecisionSet.load(default_model(engine, rules))
        return TrainedFundUnderstander(rules, relation, FigureWordModel.load(default_figure_model()))
    if kind == "llm":
        from luodi.scenarios.funds.llm import LlmUnderstander

        return LlmUnderstander(lambda: context.backends.get(config.base_model), directory)
    raise FundsAssistantError(f"unknown understander {kind!r} for the funds assistant (rules | trained | llm)")


@assistant_kind("funds", options=("understander", "database"), clarifies_empty_messages=True)
def build_funds(name: str, config: AssistantConfig, context: AssistantContext) -> FundsAssistant:
    if context.store is None:
        raise FundsAssistantError("the funds assistant needs the platform database for conversation memory")
    database = str(config.options.get("database") or default_path(context.settings.data_dir))
    engine = open_engine(database)
    understander = build_understander(str(config.options.get("understander", "rules")), engine, context, config)
    return FundsAssistant(name, config, FundScreener(engine, understander), context.store)
