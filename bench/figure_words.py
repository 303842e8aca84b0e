"""How well figure words are read that no rule was written for, two ways.

1. Held-out lexicon entries: the lexicon's entries are split into folds; each fold's words (and every training
   phrase containing them) are held out, the model is trained on the rest and asked about the held-out words
   (a harder test than serving: there the model only sees words no lexicon entry reads). Measures the table
   lacks are folded the same way. Printed per threshold: read as the right figure, read as a wrong one, left as
   a question back.
2. Latency: a message whose figure word only the model reads, trained understander against the rules (which
   ask about it), p50 and the ratio.
3. An outside writer's phrases (`figure_phrases_heldout.jsonl`, written without seeing the lexicon): each phrase
   is put into a comparison ("funds with <phrase> above 1", "<phrase>高于1的基金") and read by the rules and by
   the trained understander (rules + the served model). Right: the condition is on the phrase's figure (or, for a
   measure the table lacks, no condition on any figure); wrong: a condition on another figure; asked: neither.

    python bench/figure_words.py [--folds 5] [--regularization 16]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from luodi.packs.funds import figure_words as fw
from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.evaluation import read_questions
from luodi.packs.funds.normalize import normalize
from luodi.packs.funds.trained import (
    FIGURE_REGULARIZATION,
    FIGURE_THRESHOLD,
    QUESTION_SETS,
    TrainedFundUnderstander,
)
from luodi.packs.funds.understanding import Reading, RuleUnderstander

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
PHRASES = Path(fw.__file__).with_name("figure_phrases_heldout.jsonl")


def held_out_entries(folds: int) -> list[list[tuple[str, str]]]:
    """(family, lexicon entry) split round-robin into folds, with the missing measures among them."""
    entries = [(family, word) for family, words in lx.COLUMN_WORDS.items() if family in fw.PLAIN_WORDS
               for word in words]  # fmt: skip
    entries += [(fw.ABSENT, re.escape(measure)) for measure in fw.ABSENT_MEASURES]
    return [entries[k::folds] for k in range(folds)]


def bounded(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?<![a-z])(?:{word})(?![a-z])" for word in words))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--regularization", type=float, default=FIGURE_REGULARIZATION)
    args = parser.parse_args()

    messages = [turn for path in QUESTION_SETS for c in read_questions(path) for turn in c.turns]
    phrases = sorted(set(fw.lexicon_phrases(messages) + fw.stated_phrases()))
    started = time.perf_counter()
    vectors = fw.features([p for p, _ in phrases])
    print(f"{len(phrases)} training phrases embedded in {time.perf_counter() - started:.1f} s")

    outcomes: dict[float, list[int]] = {t: [0, 0, 0] for t in THRESHOLDS}  # right, wrong, asked
    tested = 0
    entries = held_out_entries(args.folds)
    for fold in entries:
        held = bounded(word for _, word in fold)
        test = sorted(
            {
                (text, family)
                for family, word in fold
                for text in (fw.spelled_out(word) if family != fw.ABSENT else [word.replace("\\", "")])
            }
        )
        if not test:
            continue
        keep = [i for i, (p, _) in enumerate(phrases) if not held.search(normalize(p))]
        model = fw.classifier(args.regularization)
        model.fit(vectors[keep], [phrases[i][1] for i in keep])
        probabilities = model.predict_proba(fw.features([p for p, _ in test]))
        tested += len(test)
        for (_, family), row in zip(test, probabilities, strict=True):
            best = int(np.argmax(row))
            for threshold, counts in outcomes.items():
                if row[best] < threshold:
                    counts[2] += 1
                else:
                    counts[0 if model.classes_[best] == family else 1] += 1

    print(f"1. words of held-out lexicon entries: {tested}, regularization {args.regularization}")
    print("threshold  read right  read wrong  asked")
    for threshold, (right, wrong, asked) in outcomes.items():
        mark = "  <- served" if threshold == FIGURE_THRESHOLD else ""
        print(f"{threshold:9.1f}  {right / tested:10.1%}  {wrong / tested:10.1%}  {asked / tested:5.1%}{mark}")
    rules, trained = understanders()
    latency(rules, trained)
    outside_phrases(rules, trained)


def understanders() -> tuple[RuleUnderstander, TrainedFundUnderstander]:
    from luodi.config import load_settings
    from luodi.nlu.decisions import DecisionSet
    from luodi.packs.funds.database import Directory, default_path, open_engine
    from luodi.packs.funds.trained import default_figure_model, default_model

    engine = open_engine(default_path(load_settings().data_dir))
    rules = RuleUnderstander(Directory.load(engine))
    figures = fw.FigureWordModel.load(default_figure_model())
    return rules, TrainedFundUnderstander(rules, DecisionSet.load(default_model(engine, rules)), figures)


def latency(rules: RuleUnderstander, trained: TrainedFundUnderstander, repeats: int = 40) -> None:
    """A message whose figure word only the model reads: the trained understander's time against the rules'."""
    messages = [f"bond funds whose worst fall is under {5 + i % 10}%" for i in range(repeats)]
    trained.understand(messages[0])  # loads the sentence encoder once
    p50 = {}
    for name, understander in (("rules", rules), ("trained", trained)):
        timings = []
        for message in messages:
            started = time.perf_counter()
            understander.understand(message)
            timings.append((time.perf_counter() - started) * 1000)
        p50[name] = statistics.median(timings)
    print(f"\n2. a message with a figure word only the model reads: rules {p50['rules']:.1f} ms (asks), trained "
          f"{p50['trained']:.1f} ms (reads it) at p50, {p50['trained'] / p50['rules']:.1f}x")


def outside_phrases(rules: RuleUnderstander, trained: TrainedFundUnderstander) -> None:
    if not PHRASES.exists():
        print(f"\n3. skipped: {PHRASES} is missing")
        return
    items = [json.loads(line) for line in PHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"\n3. {PHRASES.name}: {len(items)} phrases by an outside writer")
    print("understander  right   wrong   asked   (english / chinese right)")
    for name, understander in (("rules", rules), ("trained", trained)):
        counts = {"right": 0, "wrong": 0, "asked": 0}
        right_by_language = {"en": [0, 0], "zh": [0, 0]}
        for item in items:
            outcome = judged(understander.understand(in_comparison(item)), item["figure"])
            counts[outcome] += 1
            right_by_language[item["language"]][0] += outcome == "right"
            right_by_language[item["language"]][1] += 1
        shares = "  ".join(f"{counts[k] / len(items):6.1%}" for k in ("right", "wrong", "asked"))
        by_language = " / ".join(f"{r / max(n, 1):.1%}" for r, n in right_by_language.values())
        print(f"{name:12s}  {shares}   ({by_language})")


def in_comparison(item: dict[str, str]) -> str:
    return f"{item['phrase']}高于1的基金" if item["language"] == "zh" else f"funds with {item['phrase']} above 1"


def judged(reading: Reading, figure: str) -> str:
    figures = [c.column for c in reading.conditions if c.column not in ("category", "name")]
    family = [lx.column_family(column) for column in figures]
    if figure == fw.ABSENT:
        return "wrong" if family else "right"
    if not family:
        return "asked"
    return "right" if family == [figure] else "wrong"


if __name__ == "__main__":
    main()
