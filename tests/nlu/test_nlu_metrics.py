import pytest

from luodi.nlu.metrics import score_nlu


def test_overall_needs_intent_set_and_every_tag() -> None:
    gold_intents = [["a", "b"], ["a"], ["b"]]
    gold_tags = [["B-x", "I-x", "O"], ["O", "B-y"], ["B-x"]]
    predicted_intents = [["b", "a"], ["a"], ["a"]]  # order does not matter; the third set is wrong
    predicted_tags = [["B-x", "I-x", "O"], ["O", "O"], ["B-x"]]  # the second misses its span
    scores = score_nlu(gold_intents, gold_tags, predicted_intents, predicted_tags)
    assert scores.overall_accuracy == pytest.approx(1 / 3)
    assert scores.intent_accuracy == pytest.approx(2 / 3)
    assert scores.slot_precision == pytest.approx(1.0)
    assert scores.slot_recall == pytest.approx(2 / 3)
    assert scores.slot_f1 == pytest.approx(0.8)


def test_span_boundaries_must_match() -> None:
    scores = score_nlu([["a"]], [["B-x", "I-x"]], [["a"]], [["B-x", "B-x"]])
    assert scores.slot_f1 == 0.0
    assert scores.overall_accuracy == 0.0
    assert scores.intent_accuracy == 1.0


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        score_nlu([["a"]], [["O"]], [], [])
