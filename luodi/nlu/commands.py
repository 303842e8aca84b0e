"""The NLU command adapter: a trained joint NLU model read as task-stack commands (Rasa CALM's NLUCommandAdapter).

The contract: `NluCommandAdapter(spec, model).understand(message, state) -> list[Command]` runs the model once on
the message (`model.understand(text) -> NluResult`, e.g. a `luodi.nlu.understander.TrainedUnderstander`) and
turns what it predicted into commands for `luodi.dialogue.engine.ScenarioEngine`:
- each predicted intent -> `StartTask(task)`, by the spec's `nlu.intent_tasks` mapping, else the task named like
  the intent; or -> one of the argument-free commands `affirm`, `deny`, `cancel_task`, `hand_off`, by
  `nlu.intent_commands`, else the command kind named like the intent. An intent mapped to nothing is ignored.
- each slot span -> `SetSlot(slot, value)`: the span label is mapped to a spec slot by `nlu.slots`, else the slot
  of the same name; its text is normalized for the slot's type (`luodi.dialogue.normalizers`: dates, integers
  within the slot's bounds, numbers and ranges, categories with their synonyms, booleans with
  `luodi/dialogue/boolean_words.yaml`). A value the normalizers reject is dropped, so the engine asks for it instead of
  refusing it; of several spans of one slot the first valid one counts. An entity name is resolved against the
  known names (the spec's `nlu.slot_values` for the entity slot, with the `nlu.names` aliases); a name they do
  not match is passed on as said, for the engine to look up in the business records (which may hold more names
  than the examples) and to say so when it finds none.
The adapter never changes the state and returns `[]` for a message it cannot read. Corrections ("no, the 11th")
are not read: a new value of a filled slot arrives as a `SetSlot`, which overwrites it.

How to use it: a new slot-filling scenario needs only its spec YAML and NLU examples, no pack and no Python.

```yaml
nlu:
  understander: nlu                      # this adapter (built in; a pack registering "nlu" overrides it)
  model: models/restaurant-nlu           # the trained model directory, relative to this file; an assistant's
                                         # `options: {model: DIR}` overrides it
  intent_tasks: {find_restaurant: search_restaurant}   # intent -> task; default: the task named like it
  intent_commands: {yes_please: affirm}  # intent -> affirm | deny | cancel_task | hand_off
  slots: {price: pricerange}             # span label -> slot; default: the slot of the same name
  names: {aliases: {olive: the olive tree}, generic_words: [restaurant]}   # optional, for entity names
  intents: {...}                         # the examples and values the model is trained on
  slot_values: {...}                     # (see luodi.nlu.scenario_data)
```

Train the model with `luodi train nlu --from-scenario spec.yaml --out models/restaurant-nlu`, then name the spec
in an assistant (`kind: scenario, options: {scenario: path/to/spec.yaml}`): `luodi.assistants.scenario` builds
the adapter with `nlu_understander` (an `UnderstanderFactory`). In code:
`NluCommandAdapter(spec, TrainedUnderstander.load(directory))`. This module does not import torch; only
`nlu_understander` loads the model, once per process and directory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from luodi.dialogue.commands import Affirm, CancelTask, Command, Deny, HandOff, SetSlot, StartTask
from luodi.dialogue.normalizers import NameMatcher, normalize_count, normalize_day, normalize_rating
from luodi.dialogue.replies import BooleanWords, boolean_words
from luodi.dialogue.spec import ScenarioError, ScenarioSpec, SlotSpec
from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import UnderstanderSetup

if TYPE_CHECKING:
    from luodi.nlu.understander import NluResult

ArgumentFreeCommand = Affirm | Deny | CancelTask | HandOff
INTENT_COMMANDS: dict[str, Callable[[], ArgumentFreeCommand]] = {
    "affirm": Affirm, "deny": Deny, "cancel_task": CancelTask, "hand_off": HandOff,
}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class NluModel(Protocol):
    """What the adapter reads: one utterance to its intents and slot spans."""

    def understand(self, text: str) -> NluResult: ...


# ---------------------------------------------------------------- the spec's mapping


@dataclass(frozen=True)
class NluMapping:
    """How a model's intents and span labels name the spec's tasks, commands and slots (from `nlu:` in YAML)."""

    intent_tasks: Mapping[str, str | None]
    intent_commands: Mapping[str, str | None]
    span_slots: Mapping[str, str | None]

    @classmethod
    def of(cls, spec: ScenarioSpec) -> NluMapping:
        nlu = spec.nlu
        mapping = cls(intent_tasks=nlu.intent_tasks, intent_commands=nlu.intent_commands, span_slots=nlu.slots)
        mapping.check(spec)
        return mapping

    def check(self, spec: ScenarioSpec) -> None:
        """A mapping to a task, command or slot the spec does not have is refused when the scenario loads."""
        problems = [
            *(f"intent {i!r} -> unknown task {t!r}" for i, t in self.intent_tasks.items() if t and t not in spec.tasks),
            *(f"intent {i!r} -> unknown command {c!r} (one of {', '.join(INTENT_COMMANDS)})"
              for i, c in self.intent_commands.items() if c and c not in INTENT_COMMANDS),
            *(f"span {s!r} -> unknown slot {t!r}" for s, t in self.span_slots.items() if t and t not in spec.slots),
        ]
        if problems:
            raise ScenarioError(f"scenario {spec.name!r}, nlu mapping: {'; '.join(problems)}")

    def task_of(self, intent: str, spec: ScenarioSpec) -> str | None:
        if intent in self.intent_tasks:
            return self.intent_tasks[intent]
        return intent if intent in spec.tasks and intent not in self.intent_commands else None

    def command_of(self, intent: str) -> ArgumentFreeCommand | None:
        kind = self.intent_commands.get(intent, intent)
        make = INTENT_COMMANDS.get(kind or "") if intent not in self.intent_tasks else None
        return make() if make else None

    def slot_of(self, label: str, spec: ScenarioSpec) -> str | None:
        if label in self.span_slots:
            return self.span_slots[label]
        return label if label in spec.slots else None


# ---------------------------------------------------------------- values


def _phrase(text: str) -> str:
    return " ".join(text.lower().split())


def _canonical(slot: SlotSpec, phrase: str) -> str:
    """The slot's canonical value for a phrase its synonyms list ("budget" -> "cheap"), else the phrase."""
    synonyms = {_phrase(surface): _phrase(canonical) for surface, canonical in slot.synonyms.items()}
    return synonyms.get(phrase, phrase)


