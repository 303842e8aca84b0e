"""Hotel understanders, English (MultiWOZ) and Chinese (CrossWOZ), behind the `Understander` protocol.

`build_understander(spec, kind)` is what the engine calls:

- "rules": lexicon + normalizers; no model, thousands of turns per second, the fallback when nothing is trained.
- "trained": the lexicon proposes slot values, per-slot models trained on real dialogues decide which the user
  meant (`luodi.packs.travel.trained`); a model file, or trained on first use from the shared dialogues;
  "rules" when there is neither.
- "llm": the base model with a JSON schema (`luodi.packs.travel.llm`); slow, measured on samples.

Context the understanders read from the state besides the slots: `state.shown` (entity names the last reply
showed, so "book it" means the first of them) and `state.extras["last_reply"]` (the text of the last reply,
so a bare "4" or "no preference" answers the question it asked). The engine fills both when it replies.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from luodi.config import shared_data_dir
from luodi.dialogue.commands import Command
from luodi.dialogue.normalizers import NameMatcher
from luodi.dialogue.spec import EntitySpec, ScenarioSpec, SlotSpec, TaskSpec
from luodi.dialogue.state import DialogueState
from luodi.packs.travel.lexicon_en import EnglishHotelLexicon
from luodi.packs.travel.lexicon_zh import ChineseHotelLexicon
from luodi.packs.travel.reading import Reading, commands_for

UnderstanderKind = Literal["trained", "llm", "rules"]
LAST_REPLY = "last_reply"
SHARED_DATA = shared_data_dir()


@dataclass(frozen=True)
class NameLexicon:
    """How users name the scenario's entities, from its YAML (`nlu.names`): words that are not part of a name's
    distinctive core, short forms too common to count as a name, and known aliases. Data, not code, so that
    another scenario brings its own."""

    generic_words: tuple[str, ...] = ()
    ambiguous_short_names: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, spec: ScenarioSpec) -> NameLexicon:
        names = spec.nlu.get("names") or {}
        return cls(
            generic_words=tuple(names.get("generic_words", ())),
            ambiguous_short_names=tuple(names.get("ambiguous_short_names", ())),
            aliases=tuple(sorted((names.get("aliases") or {}).items())),
        )


def language_of(spec: ScenarioSpec) -> str:
    return "zh" if "名称" in spec.slots or spec.languages[:1] == ["zh"] else "en"


def name_slot_of(spec: ScenarioSpec) -> str:
    return "名称" if "名称" in spec.slots else "name"


class RulesUnderstander:
    """Lexicon and normalizers only: deterministic, no model, the fallback for every language."""

    def __init__(self, spec: ScenarioSpec, database: str | Path | None = None):
        self.spec = spec
        self.language = language_of(spec)
        self.name_slot = name_slot_of(spec)
        self.reader: EnglishHotelLexicon | ChineseHotelLexicon = (
            ChineseHotelLexicon.from_database(database_path(spec, database))
            if self.language == "zh"
            else EnglishHotelLexicon(english_names(database_path(spec, database), NameLexicon.of(spec)))
        )

    def read(self, message: str, state: DialogueState) -> Reading:
        return self.reader.read(message or "", str(state.extras.get(LAST_REPLY, "")))

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        return commands_for(self.read(message, state), state, self.spec, self.name_slot)


def build_understander(
    spec: ScenarioSpec,
    kind: UnderstanderKind = "rules",
    model: str | Path | None = None,
    database: str | Path | None = None,
    **options: Any,
) -> Any:
    """The understander of a hotel scenario; "trained" without a model file or data to train one is rules."""
    if kind == "rules":
        return RulesUnderstander(spec, database)
    if kind == "trained":
        from luodi.packs.travel.trained import TrainedHotelUnderstander

        return TrainedHotelUnderstander.create(spec, model, database)
    if kind == "llm":
        from luodi.packs.travel.llm import LlmHotelUnderstander

        return LlmHotelUnderstander(spec, RulesUnderstander(spec, database), **options)
    raise ValueError(f"unknown understander kind {kind!r}: use trained, llm or rules")


def database_path(spec: ScenarioSpec, explicit: str | Path | None = None) -> Path | None:
    """The hotel database the names come from: given, named by the scenario (`nlu.database`, relative to the
    YAML), the scenario's database data file (`database.data` under the shared data folder), else the shared
    MultiWOZ / CrossWOZ file beside the repository."""
    if explicit:
        return Path(explicit)
    named = spec.nlu.get("database")
    if named and spec.source is not None:
        return Path(spec.source).parent / str(named)
    if spec.database.data:
        from luodi.config import shared_data_dir

        bound = shared_data_dir() / spec.database.data
        if bound.exists():
            return bound
    shared = SHARED_DATA / ("crosswoz" if language_of(spec) == "zh" else "multiwoz") / "hotel_db.json"
    return shared if shared.exists() else None


@lru_cache(maxsize=8)
def english_names(path: Path | None, lexicon: NameLexicon = NameLexicon()) -> NameMatcher:
    names = [record["name"] for record in json.loads(path.read_text(encoding="utf-8"))] if path else []
    aliases = {alias: name for alias, name in lexicon.aliases if name in names}
    return NameMatcher(names, aliases, generic_words=lexicon.generic_words, ambiguous=lexicon.ambiguous_short_names)


def default_spec(language: str = "en") -> ScenarioSpec:
    """The scenario YAML of the hotel assistant when it exists, else the same slots and tasks built here (so the
    understanders and the evaluation run before and without the YAML)."""
    yaml_path = Path(__file__).with_name("hotel_zh.yaml" if language == "zh" else "hotel_en.yaml")
    if yaml_path.exists():
        from luodi.dialogue.spec import load_scenario

        return load_scenario(yaml_path)
    return _built_in_spec(language)


def _built_in_spec(language: str) -> ScenarioSpec:
    if language == "zh":
        slots = {
            name: SlotSpec(type="text")
            for name in ("名称", "酒店类型", "价格", "评分", "酒店设施", "周边景点", "周边餐馆")
        }
        slots["名称"] = SlotSpec(type="entity")
        return ScenarioSpec(
            name="hotel_zh",
            languages=["zh"],
            entity=EntitySpec(table="hotels", name_column="名称"),
            slots=slots,
            tasks={
                "search_hotel": TaskSpec(action="search", slots=list(slots)),
                "hotel_details": TaskSpec(action="details", slots=["名称"]),
            },
            default_task="search_hotel",
        )
    search = ["name", "area", "pricerange", "stars", "type", "parking", "internet"]
    slots = {name: SlotSpec(type="category") for name in search}
    slots["name"] = SlotSpec(type="entity")
    slots.update(
        {
            "day": SlotSpec(type="date"),
            "people": SlotSpec(type="integer", minimum=1, maximum=30),
            "stay": SlotSpec(type="integer", minimum=1, maximum=30),
        }
    )
    return ScenarioSpec(
        name="hotel",
        languages=["en"],
        entity=EntitySpec(table="hotels"),
        slots=slots,
        tasks={
            "search_hotel": TaskSpec(action="search", slots=search),
            "book_hotel": TaskSpec(action="book", slots=["name", "day", "people", "stay"], side_effect=True),
            "hotel_details": TaskSpec(action="details", slots=["name"]),
        },
        default_task="search_hotel",
    )
