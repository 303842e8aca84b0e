"""The trained fund understander: the rules read what a message says; two trained models do what rules cannot.

Figure words the lexicon lacks ("price swings under 15%", "一年的管理成本低于0.5%") are read by
`figure_words.FigureWordModel`, and the message is read again with the family's plain words in their place.
How a follow-up relates to the conversation so far is decided by a model trained on conversations with gold
results:

A follow-up either narrows the question on the table ("only those with fees under 0.5%", "what about equity
funds?") or asks a new one ("index funds with a Sharpe above 1"). The rules decide from markers ("only",
"those", 只看) and from whether the message names its own subject; a logistic regression
(`luodi.nlu.decisions`) decides instead, from the message's words, what the rules read in it and the
rules' own decision. It learns from the last turn of every multi-turn conversation in the shipped question sets:
the turn is read both ways, and the reading whose result equals the gold query's result is the label (turns
where both or neither do teach nothing). Trained in seconds on first use and cached, like the hotel's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from luodi.dialogue.state import DialogueState
from luodi.nlu.decisions import DecisionSet, Example, fingerprint, model_cache, train_decisions
from luodi.packs.funds import figure_words
from luodi.packs.funds.dialogue import FundScreener, narrows, only_excludes
from luodi.packs.funds.figure_words import ABSENT, FigureGuess, FigureWordModel, phrase_text, strip_horizon
from luodi.packs.funds.lexicon import column_family
from luodi.packs.funds.normalize import normalize
from luodi.packs.funds.query import Condition
from luodi.packs.funds.understanding import UNCLAIMED_COMPARISON, Reading, RuleUnderstander

RELATION = "refine"
THRESHOLD = 0.5
REGULARIZATION = 0.5
FIGURE_THRESHOLD = 0.5  # below it, the question back ("which figure do you mean?") stays
SUGGESTION_THRESHOLD = 0.2  # from it, the model's guess is offered with that question, never applied
FIGURE_REGULARIZATION = 16.0
QUESTION_SETS = tuple(Path(__file__).with_name(f"{name}.jsonl") for name in ("dev_questions", "dev_questions_fresh"))
_WORD = re.compile(r"[a-z]+|\d+|[\u4e00-\u9fff]")


class TrainedFundUnderstander:
    """`understand` is the rules' reading, with figure words the lexicon lacks read by the figure model and the
    learned relation decision written into its refine / reset flags."""

    def __init__(self, rules: RuleUnderstander, decisions: DecisionSet, figures: FigureWordModel | None = None):
        self.rules = rules
        self.decisions = decisions
        self.figures = figures

    def understand(self, message: str, state: DialogueState | None = None) -> Reading:
        reading = self.rules.understand(message)
        if reading.unknown and self.figures is not None:
            reading = self.read_figure_words(message, reading, self.figures)
        if not relates(reading):
            return reading
        refines = self.decisions.probability(RELATION, features(message, reading)) >= THRESHOLD
        return read_as(reading, refines)

    def read_figure_words(self, message: str, reading: Reading, figures: FigureWordModel) -> Reading:
        """The message read again with each unknown figure word the model is sure of replaced by its family's
        plain words; the conditions it gains carry the user's words, so the answer shows what was read how."""
        comparisons = unknown_comparisons(reading)
        every_guess = figures.guesses([w for w, _ in comparisons], [u for _, u in comparisons]) if comparisons else []
        guesses = [g for g in every_guess if g.probability >= FIGURE_THRESHOLD]
        normalized = rewritten = normalize(message)
        for guess in guesses:
            if guess.family != ABSENT:
                rewritten = rewritten.replace(guess.words, f" {guess.plain_words()} ", 1)
        again = self.rules.understand(rewritten) if rewritten != normalized else replace(reading)
        absent = [g.words for g in guesses if g.family == ABSENT]
        again.unknown = [u for u in again.unknown if not any(words in u for words in absent)]
        again.unsupported += [phrase_text(words) for words in absent]
        again.conditions = [said_as(c, guesses) if c not in reading.conditions else c for c in again.conditions]
        # a guess too unsure to apply is still worth offering with the question ("Did you mean: volatility?")
        again.suggestions += [g.plain_words() for g in every_guess
                              if SUGGESTION_THRESHOLD <= g.probability < FIGURE_THRESHOLD and g.family != ABSENT]
        return again


def unknown_comparisons(reading: Reading) -> list[tuple[str, str]]:
    """The words before the comparator of each unknown comparison, and the value's unit ("price swings" and "%" of
    "price swings under 15%")."""
    found = (re.search(UNCLAIMED_COMPARISON, unknown) for unknown in reading.unknown)
    pairs = ((strip_horizon(match.group("words")).strip(), match.group("unit") or "") for match in found if match)
    return [(words, unit) for words, unit in pairs if words]


def said_as(condition: Condition, guesses: list[FigureGuess]) -> Condition:
    for guess in guesses:
        if guess.family == column_family(condition.column):
            return condition.model_copy(update={"said": phrase_text(guess.words)})
    return condition


def relates(reading: Reading) -> bool:
    """Whether the reading leaves the refine-or-restart question open (a comparison or a list of codes does not)."""
    return not (reading.compare or reading.codes or reading.is_empty)


