"""The trained hotel understander: the joint NLU model (`luodi.dialogue.nlu`) tags slot spans and intents, the
normalizers turn spans into canonical values, and the lexicon reader supplies the dialogue moves and the
context answers ("yes", "no preference" to the question the last reply asked) that a single-utterance tagger
cannot see.

Training data comes from dialogues with span annotations (MultiWOZ `span_info`): every user turn of the
dialogues you train on becomes one seq.in / seq.out / label line, tags `hotel-area`, `booking-day`, …, intents
the turn's dialogue acts (`hotel-inform`, `booking-inform`, `general-bye`, …):

    python -m luodi.scenarios.hotel.trained --data ../shared/data/multiwoz/val.json.zip --out /work/runs/hotel-nlu-data
    luodi train nlu --data /work/runs/hotel-nlu-data --out /work/runs/hotel-nlu-en --epochs 4 --threads 2

Only the tuning part of the seeded split (`luodi.evaluation.dst.split_dialogues`) is exported, so that the
held-out part stays unseen. The model covers English; for another language the rules understander serves.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from luodi.dialogue.commands import Command
from luodi.dialogue.normalizers import normalize_count, normalize_day
from luodi.dialogue.state import DialogueState
from luodi.scenarios.hotel.lexicon_en import AREA_WORDS, PRICE_WORDS
from luodi.scenarios.hotel.reading import DONTCARE, Reading, commands_for
from luodi.scenarios.hotel.understanding import RulesUnderstander, english_names, language_of
from luodi.scenarios.spec import ScenarioSpec

# model tag (domain-slot, lower case) -> scenario slot
_TAG_SLOTS = {"hotel-area": "area", "hotel-price": "pricerange", "hotel-pricerange": "pricerange",
              "hotel-stars": "stars", "hotel-type": "type", "hotel-parking": "parking", "hotel-internet": "internet",
              "hotel-name": "name", "booking-day": "day", "booking-people": "people", "booking-stay": "stay",
              "hotel-day": "day", "hotel-people": "people", "hotel-stay": "stay"}
_LEXICON_SLOTS = ("parking", "internet", "people", "stay", "stars")
_TOKEN = re.compile(r"\w+(?:'\w+)?|[^\w\s]")


class TrainedHotelUnderstander:
    def __init__(self, spec: ScenarioSpec, model: Any, rules: RulesUnderstander):
        self.spec = spec
        self.model = model
        self.rules = rules
        self._cache: dict[str, Any] = {}
        self.names = english_names(None) if rules.language != "en" else rules.reader.names

    @classmethod
    def create(cls, spec: ScenarioSpec, model_dir: str | Path | None, database: str | Path | None = None) -> Any:
        """The trained understander, or the rules one when there is no model or the language is not English."""
        rules = RulesUnderstander(spec, database)
        if model_dir is None or not Path(model_dir).exists() or language_of(spec) != "en":
            return rules
        from luodi.dialogue.nlu.understander import TrainedUnderstander

        return cls(spec, TrainedUnderstander.load(model_dir, threads=2), rules)

    def prepare(self, messages: Sequence[str], batch_size: int = 64) -> None:
        """Tag many messages in batches ahead of time (the model does not depend on the state); `understand`
        then only assembles commands. A replay or a busy server gets its throughput from this."""
        tokens = [tokenize(m) for m in messages]
        for message, result in zip(messages, self.model.predict(tokens, batch_size), strict=True):
            self._cache[message] = result

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        result = self._cache.pop(message, None)
        if result is None:
            return self.understand_many([(message, state)])[0]
        return commands_for(self._reading(message, state, result), state, self.spec, "name")

    def understand_many(self, items: Sequence[tuple[str, DialogueState]]) -> list[list[Command]]:
        """Batched: the model runs once over all messages (how the throughput figure is reached)."""
        results = self.model.predict([tokenize(message) for message, _ in items])
        return [commands_for(self._reading(message, state, result), state, self.spec, "name")
                for (message, state), result in zip(items, results, strict=True)]

    def _reading(self, message: str, state: DialogueState, result: Any) -> Reading:
        context = self.rules.read(message, state)
        reading = context.intent_only()
        intents = {i.lower() for i in result.intents}
        reading.book = reading.book or any(i.startswith("booking-") for i in intents)
        for span in result.slots:
            slot = _TAG_SLOTS.get(span.slot.lower())
            if slot is not None:
                value = self._value(slot, span.text)
                if slot == "name" and value:
                    reading.entities.append(value)
                else:
                    reading.inform(slot, value)
        said = {slot for slot, _ in reading.informs}
        # what the tagger cannot see or the span annotations rarely mark: answers to the last reply's question
        # (a bare "4"), "any area", and amenities stated without a value span ("with wifi" means yes)
        reading.informs += [(slot, value) for slot, value in context.informs if slot not in said and
                            (value == DONTCARE or slot in _LEXICON_SLOTS)]
        return reading

    def _value(self, slot: str, text: str) -> str | None:
        lowered = text.lower()
        if re.search(r"\b(?:any|do n't care|don't care|doesn't matter|no preference)\b", lowered):
            return DONTCARE
        if slot == "area":
            return next((v for w, v in AREA_WORDS.items() if w in lowered), None)
        if slot == "pricerange":
            return next((v for w, v in PRICE_WORDS.items() if w in lowered), None)
        if slot == "type":
            return "guesthouse" if re.search(r"guest|b ?& ?b|bed and breakfast", lowered) else "hotel"
        if slot in ("parking", "internet"):
            return "no" if re.search(r"\b(?:no|not|n't)\b", lowered) else "yes"
        if slot == "stars":
            return normalize_count(lowered.replace("star", ""), 0, 5)
        if slot in ("people", "stay"):
            return normalize_count(lowered, 1, 30)
        if slot == "day":
            return normalize_day(lowered)
        return self.names.match(text)


def tokenize(message: str) -> list[str]:
    return _TOKEN.findall(message.lower())


# ---------------------------------------------------------------- training data from annotated dialogues


def export_multiwoz(raw: dict[str, Any], dialogue_ids: set[str], out: Path) -> int:
    """seq.in / seq.out / label lines for every user turn of the given dialogues; returns how many."""
    lines: list[tuple[str, str, str]] = []
    for dialogue_id in sorted(dialogue_ids):
        for turn in raw[dialogue_id]["log"][::2]:
            tokens = turn["text"].split()
            if not tokens:
                continue
            tags = ["O"] * len(tokens)
            for act, slot, _value, start, end in turn.get("span_info", []):
                if 0 <= start <= end < len(tokens):
                    name = f"{act.split('-')[0].lower()}-{slot.lower()}"
                    tags[start : end + 1] = [f"B-{name}"] + [f"I-{name}"] * (end - start)
            intents = sorted({act.lower() for act in turn.get("dialog_act", {})}) or ["none"]
            lines.append((" ".join(t.lower() for t in tokens), " ".join(tags), "#".join(intents)))
    out.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(("seq.in", "seq.out", "label")):
        (out / name).write_text("".join(line[index] + "\n" for line in lines), encoding="utf-8")
    return len(lines)


def main(argv: Sequence[str] | None = None) -> None:
    from luodi.evaluation.dst import multiwoz_dialogues, read_json, split_dialogues

    parser = argparse.ArgumentParser(description="Export NLU training data from MultiWOZ hotel dialogues.")
    parser.add_argument("--data", required=True, help="MultiWOZ data.json or .zip")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--all", action="store_true", help="export every hotel dialogue, not only the tuning part")
    args = parser.parse_args(argv)
    raw = read_json(args.data)
    dialogues = multiwoz_dialogues(raw)
    chosen = dialogues if args.all else split_dialogues(dialogues, seed=args.seed)[0]
    count = export_multiwoz(raw, {d.id for d in chosen}, args.out)
    print(f"{count} user turns from {len(chosen)} dialogues written to {args.out}")


if __name__ == "__main__":
    main()
