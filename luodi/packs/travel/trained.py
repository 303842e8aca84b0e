"""The trained hotel understander: the lexicon proposes, a model trained on real dialogues decides.

For every message the lexicon and normalizers propose candidates, each a (slot, canonical value) with the
reasons it came up: the rules reading took it, the words carry it in some clause (maybe about a restaurant),
the message says "hotel", the last reply showed that hotel, the conversation is about it. One logistic
regression per slot (`luodi.nlu.decisions`) then says whether the user meant it, from the candidate's
reasons, the words of the message, the question the last reply asked and what the state already holds. The
values themselves always come from the normalizers and the database, so the model can choose only among
values that exist; what it learns are the annotation conventions a lexicon cannot state.

One implementation serves English (MultiWOZ) and Chinese (CrossWOZ); a `Language` entry says how to cut words,
which domain a text is about and where the dialogues are. Training data: the language's dialogues with their
per-turn gold states, except the held-out part of the seeded split (`luodi.packs.travel.dialogues.split_dialogues`,
seed `TRAINING_SEED`), so `luodi eval dst --split heldout` reports on dialogues the model never saw. A candidate
is a positive example when the gold state after the turn holds its value and the state before did not.

Which model serves: a model file when one is named (`options.model`), else the weight table shipped with the pack
(`data/hotel-<language>-decisions.json`, rebuilt from the shared dialogues by `python -m
luodi.packs.travel.weights`), so a checkout without the shared data still serves the trained understander. The
table records the fingerprint of the code, words and names it was trained with (`code_fingerprint`); when they
have changed since and the shared dialogues are there, a model is trained on first use instead (seconds, cached).
A model of one's own:

    python -m luodi.packs.travel.trained --language en --out hotel-en.json   # then options.model: hotel-en.json
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from luodi.config import shared_data_dir
from luodi.dialogue.commands import Command
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.nlu.decisions import DecisionSet, Example, fingerprint, model_cache, train_decisions
from luodi.packs.travel import dialogues, lexicon_en, lexicon_zh
from luodi.packs.travel.dialogues import Dialogue, hotel_run, load_dialogues, split_dialogues, teacher_states
from luodi.packs.travel.lexicon_en import EnglishHotelLexicon
from luodi.packs.travel.lexicon_zh import ChineseHotelLexicon
from luodi.packs.travel.reading import Reading, commands_for
from luodi.packs.travel.rules import RulesUnderstander
from luodi.packs.travel.specs import DATA_DIR, LAST_REPLY, default_spec
from luodi.packs.travel.wordlists import WORDS_DIR

TRAINING_SEED = 13  # the seed of `luodi eval dst`'s split: its held-out part is never trained on
THRESHOLD = 0.5
REGULARIZATION = 0.5  # L2 strength (C) and threshold chosen on a quarter of the tuning part held aside
SHIPPED_DIR = DATA_DIR  # where the pack's weight tables are
_LOG = logging.getLogger(__name__)
_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")
Lexicon = EnglishHotelLexicon | ChineseHotelLexicon


def english_words(message: str) -> list[str]:
    return _TOKEN.findall(message.lower())


def chinese_words(message: str) -> list[str]:
    """Characters and character pairs: Chinese has no spaces, and pairs carry most of a word's meaning."""
    text = re.sub(r"\s+", "", message.lower())
    return [*text, *(a + b for a, b in zip(text, text[1:], strict=False))]


@dataclass(frozen=True)
class Language:
    """What the trained understander needs to know of a language: how to cut words, which domain a text is
    about, which slots a reply asks for, the dialogues to learn from, and extra proposals its lexicon lacks."""

    dialogues: str  # the dialogues with gold states, under the shared data folder
    data_format: Literal["multiwoz", "crosswoz"]
    words: Callable[[str], list[str]]
    domain_of: Callable[[str], str | None]
    asked_slots: Callable[[str], list[str]]
    type_word: re.Pattern[str] | None = None  # a word that proposes the type slot ("hotel" -> type=hotel)

    @property
    def data(self) -> Path:
        """The dialogues file, in the shared data folder as it is now ($LUODI_SHARED_DATA is read every time)."""
        return shared_data_dir() / self.dialogues


