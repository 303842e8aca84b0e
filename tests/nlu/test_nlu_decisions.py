"""Learned yes/no decisions: trained with scikit-learn, served as a weight table, saved and loaded as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.nlu.decisions import Decision, DecisionSet, train_decision, train_decisions


def test_a_decision_learns_which_features_mean_yes() -> None:
    examples = [(["src=rules", "flag=book"], True)] * 20 + [(["src=words", "msg_dom=train"], False)] * 20
    decision = train_decision(examples)
    assert decision.probability(["src=rules", "flag=book"]) > 0.9
    assert decision.probability(["src=words", "msg_dom=train"]) < 0.1
    assert decision.probability(["never seen"]) == pytest.approx(decision.probability([]))


def test_examples_that_all_agree_give_a_constant() -> None:
    assert train_decision([(["a"], True), (["b"], True)]).probability(["c"]) > 0.99
    assert train_decision([(["a"], False)]).probability(["a"]) < 0.01
    assert train_decision([]).probability(["a"]) < 0.01


def test_a_saved_set_loads_with_the_same_answers(tmp_path: Path) -> None:
    decisions = train_decisions({"area": [(["x"], True), (["y"], False)] * 5}, meta={"data": "d"})
    loaded = DecisionSet.load(decisions.save(tmp_path / "m" / "model.json"))
    assert loaded.meta == {"data": "d"}
    assert loaded.probability("area", ["x"]) == pytest.approx(decisions.probability("area", ["x"]))
    assert loaded.probability("no such slot", ["x"]) == 0.0
    assert not list((tmp_path / "m").glob("*.partial"))  # written atomically, nothing left behind


@pytest.mark.parametrize("content", ["not json", '{"weights": {}}', '{"decisions": {"area": {"bias": "x"}}}', "[]"])
def test_a_file_that_is_not_a_model_is_named(tmp_path: Path, content: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="model.json is not a decisions model"):
        DecisionSet.load(path)


def test_scores_saturate_instead_of_overflowing() -> None:
    assert Decision({"f": 1e6}, 0.0).probability(["f"]) == pytest.approx(1.0)
    assert Decision({"f": -1e6}, 0.0).probability(["f"]) == pytest.approx(0.0)
