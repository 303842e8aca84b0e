"""Scores for joint multi-intent detection and slot filling, as the MixATIS/MixSNIPS literature reports them.

Overall accuracy: the predicted intent set and every slot tag are right. Intent accuracy: the intent set is
right. Slot F1: conlleval-style span F1 (a span is right when its slot name and boundaries match).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from luodi.nlu.data import NluExample, slot_spans


@dataclass(frozen=True)
class NluScores:
    overall_accuracy: float
    intent_accuracy: float
    slot_f1: float
    slot_precision: float
    slot_recall: float
    utterances: int

    def as_dict(self) -> dict[str, float]:
        return {name: float(value) for name, value in asdict(self).items()}

    def summary(self) -> str:
        return (
            f"overall {self.overall_accuracy:.2%}  intent {self.intent_accuracy:.2%}  "
            f"slot F1 {self.slot_f1:.2%}"
        )


def _intent_sets_match(gold: Sequence[str], predicted: Sequence[str]) -> bool:
    return set(gold) == set(predicted)


def score_nlu(
    gold_intents: Sequence[Sequence[str]], gold_tags: Sequence[Sequence[str]],
    predicted_intents: Sequence[Sequence[str]], predicted_tags: Sequence[Sequence[str]],
) -> NluScores:
    if not len(gold_intents) == len(gold_tags) == len(predicted_intents) == len(predicted_tags):
        raise ValueError("gold and predicted lists differ in length")
    intent_right = overall_right = 0
    true_positive = predicted_count = gold_count = 0
    for g_intents, g_tags, p_intents, p_tags in zip(
        gold_intents, gold_tags, predicted_intents, predicted_tags, strict=True
    ):
        intents_ok = _intent_sets_match(g_intents, p_intents)
        intent_right += intents_ok
        overall_right += intents_ok and list(g_tags) == list(p_tags)
        gold_spans, predicted_spans = set(slot_spans(g_tags)), set(slot_spans(p_tags))
        true_positive += len(gold_spans & predicted_spans)
        predicted_count += len(predicted_spans)
        gold_count += len(gold_spans)
    precision = true_positive / predicted_count if predicted_count else 0.0
    recall = true_positive / gold_count if gold_count else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(gold_intents)
    return NluScores(
        overall_accuracy=overall_right / n if n else 0.0,
        intent_accuracy=intent_right / n if n else 0.0,
        slot_f1=f1, slot_precision=precision, slot_recall=recall, utterances=n,
    )


class _Prediction(Protocol):
    @property
    def intents(self) -> tuple[str, ...]: ...

    @property
    def tags(self) -> tuple[str, ...]: ...


class _Predictor(Protocol):
    def predict(self, token_lists: Sequence[Sequence[str]], batch_size: int = ...) -> Sequence[_Prediction]: ...


def evaluate_predictor(
    predictor: _Predictor, examples: Sequence[NluExample], batch_size: int = 64
) -> tuple[NluScores, float]:
    """Scores of a predictor on labelled examples, and its speed in utterances per second."""
    started = time.perf_counter()
    predictions = predictor.predict([e.tokens for e in examples], batch_size)
    elapsed = time.perf_counter() - started
    scores = score_nlu(
        [e.intents for e in examples], [e.tags for e in examples],
        [p.intents for p in predictions], [p.tags for p in predictions],
    )
    return scores, len(examples) / elapsed if elapsed > 0 else float("inf")