LANGUAGES = {
    "en": Language("multiwoz/val.json.zip", "multiwoz", english_words, lexicon_en.domain_of, lexicon_en.asked_slots,
                   re.compile(r"\bhotels?\b")),
    "zh": Language("crosswoz/val.json.zip", "crosswoz", chinese_words, lexicon_zh.domain_of, lambda reply: []),
}


@dataclass
class Candidate:
    slot: str
    value: str
    sources: set[str] = field(default_factory=set)


class TrainedHotelUnderstander:
    def __init__(self, spec: ScenarioSpec, decisions: DecisionSet, rules: RulesUnderstander):
        self.spec = spec
        self.decisions = decisions
        self.rules = rules
        self.reader: Lexicon = rules.reader
        self.language = LANGUAGES[rules.language]
        self.name_slot = rules.name_slot

    @classmethod
    def create(cls, spec: ScenarioSpec, model: str | Path | None, database: str | Path | None = None) -> Any:
        """The trained understander with the given model file, else with the default decisions of the
        scenario's language (`default_decisions`); the rules understander when there are none."""
        rules = RulesUnderstander(spec, database)
        if model is not None and not Path(model).is_file():
            raise ValueError(f"the hotel understander's model {model} is not a file (train one with "
                             "`python -m luodi.packs.travel.trained`, or leave the option out)")
        decisions = DecisionSet.load(Path(model)) if model is not None else default_decisions(spec, rules, database)
        return rules if decisions is None else cls(spec, decisions, rules)

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        return commands_for(self.read(message or "", state), state, self.spec, self.name_slot)

    def read(self, message: str, state: DialogueState) -> Reading:
        context = self.rules.read(message, state)
        reading = context.intent_only()
        reading.adopt_shown = reading.adopt_subject = False  # choosing the hotel is the name model's decision
        for candidate in self.decide(message, state, context):
            if candidate.slot == self.name_slot:
                reading.entities.append(candidate.value)
            else:
                reading.inform(candidate.slot, candidate.value)
        return reading

    def decide(self, message: str, state: DialogueState, context: Reading) -> list[Candidate]:
        """Per slot, the likeliest candidate when the model gives it at least THRESHOLD."""
        view = state.slot_view()
        shared = message_features(self.language, message, str(state.extras.get(LAST_REPLY, "")), context)
        chosen: list[Candidate] = []
        for slot, options in group_by_slot(self.candidates(message, state, context)).items():
            scored = [(self.decisions.probability(slot, self.features(c, view, shared)), c) for c in options]
            best_probability, best = max(scored, key=lambda pair: pair[0])
            if best_probability >= THRESHOLD:
                chosen.append(best)
        return chosen

    def candidates(self, message: str, state: DialogueState, context: Reading) -> list[Candidate]:
        found: dict[tuple[str, str], Candidate] = {}

        def propose(slot: str, value: str | None, source: str) -> None:
            if value:
                found.setdefault((slot, value), Candidate(slot, value)).sources.add(source)

        anywhere = self.reader.values_anywhere(message)
        for reading, source in ((context, "rules"), (anywhere, "words")):
            for slot, value in reading.informs:
                propose(slot, value, source)
            for name in reading.entities:
                propose(self.name_slot, name, source)
        if self.language.type_word is not None and self.language.type_word.search(message.lower()):
            propose("type", "hotel", "type_word")
        propose(self.name_slot, context.subject if context.subject in self.reader.names.names else None, "subject")
        propose(self.name_slot, state.shown[0] if state.shown else None, "shown_first")
        propose(self.name_slot, state.focus, "focus")
        return list(found.values())

    def features(self, candidate: Candidate, view: dict[str, str], shared: list[str]) -> list[str]:
        held = view.get(candidate.slot)
        status = "empty" if held is None else ("same" if held == candidate.value else "other")
        # names and free text are too many to learn one by one; categories (area=north) are few
        named = candidate.slot == self.name_slot or len(candidate.value) > 12
        own = [*(f"src={s}" for s in sorted(candidate.sources)), f"sources={'+'.join(sorted(candidate.sources))}",
               f"state={status}", "value=name" if named else f"value={candidate.value}"]
        # the reasons crossed with the moves and the state: "the rules took it" means more in a hotel clause
        crossed = [f"{s}&{f}" for s in candidate.sources for f in shared
                   if f.startswith(("flag=", "reply_dom=", "msg_dom=", "asked="))]
        return [*own, *crossed, *(f"{status}&{f}" for f in shared if f.startswith("flag=")), *shared]