def normalize_category(slot: SlotSpec, text: str) -> str | None:
    """A synonym's canonical value, or the text itself; with a value list, only one of the values."""
    value = _canonical(slot, _phrase(text))
    if not slot.values:
        return value or None
    return next((v for v in slot.values if v.lower() == value.lower()), None)


def normalize_boolean(slot: SlotSpec, text: str, words: BooleanWords) -> str | None:
    """"yes" or "no": the whole span first (a slot synonym, then a yes/no word), else its words, "no" winning."""
    def answer(phrase: str) -> str | None:
        phrase = _canonical(slot, phrase)
        return "yes" if phrase in words.yes else "no" if phrase in words.no else None

    whole = answer(_phrase(text))
    if whole is not None:
        return whole
    answers = {answer(word) for word in _phrase(text).split()}
    return "no" if "no" in answers else "yes" if "yes" in answers else None


def normalize_integer(slot: SlotSpec, text: str) -> str | None:
    """A whole number within the slot's bounds ("two" -> "2", "4 people" -> "4")."""
    minimum = int(slot.minimum) if slot.minimum is not None else 0
    maximum = int(slot.maximum) if slot.maximum is not None else 10**12
    return normalize_count(_canonical(slot, _phrase(text)), minimum, maximum)


def normalize_number(slot: SlotSpec, text: str) -> str | None:
    """A number within the slot's bounds; for a range slot a condition such as "400-500", ">4.5" or "<100"."""
    if slot.match == "range":
        return normalize_rating(text)
    found = _NUMBER.search(text)
    if found is None:
        return None
    number = float(found.group())
    if slot.minimum is not None and number < slot.minimum or slot.maximum is not None and number > slot.maximum:
        return None
    return found.group()


# ---------------------------------------------------------------- the adapter


