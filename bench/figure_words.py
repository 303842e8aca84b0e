"""How well the figure-word model reads words it never saw: the lexicon's entries are split into folds, each
fold's words (and every training phrase containing them) are held out, the model is trained on the rest and
asked about the held-out words. Measures the table lacks are folded the same way.

For each threshold it prints how many held-out words were read as the right figure, read as a wrong one, or
left as a question back, against the baseline of the rules, which ask about every word they do not know.

    python bench/figure_words.py [--folds 5] [--regularization 4]
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterable

import numpy as np
from sklearn.linear_model import LogisticRegression

from luodi.evaluation.funds import read_questions
from luodi.scenarios.funds import figure_words as fw
from luodi.scenarios.funds import lexicon as lx
from luodi.scenarios.funds.normalize import normalize
from luodi.scenarios.funds.trained import FIGURE_REGULARIZATION, FIGURE_THRESHOLD, QUESTION_SETS

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


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
        known = bounded(word for other in entries if other not in fold for _, word in other)
        # only words the rest of the lexicon does not read: the model never sees the others
        test = sorted({(text, family) for family, word in fold
                       for text in (fw.spelled_out(word) if family != fw.ABSENT else [word.replace("\\", "")])
                       if not known.search(normalize(text))})
        if not test:
            continue
        keep = [i for i, (p, _) in enumerate(phrases) if not held.search(normalize(p))]
        model = LogisticRegression(C=args.regularization, max_iter=2000)
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

    print(f"held-out words: {tested} (the rules ask about all of them: 0 read, 0 wrong)")
    print("threshold  read right  read wrong  asked")
    for threshold, (right, wrong, asked) in outcomes.items():
        mark = "  <- served" if threshold == FIGURE_THRESHOLD else ""
        print(f"{threshold:9.1f}  {right / tested:10.1%}  {wrong / tested:10.1%}  {asked / tested:5.1%}{mark}")


if __name__ == "__main__":
    main()
