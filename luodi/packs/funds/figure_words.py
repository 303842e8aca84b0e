"""Figure words the lexicon lacks, read by a trained model: "price swings under 15%", "一年的管理成本低于0.5%".

The rules report a comparison whose words name no figure they know as unknown ("I could not tell which figure you
mean"). A user's words for a figure are open-ended, so a list can never hold them all; this model reads those
words instead. It is a multinomial logistic regression over two views of the words: the sentence vector of the
packaged all-MiniLM-L6-v2 (meaning: "swung" lies near "volatile") and character n-grams (form, which carries
Chinese: 管理成本 shares 管理 with 管理费). Its classes are the figure families the table has and `absent`, the
measures it lacks (alpha, tracking error, ...), so an unknown measure is said to be missing, not mapped onto a
figure that only sounds alike.

It learns from text the project already has, never from a question set's answers: every comparison in the shipped
question sets whose words the lexicon does know (the words as the rules would have reported them, labelled with
the lexicon's family), each column's stated label and definition, and the missing measures. When the model is
sure, the words are replaced by the family's plain name and the rules read the message again, so comparators,
horizons and units keep their one implementation; the answer shows which words were read as which figure. When
it is not sure, the question back stays.
"""

from __future__ import annotations

import json
import os
import re
import re._constants as regex_codes  # the stdlib's regex parser: the one reader of the lexicon's own syntax
import re._parser as regex_parser
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.normalize import normalize
from luodi.packs.funds.values import TIME_UNIT, unit_fits

ABSENT = "absent"
# the family's plain words, which the lexicon reads; "return" keeps the horizon said next to it: words/*.yaml
# `figures.plain_words`, family -> (English, Chinese)
PLAIN_WORDS: dict[str, tuple[str, str]] = lx.FIGURE_PLAIN_WORDS
FAMILIES = (*PLAIN_WORDS, ABSENT)
# what each figure is, as a glossary defines it: the model's view of a column beyond the lexicon's words
# (words/*.yaml `figures.definitions`)
DEFINITIONS: dict[str, tuple[str, ...]] = lx.FIGURE_DEFINITIONS
# measures funds are judged by that the table does not have: words/*.yaml `figures`
ABSENT_MEASURES = lx.ABSENT_MEASURES
CHAR_FEATURES = 2**14


@dataclass(frozen=True)
class FigureGuess:
    words: str
    family: str  # a key of PLAIN_WORDS, or ABSENT
    probability: float

    def plain_words(self) -> str:
        english, chinese = PLAIN_WORDS[self.family]
        return english if self.words.isascii() else chinese


class FigureWordModel:
    """Weights over [sentence vector, character n-grams] -> one family per phrase."""

    def __init__(self, families: Sequence[str], weights: np.ndarray, bias: np.ndarray, meta: dict[str, str]):
        self.families = tuple(families)
        self.weights = weights  # (families, features)
        self.bias = bias
        self.meta = meta

    def guess(self, words: str, unit: str = "") -> FigureGuess:
        return self.guesses([words], [unit])[0]

    def guesses(self, phrases: Sequence[str], units: Sequence[str] | None = None) -> list[FigureGuess]:
        """The likeliest family for each phrase among those its value's unit fits ("price swings under 15%" is
        no price: a percentage is never a NAV, a size, a minimum purchase or a risk level)."""
        scores = features(phrases) @ self.weights.T + self.bias
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        found = []
        for row, (phrase, unit) in enumerate(zip(phrases, units or [""] * len(phrases), strict=True)):
            fitting = [i for i, family in enumerate(self.families) if unit_fits(family, unit)]
            best = max(fitting, key=lambda i: probabilities[row, i])
            found.append(FigureGuess(phrase, self.families[best], float(probabilities[row, best])))
        return found

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial.npz")
        os.close(handle)
        np.savez(partial, weights=self.weights, bias=self.bias,
                 families=json.dumps(self.families), meta=json.dumps(self.meta))  # fmt: skip
        os.replace(partial, path)  # a concurrent reader never sees half a model
        return path

    @classmethod
    def load(cls, path: Path) -> FigureWordModel:
        with np.load(path) as data:
            return cls(json.loads(str(data["families"])), data["weights"], data["bias"], json.loads(str(data["meta"])))


def features(phrases: Sequence[str]) -> np.ndarray:
    from sklearn.feature_extraction.text import HashingVectorizer

    from luodi.knowledge.embedding import DIMENSION, embed

    texts = [phrase_text(p) for p in phrases]
    if not texts:
        return np.zeros((0, DIMENSION + CHAR_FEATURES), dtype=np.float32)
    grams = HashingVectorizer(analyzer="char_wb", ngram_range=(1, 3), n_features=CHAR_FEATURES,
                              alternate_sign=False, norm="l2").transform(texts)  # fmt: skip
    return np.hstack([embed(texts), grams.toarray().astype(np.float32)])


