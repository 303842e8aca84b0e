from pathlib import Path

import pytest

from luodi.nlu.data import NluDataError, NluExample, slot_spans
from luodi.nlu.scenario_data import load_scenario_nlu, mix_examples, parse_annotated, to_example

SCENARIO = Path(__file__).parent / "data" / "hotel_scenario.yaml"
HOTEL_NAMES = {
    "the acorn guest house", "alexander bed and breakfast", "allenbell", "autumn house", "the lensfield hotel",
    "worth house",
}


def test_annotated_utterance_becomes_bio_tags() -> None:
    example = to_example(parse_annotated("book [the acorn guest house](hotel_name) for [friday](book_day)"), ["b"])
    assert example.tokens == ("book", "the", "acorn", "guest", "house", "for", "friday")
    assert example.tags == ("O", "B-hotel_name", "I-hotel_name", "I-hotel_name", "I-hotel_name", "O", "B-book_day")
    assert example.intents == ("b",)


def test_malformed_annotation_is_reported() -> None:
    with pytest.raises(NluDataError, match="malformed slot annotation"):
        parse_annotated("book [the acorn(hotel_name) now", "x.yaml")


def test_scenario_examples_and_table_values_load() -> None:
    scenario = load_scenario_nlu(SCENARIO)
    assert scenario.intents == ["book_hotel", "find_hotel", "hotel_phone"]
    assert len(list(scenario.labelled_examples())) == 8
    assert set(scenario.slot_values["hotel_name"]) == HOTEL_NAMES
    assert scenario.slot_values["area"] == ["centre", "east", "north", "south"]


def test_generation_fills_slots_from_the_database_and_combines_intents() -> None:
    scenario = load_scenario_nlu(SCENARIO)
    generated = scenario.generate(200, seed=3)
    assert generated == scenario.generate(200, seed=3)  # seeded
    assert generated != scenario.generate(200, seed=4)
    names = {
        " ".join(e.tokens[s:t]) for e in generated for slot, s, t in slot_spans(e.tags) if slot == "hotel_name"
    }
    assert names <= HOTEL_NAMES and len(names) >= 4  # values come from the table, not only the examples
    several = [e for e in generated if len(e.intents) > 1]
    assert 0.35 < len(several) / len(generated) < 0.65  # the stated multi-intent share of 0.5
    assert all(len(e.tokens) == len(e.tags) for e in generated)


def test_mix_reaches_the_requested_share_and_reports_it() -> None:
    scenario = load_scenario_nlu(SCENARIO)
    general = [NluExample(("hello", "there"), ("O", "O"), ("greet",))] * 70
    mixed, report = mix_examples(general, scenario, industry_share=0.3, seed=0)
    assert len(mixed) == report.total == 100
    assert report.general == 70 and report.industry_own == 8 and report.industry_generated == 22
    assert report.industry_share == pytest.approx(0.3)
    assert "30.0%" in report.summary()
    with pytest.raises(ValueError):
        mix_examples(general, scenario, industry_share=1.0, seed=0)


def test_a_wrongly_typed_nlu_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("nlu:\n  intents: {look: [find a cup]}\n  multi_intent: {max_intents: many}\n", encoding="utf-8")
    with pytest.raises(NluDataError, match=r"(?s)broken\.yaml.*multi_intent\.max_intents"):
        load_scenario_nlu(path)
