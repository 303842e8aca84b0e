"""NLU training data from a scenario: its annotated example utterances, and more generated from them.

A scenario YAML file describes its understanding task under an `nlu` key:

```yaml
nlu:
  model: models/warehouse-nlu    # optional: the trained understander serving this scenario (see
                                 # luodi.nlu.understander.scenario_understander)
  intents:                       # intent -> example utterances; [text](slot) marks a slot value
    reserve_part:
      - reserve [the acorn brake pad](part) for [friday](pickup_day)
    search_parts:
      - i want [brakes](category) in [chengdu](site)
  slot_values:                   # slot -> values to put into the examples when generating
    pickup_day: [monday, tuesday, friday]
    part: {table: parts.json, column: name}   # a JSON list of records or a CSV file,
                                              # path relative to the YAML file
  multi_intent:                  # optional: how generated utterances combine several intents
    share: 0.5                   # fraction of generated utterances with more than one intent
    max_intents: 2
    joiners: ["and", "and also", "then"]
```

Generation takes an example of an intent, replaces each marked value by a random value of the same slot (a
slot without a value list keeps the example's value), and for multi-intent utterances joins two or more such
utterances of different intents. Tokens are split on whitespace, as in the seq.in format.

The section is read as a `luodi.dialogue.spec.NluSpec` (the keys above, typed); a wrongly typed key is an
`NluDataError` naming it.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from luodi.dialogue.spec import NluSpec, TableValuesSpec
from luodi.nlu.data import OUTSIDE, NluDataError, NluExample

_ANNOTATION = re.compile(r"\[([^\[\]]+)\]\(([^()\s]+)\)")


@dataclass(frozen=True)
class Segment:
    """A piece of an example utterance: plain words (slot None) or one slot value."""

    text: str
    slot: str | None = None


@dataclass(frozen=True)
class Template:
    intent: str
    segments: tuple[Segment, ...]


def parse_annotated(utterance: str, where: str = "") -> tuple[Segment, ...]:
    """`reserve [the acorn](part) now` -> plain, slot and plain segments."""
    segments: list[Segment] = []
    position = 0
    for match in _ANNOTATION.finditer(utterance):
        segments.append(Segment(utterance[position : match.start()]))
        segments.append(Segment(match.group(1), match.group(2)))
        position = match.end()
    segments.append(Segment(utterance[position:]))
    kept = tuple(s for s in segments if s.text.strip())
    if any(ch in s.text for s in kept if s.slot is None for ch in "[]"):
        raise NluDataError(f"{where}: malformed slot annotation in {utterance!r} (use [value](slot))")
    return kept


def to_example(segments: Sequence[Segment], intents: Sequence[str]) -> NluExample:
    tokens: list[str] = []
    tags: list[str] = []
    for segment in segments:
        words = segment.text.split()
        tokens.extend(words)
        if segment.slot is None:
            tags.extend([OUTSIDE] * len(words))
        else:
            tags.extend([f"B-{segment.slot}"] + [f"I-{segment.slot}"] * (len(words) - 1))
    return NluExample(tuple(tokens), tuple(tags), tuple(sorted(set(intents))))


def _table_values(path: Path, column: str) -> list[str]:
    """Distinct non-empty scalar values of a column of a JSON list of records or a CSV file."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            records: list[dict[str, Any]] = list(csv.DictReader(handle))
    else:
        loaded = json.loads(path.read_text(encoding="utf-8"))
        records = loaded if isinstance(loaded, list) else []
    values = [r.get(column) for r in records if isinstance(r, dict)]
    return sorted({str(v).strip() for v in values if isinstance(v, str | int | float) and str(v).strip()})


@dataclass(frozen=True)
class MultiIntentStyle:
    share: float = 0.5
    max_intents: int = 2
    joiners: tuple[str, ...] = ("and", "and also", "then")