def phrase_text(words: str) -> str:
    """The words without filler a comparison carries ("的", "is", "a"), which say nothing about the figure."""
    kept = [w.strip(CHINESE_FILLER) for w in re.findall(r"[a-z/]+|[\u4e00-\u9fff]+", normalize(words))]
    return " ".join(w for w in kept if w and w not in FILLER).strip() or words.strip()


CHINESE_FILLER = lx.FIGURE_EDGE_CHARACTERS  # at either end of a Chinese run: "的管理成本" is "管理成本"
FILLER = lx.FIGURE_FILLER  # words/*.yaml `figures`


# ------------------------------------------------------------------------------------------- training text


def lexicon_phrases(messages: Iterable[str]) -> list[tuple[str, str]]:
    """(words, family) for every comparison whose words, as the rules would report them unknown, hold a figure
    word of the lexicon: the shapes users give figure words, labelled by the lexicon rather than by a gold query."""
    from luodi.packs.funds.understanding import UNCLAIMED_COMPARISON

    found: list[tuple[str, str]] = []
    for message in messages:
        for match in re.finditer(UNCLAIMED_COMPARISON, normalize(message)):
            words = strip_horizon(match.group("words")).strip()
            named = {str(m.lastgroup) for m in lx.column_words().finditer(words)}
            if len(named) == 1 and named <= PLAIN_WORDS.keys():
                found.append((words, named.pop()))
    return found


def stated_phrases() -> list[tuple[str, str]]:
    """The lexicon's own words for each family spelled out, each family's labels (as answers show them),
    definitions and plain words, and the missing measures."""
    phrases = [(text, family) for family, texts in DEFINITIONS.items() for text in texts]
    phrases += [(text, family) for family, words in lx.COLUMN_WORDS.items() if family in PLAIN_WORDS
                for word in words for text in spelled_out(word)]  # fmt: skip
    phrases += [(word, family) for family, pair in PLAIN_WORDS.items() for word in pair]
    for column, label in lx.COLUMN_LABELS.items():
        family = lx.column_family(column)
        if family in PLAIN_WORDS:
            phrases += [(strip_horizon(label.en).strip(), family), (strip_horizon(label.zh).strip(), family)]
    return phrases + [(measure, ABSENT) for measure in ABSENT_MEASURES]


def strip_horizon(words: str) -> str:
    """ "3-year return" -> "return", "近1年收益" -> "收益": the horizon is read by the rules, not by this model."""
    return re.sub(rf"(?:近|过去|最近)?\s*\d*\s*[- ]?(?:{TIME_UNIT.pattern})(?:[- ]?(?:ly|的))?\s*", " ", words)


def spelled_out(pattern: str, most: int = 8) -> list[str]:
    """Strings a lexicon entry matches ("custody fee", "custody charges", "custodian" for
    `custod(?:y|ian)(?: fees?| charges?)?`): optional parts both ways, every branch, the first of a character set;
    lookarounds match nothing."""

    def strings(items: Any) -> list[str]:
        made = [""]
        for code, value in items:
            if code is regex_codes.LITERAL:
                options = [chr(value)]
            elif code is regex_codes.IN:
                options = [chr(v) for c, v in value if c is regex_codes.LITERAL][:1] or [" "]
            elif code is regex_codes.SUBPATTERN:
                options = strings(value[-1])
            elif code is regex_codes.BRANCH:
                options = [text for branch in value[1] for text in strings(branch)]
            elif code in (regex_codes.MAX_REPEAT, regex_codes.MIN_REPEAT):
                options = ([""] if value[0] == 0 else []) + strings(value[2])
            elif code in (regex_codes.ASSERT, regex_codes.ASSERT_NOT, regex_codes.AT):
                options = [""]
            else:  # any character, a class such as \s
                options = [" "]
            made = [a + b for a in made for b in options][: most * 4]
        return made

    spelled = (re.sub(r"\s+", " ", text).strip() for text in strings(regex_parser.parse(pattern)))
    return [text for text in dict.fromkeys(spelled) if text][:most]


def classifier(regularization: float) -> Any:
    """The multinomial logistic regression; classes weighted by their rarity (custody fees have few words)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=regularization, max_iter=2000, class_weight="balanced")


def train(phrases: Sequence[tuple[str, str]], regularization: float, meta: dict[str, str]) -> FigureWordModel:
    unique = sorted(set(phrases))
    model = classifier(regularization)
    model.fit(features([p for p, _ in unique]), [family for _, family in unique])
    return FigureWordModel([str(c) for c in model.classes_], model.coef_.astype(np.float32),
                           model.intercept_.astype(np.float32), {**meta, "phrases": str(len(unique))})  # fmt: skip
