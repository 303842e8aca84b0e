"""Benchmark the trained joint NLU model on a multi-intent test set, against simple baselines in the same run.

    python bench/nlu.py --data /work/shared/data/mixatis --model /work/runs/nlu-mixatis
    python bench/nlu.py --data /work/shared/data/mixatis --model /tmp/m --train --epochs 1   # train first

Prints one line per figure: test scores of the model and of a baseline (per-token most frequent tag +
bag-of-words naive-Bayes intents, trained on the same train split now), training wall time (from the model's
training history, or measured when --train), utterances per second batched and at batch size 1, and a final
headline line with the ratios.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from luodi.nlu.data import OUTSIDE, NluExample, read_nlu_dir, repair_bio, resolve_split
from luodi.nlu.metrics import NluScores, score_nlu

SINGLE_BATCH_SAMPLE = 200  # batch size 1 is slow; time it on the first utterances only


class MostFrequentBaseline:
    """Slots: each word's most frequent training tag. Intents: one naive-Bayes yes/no model per intent."""

    def __init__(self, train: Sequence[NluExample]) -> None:
        tag_counts: dict[str, Counter[str]] = defaultdict(Counter)
        for example in train:
            for token, tag in zip(example.tokens, example.tags, strict=True):
                tag_counts[token][tag] += 1
        self.tag_of = {token: counts.most_common(1)[0][0] for token, counts in tag_counts.items()}
        self.intents = sorted({i for e in train for i in e.intents})
        self.vocabulary = len(tag_counts) + 1
        self._fit_intents(train)

    def _fit_intents(self, train: Sequence[NluExample]) -> None:
        self.word_counts = {k: (Counter[str](), Counter[str]()) for k in self.intents}
        self.prior: dict[str, float] = {}
        for intent in self.intents:
            with_intent, without = self.word_counts[intent]
            positives = 0
            for example in train:
                present = intent in example.intents
                positives += present
                (with_intent if present else without).update(example.tokens)
            self.prior[intent] = math.log((positives + 1) / (len(train) - positives + 1))
        self.totals = {k: (sum(a.values()), sum(b.values())) for k, (a, b) in self.word_counts.items()}

    def _intent_score(self, intent: str, tokens: Sequence[str]) -> float:
        with_intent, without = self.word_counts[intent]
        total_with, total_without = self.totals[intent]
        score = self.prior[intent]
        for token in tokens:
            score += math.log((with_intent[token] + 1) / (total_with + self.vocabulary))
            score -= math.log((without[token] + 1) / (total_without + self.vocabulary))
        return score

    def predict(self, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
        scores = {intent: self._intent_score(intent, tokens) for intent in self.intents}
        intents = [k for k, s in scores.items() if s > 0] or [max(scores, key=scores.__getitem__)]
        return intents, repair_bio([self.tag_of.get(token, OUTSIDE) for token in tokens])


def _print_scores(name: str, scores: NluScores) -> None:
    print(f"{name} overall_accuracy {scores.overall_accuracy:.4f}")
    print(f"{name} intent_accuracy {scores.intent_accuracy:.4f}")
    print(f"{name} slot_f1 {scores.slot_f1:.4f}")


def _train(args: argparse.Namespace) -> float:
    command = [
        sys.executable, "-c", "from luodi.cli import main; main()", "train", "nlu",
        "--data", str(args.data), "--out", str(args.model), "--epochs", str(args.epochs),
        "--threads", str(args.threads), "--no-resume",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="directory with train/ and test/ splits")
    parser.add_argument("--model", type=Path, required=True, help="trained model directory")
    parser.add_argument("--train", action="store_true", help="train the model first (into --model)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    train_dir, test_dir = resolve_split(args.data, "train"), resolve_split(args.data, "test")
    if train_dir is None or test_dir is None:
        sys.exit(f"{args.data}: needs train/ and test/ splits")
    measured_training = _train(args) if args.train else None

    from luodi.nlu.understander import TrainedUnderstander

    test = read_nlu_dir(test_dir)
    started = time.perf_counter()
    understander = TrainedUnderstander.load(args.model, threads=args.threads)
    load_seconds = time.perf_counter() - started
    tokens = [e.tokens for e in test]
    batched_speed = understander.throughput(tokens, args.batch_size)
    single_speed = understander.throughput(tokens[:SINGLE_BATCH_SAMPLE], 1)
    predictions = understander.predict(tokens, args.batch_size)
    gold_intents, gold_tags = [e.intents for e in test], [e.tags for e in test]
    model_scores = score_nlu(
        gold_intents, gold_tags, [p.intents for p in predictions], [p.tags for p in predictions]
    )

    baseline = MostFrequentBaseline(read_nlu_dir(train_dir))
    baseline_predictions = [baseline.predict(t) for t in tokens]
    baseline_scores = score_nlu(
        gold_intents, gold_tags, [p[0] for p in baseline_predictions], [p[1] for p in baseline_predictions]
    )

    history = json.loads((args.model / "training_history.json").read_text(encoding="utf-8"))
    print(f"data {test_dir} ({len(test)} test utterances)")
    _print_scores("model", model_scores)
    _print_scores("baseline", baseline_scores)
    print(f"training_wall_seconds {history['elapsed_seconds']:.0f} (epochs {len(history['epochs'])}, "
          f"best {history['best_epoch']})")
    if measured_training is not None:
        print(f"training_process_seconds {measured_training:.0f}")
    print(f"model_load_seconds {load_seconds:.2f}")
    print(f"utterances_per_second_batch{args.batch_size} {batched_speed:.1f}")
    print(f"utterances_per_second_batch1 {single_speed:.1f}")
    base = baseline_scores.overall_accuracy
    ratio = model_scores.overall_accuracy / base if base else math.inf
    print(
        f"headline: overall accuracy {model_scores.overall_accuracy:.2%} = {ratio:.1f}x the baseline's {base:.2%};"
        f" batched inference {batched_speed / single_speed:.1f}x batch size 1"
    )


if __name__ == "__main__":
    main()
