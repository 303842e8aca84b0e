"""The trained fund understander: the rules' reading, with whether a follow-up narrows the question on the table
decided by a model trained on conversations with gold results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from luodi.nlu.decisions import Decision, DecisionSet
from luodi.packs.funds.dialogue import FundScreener
from luodi.packs.funds.trained import RELATION, TrainedFundUnderstander, relation_examples, train_relation
from luodi.packs.funds.understanding import RuleUnderstander

CONVERSATIONS = [  # written for this test: two follow-ups that narrow, one that asks anew
    {"id": "t1", "turns": ["bond funds", "only those with a management fee under 0.3%"],
     "gold_sql": "SELECT code FROM funds WHERE category='bond' AND management_fee<0.3"},
    {"id": "t2", "turns": ["equity funds with a sharpe ratio above 1", "what about index funds?"],
     "gold_sql": "SELECT code FROM funds WHERE category='index' AND sharpe_3y>1"},
    {"id": "t3", "turns": ["funds from Huasheng Fund", "bond funds with a 1-year return above 4%"],
     "gold_sql": "SELECT code FROM funds WHERE category='bond' AND return_1y>4"},
]


def test_the_label_is_the_reading_that_gets_the_gold_result(engine: Engine, rules: RuleUnderstander,
                                                            tmp_path: Path) -> None:
    from luodi.packs.funds.evaluation import read_questions

    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in CONVERSATIONS), encoding="utf-8")
    examples = relation_examples(engine, rules, read_questions(path))
    assert [label for _, label in examples] == [True, True, False]
    assert all("rules=" in " ".join(features) for features, _ in examples)
    model = DecisionSet.load(train_relation(engine, rules, tmp_path / "m.json", question_sets=[path]))
    assert model.decisions[RELATION].weights  # learnt from both kinds of label, not a constant


@pytest.mark.parametrize(("narrows", "expected"), [(True, 12), (False, 750)])
def test_the_learnt_decision_is_what_the_screener_applies(engine: Engine, rules: RuleUnderstander, narrows: bool,
                                                          expected: int) -> None:
    screener = FundScreener(engine, TrainedFundUnderstander(rules, DecisionSet({RELATION: Decision.constant(narrows)})))
    state, _ = screener.handle(screener.new_state(), "bond funds from Huasheng Fund")
    _, outcome = screener.handle(state, "bond funds")
    assert outcome.result is not None
    assert (outcome.result.count < 100) == narrows and (outcome.result.count == 750) == (not narrows)
