"""The hotel scenarios and the data they read: the two specs (English on MultiWOZ's Cambridge hotels, Chinese on
CrossWOZ's Beijing hotels), the hotel database each reads hotel names from, and how guests name the hotels.

Everything a hotel assistant serves ships in the pack (`DATA_DIR`, with the data sets' licence notices): the
databases' source JSON, which the specs' `database.data` name relative to the YAML, and the trained
understander's weight tables (`luodi.packs.travel.trained`). The shared data folder is needed only to evaluate
and to rebuild the weights.

How to add a hotel scenario: write its YAML beside the others, name its database JSON in `database.data`
(relative to the YAML) and say how guests name its hotels in `nlu.names` (see `NameLexicon`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from luodi.dialogue.engine import LAST_REPLY as LAST_REPLY  # the state's extras key: the last reply's text
from luodi.dialogue.normalizers import NameMatcher
from luodi.dialogue.records import spec_data_file
from luodi.dialogue.spec import EntitySpec, PackNluKeys, ScenarioSpec, SlotSpec, TaskSpec, load_scenario

PACK_DIR = Path(__file__).parent
DATA_DIR = PACK_DIR / "data"
SHIPPED_DATABASES = {"en": DATA_DIR / "multiwoz_hotel_db.json", "zh": DATA_DIR / "crosswoz_hotel_db.json"}
SPEC_FILES = {"en": PACK_DIR / "hotel_en.yaml", "zh": PACK_DIR / "hotel_zh.yaml"}


class HotelNluKeys(PackNluKeys):
    """The travel pack's own key of a spec's `nlu:` section."""

    database: str | None = None  # the hotel database the names come from, relative to the YAML


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
        names = spec.nlu.names
        return cls(
            generic_words=tuple(names.generic_words),
            ambiguous_short_names=tuple(names.ambiguous_short_names),
            aliases=tuple(sorted(names.aliases.items())),
        )


def language_of(spec: ScenarioSpec) -> str:
    return "zh" if "名称" in spec.slots or spec.languages[:1] == ["zh"] else "en"


def name_slot_of(spec: ScenarioSpec) -> str:
    return "名称" if "名称" in spec.slots else "name"


def database_path(spec: ScenarioSpec, explicit: str | Path | None = None) -> Path | None:
    """The hotel database the names come from: given, named by the scenario (`nlu.database`, relative to the
    YAML), the scenario's database data file (`database.data`, beside the YAML first, then in the shared data
    folder), else the database of the scenario's language shipped with the pack."""
    if explicit:
        return Path(explicit)
    named = spec.nlu.pack_keys(HotelNluKeys).database
    if named and spec.source is not None:
        return Path(spec.source).parent / named
    if spec.database.data and (bound := spec_data_file(spec)).is_file():
        return bound
    shipped = SHIPPED_DATABASES[language_of(spec)]
    return shipped if shipped.is_file() else None


@lru_cache(maxsize=8)
def english_names(path: Path | None, lexicon: NameLexicon = NameLexicon()) -> NameMatcher:
    names = [record["name"] for record in json.loads(path.read_text(encoding="utf-8"))] if path else []
    aliases = {alias: name for alias, name in lexicon.aliases if name in names}
    return NameMatcher(names, aliases, generic_words=lexicon.generic_words, ambiguous=lexicon.ambiguous_short_names)


def default_spec(language: str = "en") -> ScenarioSpec:
    """The scenario YAML of the hotel assistant when it exists, else the same slots and tasks built here (so the
    understanders and the evaluation run before and without the YAML)."""
    yaml_path = SPEC_FILES["zh" if language == "zh" else "en"]
    return load_scenario(yaml_path) if yaml_path.exists() else _built_in_spec(language)


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
            "book_hotel": TaskSpec(action="book", slots=["name", "day", "people", "stay"], confirm=True),
            "hotel_details": TaskSpec(action="details", slots=["name"]),
        },
        default_task="search_hotel",
    )
