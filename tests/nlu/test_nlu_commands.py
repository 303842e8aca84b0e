"""The NLU command adapter: predicted intents and slot spans to task-stack commands, on fake predictions and on a
tiny joint model trained in seconds on a restaurant scenario's examples, driving the engine from text to replies."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

from luodi.assistants.components import Components
from luodi.assistants.scenario import task_stack_scenario
from luodi.dialogue.commands import Affirm, Command, SetSlot, StartTask
from luodi.dialogue.scenario import ScenarioSetup
from luodi.dialogue.spec import NluSpec, ScenarioError, ScenarioSpec, load_scenario
from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import UnderstanderSetup
from luodi.models.base import BaseModelBackend
from luodi.nlu.commands import NluCommandAdapter, known_names, model_directory, nlu_understander
from luodi.nlu.understander import NluResult, SlotSpan

DATA = Path(__file__).parent / "data"
SPEC_FILE = DATA / "restaurant_scenario.yaml"
TODAY = date(2026, 3, 4)  # a Wednesday


class FakeModel:
    """Answers every utterance with one prepared prediction, and remembers what it was asked."""

    def __init__(self, result: NluResult) -> None:
        self.result = result
        self.asked: list[str] = []

    def understand(self, text: str) -> NluResult:
        self.asked.append(text)
        return self.result


def predicted(intents: tuple[str, ...] = (), spans: tuple[tuple[str, str], ...] = ()) -> NluResult:
    """A prediction with the given intents and (label, text) spans, laid out one after another."""
    tokens: list[str] = []
    slots = []
    for label, text in spans:
        words = text.split()
        slots.append(SlotSpan(label, len(tokens), len(tokens) + len(words), text))
        tokens.extend(words)
    tags = tuple(f"{'B' if i == s.start else 'I'}-{s.slot}" for s in slots for i in range(s.start, s.end))
    return NluResult(tuple(tokens), intents, tags, tuple(slots))


@pytest.fixture(scope="module")
def spec() -> ScenarioSpec:
    return load_scenario(SPEC_FILE)


def commands_for(spec: ScenarioSpec, result: NluResult) -> list[Command]:
    adapter = NluCommandAdapter(spec, FakeModel(result), names=known_names(spec), today=TODAY)
    return adapter.understand("(the fake model ignores the text)", DialogueState(scenario=spec.name))


def test_intents_start_the_mapped_or_same_named_task_and_argument_free_commands(spec: ScenarioSpec) -> None:
    assert commands_for(spec, predicted(("find_restaurant",))) == [StartTask(task="search_restaurant")]
    assert commands_for(spec, predicted(("book_table",))) == [StartTask(task="book_table")]
    assert commands_for(spec, predicted(("yes_please",))) == [Affirm()]
    assert commands_for(spec, predicted(("greet",))) == []  # an intent that names nothing the spec has
    both = commands_for(spec, predicted(("yes_please", "restaurant_details")))
    assert both == [StartTask(task="restaurant_details"), Affirm()]  # tasks first


def test_spans_become_slot_values_normalized_for_their_type(spec: ScenarioSpec) -> None:
    spans = (
        ("price", "Budget"), ("cuisine", "italian"), ("area", "city centre"), ("outdoor", "outdoor seating"),
        ("day", "next friday"), ("people", "four"), ("name", "olive tree"),
    )
    assert commands_for(spec, predicted(("find_restaurant",), spans)) == [
        StartTask(task="search_restaurant"),
        SetSlot(slot="pricerange", value="cheap"),  # span label mapped by nlu.slots, synonym to its value
        SetSlot(slot="food", value="italian"),
        SetSlot(slot="area", value="centre"),
        SetSlot(slot="outdoor", value="yes"),
        SetSlot(slot="day", value="2026-03-13"),
        SetSlot(slot="people", value="4"),
        SetSlot(slot="name", value="the olive tree"),  # resolved against the names the examples draw from
    ]
    assert commands_for(spec, predicted(spans=(("day", "Saturday"), ("outdoor", "no terrace")))) == [
        SetSlot(slot="day", value="saturday"), SetSlot(slot="outdoor", value="no"),
    ]


def test_values_the_normalizers_reject_are_dropped_so_the_engine_asks(spec: ScenarioSpec) -> None:
    rejected = (
        ("people", "forty"),  # above the slot's maximum of 12
        ("area", "east"),  # not one of the category's values
        ("day", "the 31st of february"),
        ("outdoor", "seating"),  # says neither yes nor no
        ("colour", "red"),  # a span label the spec has no slot for
    )
    assert commands_for(spec, predicted(("book_table",), rejected)) == [StartTask(task="book_table")]
    again = (("people", "0"), ("people", "3"), ("people", "5"))
    assert commands_for(spec, predicted(spans=again)) == [SetSlot(slot="people", value="3")]  # the first valid one


def test_an_unknown_entity_name_is_passed_on_for_the_engine_to_look_up(spec: ScenarioSpec) -> None:
    assert commands_for(spec, predicted(spans=(("name", "Le Petit Zinc"),))) == [
        SetSlot(slot="name", value="Le Petit Zinc")
    ]


def test_an_empty_message_is_not_sent_to_the_model(spec: ScenarioSpec) -> None:
    model = FakeModel(predicted(("find_restaurant",)))
    assert NluCommandAdapter(spec, model).understand("  ", DialogueState(scenario=spec.name)) == []
    assert model.asked == []


def test_a_mapping_to_what_the_spec_lacks_is_refused(spec: ScenarioSpec) -> None:
    for mapping in ({"intent_tasks": {"find": "find_taxi"}}, {"slots": {"price": "budget"}},
                    {"intent_commands": {"yes": "approve"}}):
        broken = spec.model_copy(update={"nlu": spec.nlu.model_copy(update=mapping)})
        with pytest.raises(ScenarioError, match="nlu mapping"):
            NluCommandAdapter(broken, FakeModel(predicted()))


def _no_base_model() -> BaseModelBackend:
    raise AssertionError("the NLU understander must not load the base model")


def test_the_model_directory_is_the_setup_s_else_the_spec_s_beside_its_file(spec: ScenarioSpec, tmp_path: Path) -> None:
    assert model_directory(spec, UnderstanderSetup("rules", _no_base_model, str(tmp_path))) == tmp_path
    beside = model_directory(spec, UnderstanderSetup("rules", _no_base_model))
    assert beside == DATA / "models" / "tiny-restaurants-nlu"
    with pytest.raises(ScenarioError, match="does not exist"):
        nlu_understander(spec, UnderstanderSetup("rules", _no_base_model))
    unnamed = spec.model_copy(update={"nlu": NluSpec(understander="nlu")})
    with pytest.raises(ScenarioError, match="names no trained model"):
        model_directory(unnamed, UnderstanderSetup("rules", _no_base_model))


# ---------------------------------------------------------------- end to end, with a trained model


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A joint model trained on the scenario's examples and 150 generated utterances: about 15 s on one thread."""
    from luodi.nlu.scenario_data import load_scenario_nlu, scenario_training_set
    from luodi.nlu.training import NluTrainer, TrainConfig

    scenario = load_scenario_nlu(SPEC_FILE)
    config = TrainConfig(epochs=3, batch_size=16, threads=1, seed=7, head_lr=5e-3, encoder_lr=2e-4,
                         warmup_fraction=0.1)
    out = tmp_path_factory.mktemp("restaurant-nlu")
    NluTrainer(scenario_training_set(scenario, 150, seed=1), list(scenario.labelled_examples()), out, config).fit()
    return out