# ---------------------------------------------------------------- candidates and their features


def group_by_slot(options: Sequence[Candidate]) -> dict[str, list[Candidate]]:
    grouped: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in options:
        grouped[candidate.slot].append(candidate)
    return grouped


def message_features(language: Language, message: str, last_reply: str, context: Reading) -> list[str]:
    """What every candidate of this message shares: words, the last reply's question, domains, the moves."""
    words = language.words(message)
    reply = last_reply.lower()
    question = language.words(re.split(r"[?？]", reply)[0][-120:]) if re.search(r"[?？]", reply) else []
    flags = {"book": context.book, "affirm": context.affirm, "deny": context.deny, "show": context.show,
             "asks": bool(context.requests), "details": context.details, "in_domain": context.in_domain,
             "new_search": context.new_search, "declined": context.declined_booking,
             "refers": context.refers_to_shown, "subject": context.subject is not None}
    return [*(f"u={w}" for w in words), *(f"u2={a}_{b}" for a, b in zip(words, words[1:], strict=False)),
            *(f"q={w}" for w in question), f"reply_dom={language.domain_of(reply) or 'none'}",
            f"msg_dom={language.domain_of(message.lower()) or 'none'}",
            *(f"asked={slot}" for slot in language.asked_slots(reply)),
            *(f"flag={name}" for name, on in flags.items() if on)]


# ---------------------------------------------------------------- training on dialogues with gold states


def training_examples(understander: TrainedHotelUnderstander, chosen: Sequence[Dialogue],
                      normalize: Callable[[str, str], str],
                      shown_in: Callable[[str], list[str]]) -> dict[str, list[Example]]:
    """Per slot, (features, taken) for every candidate whose value the state before did not hold already."""
    examples: dict[str, list[Example]] = defaultdict(list)
    for dialogue in chosen:
        for message, state, gold in teacher_states(dialogue, understander.spec, shown_in):
            context = understander.rules.read(message, state)
            view = state.slot_view()
            shared = message_features(understander.language, message, str(state.extras[LAST_REPLY]), context)
            for candidate in understander.candidates(message, state, context):
                value = normalize(candidate.slot, candidate.value)
                if view.get(candidate.slot) == value:
                    continue  # setting what the state holds changes nothing: no lesson in it
                taken = bool(gold.get(candidate.slot)) and normalize(candidate.slot, gold[candidate.slot]) == value
                examples[candidate.slot].append((understander.features(candidate, view, shared), taken))
    return examples