def read_as(reading: Reading, refines: bool) -> Reading:
    return replace(reading, refine_marker=refines, reset=not refines)


def features(message: str, reading: Reading) -> list[str]:
    words = _WORD.findall(message.lower())
    columns = sorted({c.column for c in reading.conditions})
    flags = {"subject": reading.subject, "marker": reading.refine_marker, "reset": reading.reset,
             "conditions": bool(reading.conditions), "sort": bool(reading.sort), "limit": reading.limit is not None,
             "page": reading.next_page is not None or reading.previous_page or reading.page_number is not None,
             "remove": bool(reading.remove), "adjust": bool(reading.adjust), "horizon": bool(reading.horizon),
             "instead": reading.instead, "include": reading.include, "count": reading.count_only,
             "bare": bool(reading.bare), "direction": reading.direction is not None, "reverse": reading.reverse,
             "exclusions": only_excludes(reading)}
    return [f"rules={narrows(reading)}", *(f"flag={name}" for name, on in flags.items() if on),
            *(f"column={column}" for column in columns), f"conditions={min(len(reading.conditions), 3)}",
            *(f"w={w}" for w in words), *(f"w2={a}_{b}" for a, b in zip(words, words[1:], strict=False)),
            f"first={words[0] if words else ''}"]


# ---------------------------------------------------------------- training on question sets with gold results


def relation_examples(engine: Engine, rules: RuleUnderstander, conversations: Sequence[Any]) -> list[Example]:
    """(features, refines) for the last turn of every multi-turn conversation that only one reading gets right."""
    from luodi.packs.funds.questions import QuestionSetError, Scorer

    scorer = Scorer(engine)
    replay = FundScreener(engine, rules)
    examples: list[Example] = []
    for conversation in conversations:
        *earlier, last = conversation.turns
        if not earlier:
            continue
        state = replay.new_state()
        for message in earlier:
            state, _ = replay.handle(state, message)
        reading = rules.understand(last)
        if not relates(reading):
            continue
        right = []
        for refines in (True, False):
            _, outcome = FundScreener(engine, _Fixed(read_as(reading, refines))).handle(state, last)
            chosen = outcome.fund_filter if outcome.clarification is None else None
            try:
                right.append(scorer.compare(chosen, conversation.gold_sql, conversation.ordered)[0])
            except QuestionSetError:
                right.append(False)
        if right[0] != right[1]:
            examples.append((features(last, reading), right[0]))
    return examples


class _Fixed:
    """An understander that returns one reading: the screener's merge and queries run on it unchanged."""

    def __init__(self, reading: Reading):
        self.reading = reading

    def understand(self, message: str, state: DialogueState | None = None) -> Reading:
        return self.reading


def train_relation(engine: Engine, rules: RuleUnderstander, out: Path,
                   question_sets: Sequence[Path] = QUESTION_SETS) -> Path:
    from luodi.packs.funds.questions import read_questions

    conversations = [c for path in question_sets for c in read_questions(path)]
    examples = relation_examples(engine, rules, conversations)
    meta = {"sets": ",".join(p.name for p in question_sets), "examples": str(len(examples))}
    return train_decisions({RELATION: examples}, REGULARIZATION, meta).save(out)


def train_figures(out: Path, question_sets: Sequence[Path] = QUESTION_SETS) -> Path:
    """The figure-word model, from the question sets' messages (never their gold queries) and the stated words."""
    from luodi.packs.funds.questions import read_questions

    messages = [turn for path in question_sets for c in read_questions(path) for turn in c.turns]
    phrases = figure_words.lexicon_phrases(messages) + figure_words.stated_phrases()
    meta = {"sets": ",".join(p.name for p in question_sets)}
    return figure_words.train(phrases, FIGURE_REGULARIZATION, meta).save(out)


def default_model(engine: Engine, rules: RuleUnderstander) -> Path:
    """The cached relation model trained on the shipped question sets, trained now if missing (seconds). The key
    covers the sets and the code that reads and decides, so an edited rule retrains instead of serving a stale
    model."""
    key = _model_key(THRESHOLD, REGULARIZATION, str(engine.url))
    model = model_cache() / f"funds-relation-{key}.json"
    return model if model.exists() else train_relation(engine, rules, model)


def default_figure_model() -> Path:
    """The cached figure-word model, trained now if missing (seconds: it embeds a few hundred phrases)."""
    key = _model_key(FIGURE_REGULARIZATION, Path(figure_words.__file__).read_bytes())
    model = model_cache() / f"funds-figures-{key}.npz"
    return model if model.exists() else train_figures(model)


def _model_key(*settings: object) -> str:
    from luodi.packs.funds import commands, conditions, dialogue, entities, lexicon, markers, reading, understanding

    readers = (understanding, entities, conditions, commands, reading, lexicon, markers, dialogue)
    sources = [Path(m.__file__ or "").read_bytes() for m in readers]
    sources += [(lexicon.WORDS_DIR / f"{name}.yaml").read_bytes() for name in lexicon.WORD_FILES]  # the word lists
    return fingerprint(*(p.read_bytes() for p in QUESTION_SETS), Path(__file__).read_bytes(), *sources, *settings)

