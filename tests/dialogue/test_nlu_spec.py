"""The `nlu:` section of a scenario spec: typed keys checked when the spec loads, a pack's own keys kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from luodi.dialogue.spec import PackNluKeys, ScenarioError, TableValuesSpec, load_scenario
from luodi.pack import scenario_path

SPEC = """
name: tiny
entity: {table: things}
slots: {thing: {type: entity}}
tasks: {find: {action: search, slots: [thing]}}
default_task: find
"""


class ShopWords(PackNluKeys):
    greetings: list[str]


def write_spec(tmp_path: Path, nlu: dict[str, object]) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SPEC + yaml.safe_dump({"nlu": nlu}), encoding="utf-8")
    return path


def test_the_known_keys_are_read_typed(tmp_path: Path) -> None:
    nlu = load_scenario(write_spec(tmp_path, {
        "understander": "nlu", "model": "models/tiny", "intent_tasks": {"look": "find", "chat": ""},
        "names": {"aliases": {"big one": "the big thing"}}, "intents": {"look": ["find [a cup](thing)"], "chat": None},
        "slot_values": {"thing": {"table": "things.csv", "column": "name"}, "count": [1, 2]},
    })).nlu
    assert (nlu.understander, nlu.model, nlu.intent_tasks) == ("nlu", "models/tiny", {"look": "find", "chat": None})
    assert nlu.names.aliases == {"big one": "the big thing"} and nlu.names.generic_words == []
    assert nlu.intents == {"look": ["find [a cup](thing)"], "chat": []}
    assert nlu.slot_values == {"thing": TableValuesSpec(table="things.csv", column="name"), "count": ["1", "2"]}
    assert nlu.multi_intent.max_intents == 2 and nlu.model_extra == {}


@pytest.mark.parametrize(("nlu", "key"), [
    ({"intent_tasks": ["find"]}, "nlu.intent_tasks"),
    ({"names": {"generic_words": "cup"}}, "nlu.names.generic_words"),
    ({"intents": {"look": "find a cup"}}, "nlu.intents.look"),
    ({"multi_intent": {"share": "half"}}, "nlu.multi_intent.share"),
    ({"slot_values": {"thing": {"table": "things.csv"}}}, "nlu.slot_values.thing"),
])
def test_a_wrongly_typed_known_key_fails_when_the_spec_loads_naming_it(
    tmp_path: Path, nlu: dict[str, object], key: str
) -> None:
    with pytest.raises(ScenarioError, match=rf"(?s)tiny\.yaml.*{re.escape(key)}"):
        load_scenario(write_spec(tmp_path, nlu))


def test_a_pack_s_own_keys_are_kept_and_read_as_its_model(tmp_path: Path) -> None:
    nlu = load_scenario(write_spec(tmp_path, {"understander": "shop", "greetings": ["hi", "hello"]})).nlu
    assert nlu.model_extra == {"greetings": ["hi", "hello"]}
    assert nlu.pack_keys(ShopWords).greetings == ["hi", "hello"]
    wrong = load_scenario(write_spec(tmp_path, {"understander": "shop", "greetings": {"hi": 1}})).nlu
    with pytest.raises(ScenarioError, match="greetings"):
        wrong.pack_keys(ShopWords)


def test_the_shipped_specs_keep_their_names_typed() -> None:
    names = load_scenario(scenario_path("travel/hotel_en.yaml")).nlu.names
    assert "hotel" in names.generic_words and names.aliases["gonville"] == "gonville hotel"