def train_hotel_decisions(out: Path, spec: ScenarioSpec, data: Path | None = None,
                          dialogue_filter: Callable[[Dialogue], bool] | None = None,
                          regularization: float = REGULARIZATION, database: str | Path | None = None) -> Path:
    """Train on the dialogues of `data` (default: the shared ones of the scenario's language) outside the
    held-out part of the seeded split (`TRAINING_SEED`), reading them with the lexicon of `database`; write the
    model to `out`."""
    rules = RulesUnderstander(spec, database)
    language = LANGUAGES[rules.language]
    data = data or language.data
    run = hotel_run(language.data_format, spec)
    tuning, _ = split_dialogues(load_dialogues(data, language.data_format, names=run.names), seed=TRAINING_SEED)
    chosen = [d for d in tuning if dialogue_filter is None or dialogue_filter(d)]
    understander = TrainedHotelUnderstander(spec, DecisionSet({}), rules)
    examples = training_examples(understander, chosen, run.normalize, run.shown_in)
    meta = {"data": f"{data.parent.name}/{data.name}", "data_sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
            "dialogues": str(len(chosen)), "seed": str(TRAINING_SEED), "code": code_fingerprint(spec, rules)}
    return train_decisions(examples, regularization, meta).save(out)


def code_fingerprint(spec: ScenarioSpec, rules: RulesUnderstander) -> str:
    """What a model learnt from besides the dialogues: the code that reads, replays and decides, the lexicons'
    word lists, the database's names, the scenario's slots and the training constants."""
    modules = (lexicon_en, lexicon_zh, dialogues, sys.modules[__name__])
    code = [Path(module.__file__ or "").read_bytes() for module in modules]
    words = [path.read_bytes() for path in sorted(WORDS_DIR.glob("*.yaml"))]
    return fingerprint(rules.language, TRAINING_SEED, THRESHOLD, REGULARIZATION, sorted(rules.reader.names.names),
                       sorted(spec.slots), *code, *words)


def shipped_model(language: str) -> Path:
    """The weight table of a language shipped with the pack (`python -m luodi.packs.travel.weights` builds it)."""
    return SHIPPED_DIR / f"hotel-{language}-decisions.json"


def default_decisions(spec: ScenarioSpec, rules: RulesUnderstander,
                      database: str | Path | None = None) -> DecisionSet | None:
    """The shipped decisions of the scenario's language; when they were trained from other code, words or names
    and the shared dialogues are there, the model trained on those (cached, trained now if missing); the shipped
    ones anyway without the dialogues; None when there is neither."""
    data = LANGUAGES[rules.language].data
    shipped = shipped_model(rules.language)
    if shipped.is_file():
        decisions = DecisionSet.load(shipped)
        if decisions.meta.get("code") == code_fingerprint(spec, rules):
            return decisions
        if not data.exists():
            _LOG.warning("%s was trained from other code, words or names than these and the dialogues to retrain "
                         "are missing: serving it anyway (rebuild: python -m luodi.packs.travel.weights)", shipped)
            return decisions
    if not data.exists():
        return None
    return DecisionSet.load(cached_model(spec, rules, data, database))


def cached_model(spec: ScenarioSpec, rules: RulesUnderstander, data: Path, database: str | Path | None) -> Path:
    """The model trained on the shared dialogues, cached under a key of the data file and the code fingerprint,
    so an edited lexicon or feature set retrains instead of serving a stale model; trained now if missing."""
    stat = data.stat()
    key = fingerprint(code_fingerprint(spec, rules), stat.st_size, int(stat.st_mtime))
    model = model_cache() / f"hotel-{rules.language}-decisions-{key}.json"
    return model if model.exists() else train_hotel_decisions(model, spec, database=database)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the hotel understander's decisions on the dialogues with "
                                                 "gold states of a language (outside the held-out split).")
    parser.add_argument("--language", choices=sorted(LANGUAGES), default="en")
    parser.add_argument("--data", type=Path, help="MultiWOZ / CrossWOZ data (.json or .zip); default: the shared one")
    parser.add_argument("--out", required=True, type=Path, help="the model file to write (JSON)")
    args = parser.parse_args(argv)
    model = train_hotel_decisions(args.out, default_spec(args.language), args.data)
    print(f"model written to {model}")


if __name__ == "__main__":
    main()