@dataclass
class ScenarioNlu:
    source: Path
    templates: list[Template]
    slot_values: dict[str, list[str]] = field(default_factory=dict)
    multi_intent: MultiIntentStyle = field(default_factory=MultiIntentStyle)

    @property
    def intents(self) -> list[str]:
        return sorted({t.intent for t in self.templates})

    def labelled_examples(self) -> Iterator[NluExample]:
        """The scenario's own annotated examples, as written."""
        for template in self.templates:
            yield to_example(template.segments, [template.intent])

    def _fill(self, template: Template, rng: random.Random) -> list[Segment]:
        filled = []
        for segment in template.segments:
            values = self.slot_values.get(segment.slot or "")
            filled.append(Segment(rng.choice(values), segment.slot) if values else segment)
        return filled

    def _by_intent(self) -> dict[str, list[Template]]:
        grouped: dict[str, list[Template]] = {}
        for template in self.templates:
            grouped.setdefault(template.intent, []).append(template)
        return grouped

    def generate(self, count: int, seed: int) -> list[NluExample]:
        """`count` new utterances; intents are drawn uniformly so that rare intents are not drowned."""
        rng = random.Random(seed)
        by_intent = self._by_intent()
        intents = sorted(by_intent)
        style = self.multi_intent
        generated = []
        for _ in range(count):
            several = len(intents) > 1 and style.max_intents > 1 and rng.random() < style.share
            size = rng.randint(2, min(style.max_intents, len(intents))) if several else 1
            chosen = rng.sample(intents, size)
            segments: list[Segment] = []
            for position, intent in enumerate(chosen):
                if position:
                    segments.append(Segment(rng.choice(style.joiners)))
                segments.extend(self._fill(rng.choice(by_intent[intent]), rng))
            generated.append(to_example(segments, chosen))
        return generated


def _slot_values(spec: Mapping[str, list[str] | TableValuesSpec], base: Path, where: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for slot, source in spec.items():
        if isinstance(source, TableValuesSpec):
            table = base / source.table
            if not table.is_file():
                raise NluDataError(f"{where}: slot {slot!r}: table file {table} not found")
            values[slot] = _table_values(table, source.column)
        else:
            values[slot] = [v for v in source if v.strip()]
    return values


def load_scenario_nlu(path: str | Path) -> ScenarioNlu:
    path = Path(path)
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    raw = spec.get("nlu") if isinstance(spec, dict) else None
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), dict):
        raise NluDataError(f"{path}: needs an `nlu.intents` mapping of intent -> example utterances")
    try:
        nlu = NluSpec.model_validate(raw)
    except ValidationError as exc:
        raise NluDataError(f"{path}: {exc}") from exc
    templates = [
        Template(intent, parse_annotated(utterance, f"{path}: intent {intent!r}"))
        for intent, utterances in nlu.intents.items()
        for utterance in utterances
    ]
    if not templates:
        raise NluDataError(f"{path}: no example utterances under nlu.intents")
    style = nlu.multi_intent
    multi = MultiIntentStyle(share=style.share, max_intents=style.max_intents, joiners=tuple(style.joiners))
    return ScenarioNlu(path, templates, _slot_values(nlu.slot_values, path.parent, str(path)), multi)


@dataclass(frozen=True)
class MixReport:
    general: int
    industry_own: int
    industry_generated: int
    requested_industry_share: float

    @property
    def total(self) -> int:
        return self.general + self.industry_own + self.industry_generated

    @property
    def industry_share(self) -> float:
        return (self.industry_own + self.industry_generated) / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "general": self.general, "industry_own": self.industry_own,
            "industry_generated": self.industry_generated, "total": self.total,
            "requested_industry_share": self.requested_industry_share, "industry_share": self.industry_share,
        }

    def summary(self) -> str:
        return (
            f"training mix: {self.general} general ({1 - self.industry_share:.1%}) + "
            f"{self.industry_own + self.industry_generated} industry ({self.industry_share:.1%}: "
            f"{self.industry_own} scenario examples, {self.industry_generated} generated); "
            f"requested industry share {self.requested_industry_share:.0%}"
        )


def mix_examples(
    general: Sequence[NluExample], scenario: ScenarioNlu, industry_share: float, seed: int
) -> tuple[list[NluExample], MixReport]:
    """The general examples plus enough industry ones (scenario examples first, then generated) for the share.

    With G general examples and share s, the industry part has round(G * s / (1 - s)) utterances. If the
    scenario's own examples already exceed that, a seeded sample of them is used. The mix is shuffled.
    """
    if not 0.0 < industry_share < 1.0:
        raise ValueError(f"industry share must be between 0 and 1 (exclusive), got {industry_share}")
    if not general:
        raise ValueError("mixing needs general examples; without them train on the scenario alone")
    wanted = round(len(general) * industry_share / (1.0 - industry_share))
    rng = random.Random(seed)
    own = list(scenario.labelled_examples())
    own = rng.sample(own, wanted) if len(own) > wanted else own
    generated = scenario.generate(wanted - len(own), seed)
    mixed = [*general, *own, *generated]
    rng.shuffle(mixed)
    return mixed, MixReport(len(general), len(own), len(generated), industry_share)


def scenario_training_set(scenario: ScenarioNlu, generated: int, seed: int) -> list[NluExample]:
    """Scenario-only training data: its own examples plus `generated` new utterances."""
    return [*scenario.labelled_examples(), *scenario.generate(generated, seed)]