def restaurant_database(path: Path) -> str:
    """The restaurants of `restaurants.csv` and an empty bookings table, in a SQLite file."""
    engine = create_engine(f"sqlite:///{path}")
    metadata = MetaData()
    text_columns = ("name", "area", "pricerange", "food", "phone", "outdoor")
    restaurants = Table("restaurants", metadata, Column("id", Integer, primary_key=True),
                        *(Column(name, String) for name in text_columns))
    Table("bookings", metadata, Column("id", Integer, primary_key=True), Column("reference", String),
          Column("conversation", String), Column("restaurant_id", Integer), Column("day", String),
          Column("people", Integer), Column("created_at", String))
    metadata.create_all(engine)
    with (DATA / "restaurants.csv").open(encoding="utf-8", newline="") as handle:
        rows = [{**row, "id": int(row["id"])} for row in csv.DictReader(handle)]
    with engine.begin() as connection:
        connection.execute(insert(restaurants), rows)
    engine.dispose()
    return f"sqlite:///{path}"


def test_a_spec_naming_the_nlu_understander_runs_from_text_to_replies(trained_model: Path, tmp_path: Path) -> None:
    setup = ScenarioSetup(assistant="restaurants", understander="rules", data_dir=tmp_path, base_model=_no_base_model,
                          model=str(trained_model), database=restaurant_database(tmp_path / "restaurants.db"))
    engine = task_stack_scenario(str(SPEC_FILE), setup, Components())  # no pack registers "nlu": the built-in
    assert isinstance(engine.understander, NluCommandAdapter)

    searched = engine.handle(engine.new_state(), "find me a budget chinese restaurant in the south", "turn-1")
    assert searched.commands == [
        StartTask(task="search_restaurant"), SetSlot(slot="pricerange", value="cheap"),
        SetSlot(slot="food", value="chinese"), SetSlot(slot="area", value="south"),
    ]
    assert searched.text.startswith("I found 1 restaurant (price range cheap, food chinese, area south).")
    assert "golden dragon (chinese, south, cheap)" in searched.text
    assert [e.id for e in searched.evidence] == ["restaurants:4"]

    booking = engine.handle(searched.state, "book a table at spice garden for saturday for 3 people", "turn-2")
    assert booking.text == "Shall I book a table at spice garden for 3 people on saturday?"
    done = engine.handle(booking.state, "yes please", "turn-3")
    assert done.commands == [Affirm()]
    assert done.text.startswith("Done: a table at spice garden for 3 people on saturday. Your reference is T")
    assert engine.database.record_count("bookings") == 1