class NluCommandAdapter:
    """A trained NLU model behind the `Understander` protocol: intents and slot spans to task-stack commands."""

    def __init__(
        self, spec: ScenarioSpec, model: NluModel, names: Sequence[str] = (), today: date | None = None
    ) -> None:
        self.spec = spec
        self.model = model
        self.mapping = NluMapping.of(spec)
        self.today = today
        self.booleans = boolean_words()
        self.names = entity_matcher(spec, names) if names else None

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        if not message.strip():
            return []
        return self.commands(self.model.understand(message))

    def commands(self, result: NluResult) -> list[Command]:
        """Tasks started, then argument-free commands, then slot values, each at most once."""
        commands: list[Command] = []
        for intent in result.intents:
            task = self.mapping.task_of(intent, self.spec)
            command = StartTask(task=task) if task else self.mapping.command_of(intent)
            if command is not None and command not in commands:
                commands.append(command)
        commands.sort(key=lambda c: not isinstance(c, StartTask))
        return [*commands, *self.slot_commands(result)]

    def slot_commands(self, result: NluResult) -> list[SetSlot]:
        filled: dict[str, SetSlot] = {}
        for span in result.slots:
            slot = self.mapping.slot_of(span.slot, self.spec)
            if slot is None or slot in filled:
                continue
            value = self.normalize(slot, span.text)
            if value is not None:
                filled[slot] = SetSlot(slot=slot, value=value)
        return list(filled.values())

    def normalize(self, slot: str, text: str) -> str | None:
        """The slot's canonical value for a span's text, or None when the text does not justify one."""
        spec = self.spec.slots[slot]
        if spec.match == "range":
            return normalize_number(spec, text)
        normalizers: dict[str, Callable[[], str | None]] = {
            "category": lambda: normalize_category(spec, text),
            "boolean": lambda: normalize_boolean(spec, text, self.booleans),
            "integer": lambda: normalize_integer(spec, text),
            "number": lambda: normalize_number(spec, text),
            "date": lambda: normalize_day(text, self.today),
            "entity": lambda: self._entity(text),
        }
        normalizer = normalizers.get(spec.type)
        return normalizer() if normalizer else (text.strip() or None)

    def _entity(self, text: str) -> str | None:
        matched = self.names.match(text) if self.names else None
        return matched or text.strip() or None


def entity_matcher(spec: ScenarioSpec, names: Sequence[str]) -> NameMatcher:
    """Fuzzy matching to the known names, with the spec's `nlu.names` (aliases, generic_words,
    ambiguous_short_names: the shape the travel pack's specs use)."""
    lexicon = spec.nlu.names
    aliases = {alias: name for alias, name in lexicon.aliases.items() if name in names}
    return NameMatcher(names, aliases, generic_words=lexicon.generic_words, ambiguous=lexicon.ambiguous_short_names)


# ---------------------------------------------------------------- the factory


def known_names(spec: ScenarioSpec) -> list[str]:
    """The entity names the spec's NLU examples draw from (`nlu.slot_values` of the labels of the entity slot)."""
    entity_slot = spec.entity_slot
    if entity_slot is None or spec.source is None or not spec.nlu.intents:
        return []
    from luodi.nlu.scenario_data import load_scenario_nlu

    mapping = NluMapping.of(spec)
    values = load_scenario_nlu(spec.source).slot_values
    return [name for label, names in values.items() if mapping.slot_of(label, spec) == entity_slot for name in names]


def model_directory(spec: ScenarioSpec, setup: UnderstanderSetup) -> Path:
    """The assistant's `model` option as given, else the spec's `nlu.model` relative to the spec file."""
    if setup.model:
        return Path(setup.model)
    named = spec.nlu.model
    if not named:
        raise ScenarioError(f"scenario {spec.name!r} names no trained model: give nlu.model in its YAML or the "
                            "assistant's options.model")
    return (spec.source.parent if spec.source else Path.cwd()) / named


def nlu_understander(spec: ScenarioSpec, setup: UnderstanderSetup) -> NluCommandAdapter:
    """The `UnderstanderFactory` a spec gets with `nlu: {understander: nlu}` (`setup.kind` is not used)."""
    directory = model_directory(spec, setup)
    if not directory.is_dir():
        raise ScenarioError(f"scenario {spec.name!r}: trained model directory {directory} does not exist (train "
                            f"one with `luodi train nlu --from-scenario <spec.yaml> --out {directory}`)")
    from luodi.nlu.understander import understander_for

    return NluCommandAdapter(spec, understander_for(directory), names=known_names(spec))
