import pytest

from luodi.config import shared_data_dir
from luodi.dialogue.commands import AskEntity, CancelTask, CorrectSlot, HandOff, SetSlot, StartTask
from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands
from luodi.packs.travel.specs import LAST_REPLY, default_spec
from luodi.packs.travel.understanding import build_understander

SHARED = shared_data_dir()
needs_data = pytest.mark.skipif(not (SHARED / "multiwoz" / "hotel_db.json").exists(), reason="shared data missing")


@pytest.fixture(scope="module")
def english():
    spec = default_spec("en")
    return spec, build_understander(spec, "rules")


@pytest.fixture(scope="module")
def chinese():
    spec = default_spec("zh")
    return spec, build_understander(spec, "rules")


def _say(spec, understander, messages, reply=""):
    state = DialogueState(scenario=spec.name)
    for message in messages:
        state.extras[LAST_REPLY] = reply
        state = apply_commands(state, understander.understand(message, state), spec)
    return state


@needs_data
def test_several_requests_in_one_message(english) -> None:
    spec, understander = english
    commands = understander.understand(
        "find me a cheap guesthouse in the north and also tell me if the Acorn has parking",
        DialogueState(scenario="hotel"))
    sets = {(c.slot, c.value) for c in commands if isinstance(c, SetSlot)}
    assert {("pricerange", "cheap"), ("type", "guesthouse"), ("area", "north")} <= sets
    asks = [c for c in commands if isinstance(c, AskEntity)]
    assert asks and asks[0].entity == "acorn guest house" and "parking" in asks[0].attributes


@needs_data
def test_booking_and_changing_the_date_midway(english) -> None:
    spec, understander = english
    state = _say(spec, understander, ["I want to book the Gonville Hotel for 3 people for 2 nights from friday"])
    assert {k: state.slot_view()[k] for k in ("name", "people", "stay", "day")} == {
        "name": "gonville hotel", "people": "3", "stay": "2", "day": "friday"}
    commands = understander.understand("actually make it saturday instead", state)
    assert CorrectSlot(slot="day", value="saturday") in commands
    assert apply_commands(state, commands, spec).slot_view()["people"] == "3"


@needs_data
def test_other_domains_do_not_fill_hotel_slots(english) -> None:
    spec, understander = english
    state = _say(spec, understander, ["I need a train to london on friday for 4 people"])
    assert "day" not in state.slot_view() and "people" not in state.slot_view()


@needs_data
def test_a_bare_answer_fills_the_slot_the_reply_asked_for(english) -> None:
    spec, understander = english
    state = _say(spec, understander, ["no preference"], reply="What area of town would you like to stay in?")
    assert state.slot_view().get("area") == "dontcare"


@needs_data
def test_cancel_and_hand_off(english) -> None:
    spec, understander = english
    state = _say(spec, understander, ["book a cheap hotel for 2 people"])
    assert CancelTask() in understander.understand("cancel that please", state)
    assert understander.understand("let me talk to a real person", state) == [HandOff(reason="user asked for a person")]


@needs_data
@pytest.mark.parametrize("message", ["", "   ", "asdkjh qwpoeiru zxmcnv", "'; DROP TABLE hotels; --", "!!!???",
                                     "book the Ritz Carlton Dubai", "for many people"])
def test_bad_input_emits_nothing_unjustified(english, message: str) -> None:
    spec, understander = english
    commands = understander.understand(message, DialogueState(scenario="hotel"))
    slots = {c.slot: c.value for c in commands if isinstance(c, SetSlot | CorrectSlot)}
    assert "name" not in slots and "people" not in slots and "day" not in slots
    apply_commands(DialogueState(scenario="hotel"), commands, spec)  # and the tracker accepts what came


def test_an_impossible_date_passes_through_as_said(english) -> None:
    # the engine's date check then says "'the 31st of february' is not a date I can book" instead of asking again
    spec, understander = english
    commands = understander.understand("on the 31st of February", DialogueState(scenario="hotel"))
    assert {c.slot: c.value for c in commands if isinstance(c, SetSlot)} == {"day": "the 31st of february"}


@needs_data
def test_counts_pass_through_and_unknown_names_are_asked_about(english) -> None:
    """The scenario's bounds ("1 to 20 people") and its database are the engine's to explain; the understander
    passes on what the user said, so the reply can say what is wrong instead of asking again."""
    spec, understander = english
    commands = understander.understand("book the acorn guest house for 500 people", DialogueState(scenario="hotel"))
    assert SetSlot(slot="people", value="500") in commands
    commands = understander.understand("tell me about the Nonexistent Palace Hotel", DialogueState(scenario="hotel"))
    assert commands == [AskEntity(entity="Nonexistent Palace Hotel")]


@needs_data
def test_chinese_search_conditions(chinese) -> None:
    spec, understander = chinese
    message = "我想找一家价格在四百到五百元的，评分4.5分以上的经济型酒店，要有早餐服务和叫醒服务"
    state = _say(spec, understander, [message])
    view = state.slot_view()
    assert view["价格"] == "400-500" and view["评分"] == ">4.5" and view["酒店类型"] == "经济型"
    assert set(view["酒店设施"].split()) == {"早餐服务", "叫醒服务"}


@needs_data
def test_chinese_attraction_constraints_are_not_hotel_slots(chinese) -> None:
    spec, understander = chinese
    state = _say(spec, understander, ["我想找一个评分4.5分以上、门票免费的景点"])
    assert state.slot_view() == {}


@needs_data
def test_chinese_nonsense_and_hand_off(chinese) -> None:
    spec, understander = chinese
    assert understander.understand("asdf 1234", DialogueState(scenario="hotel_zh")) == []
    assert isinstance(understander.understand("帮我转人工", DialogueState(scenario="hotel_zh"))[0], HandOff)


def test_trained_without_a_model_serves_the_shipped_table(english, tmp_path, monkeypatch) -> None:
    from luodi.nlu.decisions import DecisionSet
    from luodi.packs.travel.trained import TrainedHotelUnderstander, shipped_model

    monkeypatch.setenv("LUODI_CACHE", str(tmp_path))
    spec, _ = english
    trained = build_understander(spec, "trained", model=None)
    assert isinstance(trained, TrainedHotelUnderstander)
    assert trained.decisions.meta == DecisionSet.load(shipped_model("en")).meta
    assert not (tmp_path / "models").exists()  # nothing trained, nothing cached
    commands = trained.understand("I need a cheap hotel in the north", DialogueState(scenario="hotel"))
    sets = {c.slot: c.value for c in commands if isinstance(c, SetSlot)}
    assert sets["pricerange"] == "cheap" and sets["area"] == "north"


@pytest.mark.skipif(not (SHARED / "multiwoz" / "val.json.zip").exists(), reason="shared data missing")
def test_trained_without_a_shipped_table_trains_one_on_the_shared_dialogues(english, tmp_path, monkeypatch) -> None:
    from luodi.packs.travel import trained as trained_module

    monkeypatch.setenv("LUODI_CACHE", str(tmp_path))
    monkeypatch.setattr(trained_module, "SHIPPED_DIR", tmp_path / "no-shipped-tables")
    spec, _ = english
    trained = build_understander(spec, "trained", model=None)
    assert isinstance(trained, trained_module.TrainedHotelUnderstander)
    assert list((tmp_path / "models").glob("hotel-en-decisions-*.json"))  # cached for the next start
    commands = trained.understand("I need a cheap hotel in the north", DialogueState(scenario="hotel"))
    sets = {c.slot: c.value for c in commands if isinstance(c, SetSlot)}
    assert sets["pricerange"] == "cheap" and sets["area"] == "north"


def _stale_shipped_tables(folder, monkeypatch):
    """The shipped English table, as if trained from other code: its code fingerprint no longer matches."""
    import json

    from luodi.packs.travel import trained as trained_module

    folder.mkdir()
    table = json.loads(trained_module.shipped_model("en").read_text(encoding="utf-8"))
    table["meta"]["code"] = "other-code"
    (folder / "hotel-en-decisions.json").write_text(json.dumps(table), encoding="utf-8")
    monkeypatch.setattr(trained_module, "SHIPPED_DIR", folder)
    return trained_module


@pytest.mark.skipif(not (SHARED / "multiwoz" / "val.json.zip").exists(), reason="shared data missing")
def test_a_stale_shipped_table_is_retrained_when_the_dialogues_are_there(english, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LUODI_CACHE", str(tmp_path))
    trained_module = _stale_shipped_tables(tmp_path / "shipped", monkeypatch)
    trained = build_understander(english[0], "trained", model=None)
    assert trained.decisions.meta["code"] != "other-code"
    assert list((tmp_path / "models").glob("hotel-en-decisions-*.json"))
    assert isinstance(trained, trained_module.TrainedHotelUnderstander)


def test_a_stale_shipped_table_still_serves_without_the_dialogues(english, tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("LUODI_CACHE", str(tmp_path))
    monkeypatch.setenv("LUODI_SHARED_DATA", str(tmp_path / "no-shared-data"))
    _stale_shipped_tables(tmp_path / "shipped", monkeypatch)
    trained = build_understander(english[0], "trained", model=None)
    assert trained.decisions.meta["code"] == "other-code" and not (tmp_path / "models").exists()
    assert "luodi.packs.travel.weights" in caplog.text  # the warning says how to rebuild


@pytest.mark.skipif(not (SHARED / "multiwoz" / "val.json.zip").exists(), reason="shared data missing")
def test_the_trained_model_learnt_a_convention_the_rules_lack(english) -> None:
    # MultiWOZ's annotators set type=hotel when a user asks to stay "in a hotel"; the lexicon does not (a held-out
    # dialogue's first turn, where the gold state has the type)
    spec, rules = english
    message = "Can you help me find a place to stay ? I would like to stay in a hotel that includes free wifi ."
    state = DialogueState(scenario="hotel")
    learnt = {c.slot: c.value for c in build_understander(spec, "trained").understand(message, state)
              if isinstance(c, SetSlot)}
    read = {c.slot: c.value for c in rules.understand(message, state) if isinstance(c, SetSlot)}
    assert learnt == {"internet": "yes", "type": "hotel"} and read == {"internet": "yes"}


def test_a_model_that_says_no_is_obeyed(english) -> None:
    from luodi.nlu.decisions import Decision, DecisionSet
    from luodi.packs.travel.trained import TrainedHotelUnderstander

    spec, rules = english
    decisions = DecisionSet({"area": Decision.constant(False), "pricerange": Decision.constant(True)})
    understander = TrainedHotelUnderstander(spec, decisions, rules)
    commands = understander.understand("a cheap hotel in the north", DialogueState(scenario="hotel"))
    assert {c.slot: c.value for c in commands if isinstance(c, SetSlot)} == {"pricerange": "cheap"}


@pytest.mark.skipif(not (SHARED / "crosswoz" / "val.json.zip").exists(), reason="shared data missing")
def test_chinese_has_a_trained_understander_too(chinese) -> None:
    from luodi.packs.travel.trained import TrainedHotelUnderstander

    spec, _ = chinese
    trained = build_understander(spec, "trained")
    assert isinstance(trained, TrainedHotelUnderstander)
    commands = trained.understand("帮我找一个评分4.5分以上的酒店，要有早餐服务", DialogueState(scenario="hotel_zh"))
    assert {c.slot: c.value for c in commands if isinstance(c, SetSlot)} == {"评分": ">4.5", "酒店设施": "早餐服务"}


def test_a_file_that_is_not_a_model_is_named(english, tmp_path) -> None:
    spec, _ = english
    (tmp_path / "notes.json").write_text('{"hello": "world"}')
    with pytest.raises(ValueError, match="notes.json is not a decisions model"):
        build_understander(spec, "trained", model=tmp_path / "notes.json")


def test_trained_with_a_missing_model_file_names_it(english) -> None:
    spec, _ = english
    with pytest.raises(ValueError, match="no-such-model.json"):
        build_understander(spec, "trained", model="/nonexistent/no-such-model.json")


def test_llm_understander_keeps_only_values_that_normalize() -> None:
    from luodi.contracts import Generation

    class FakeBackend:  # stands in for the embedded model: proposes one good and two invented values
        def generate(self, request):
            assert request.json_schema is not None
            return Generation(text='{"area": "north", "people": "500", "name": "Hotel Nowhere"}')

    spec = default_spec("en")
    understander = build_understander(spec, "llm", backend=FakeBackend())
    commands = understander.understand("something in the north for 500 people at hotel nowhere",
                                       DialogueState(scenario="hotel"))
    sets = {c.slot: c.value for c in commands if isinstance(c, SetSlot)}
    assert sets == {"area": "north"}


@needs_data
@pytest.mark.parametrize(("message", "expected"), [
    ("I don't need parking but I want free wifi", {"parking": "no", "internet": "yes"}),
    ("It doesn't matter, but I do prefer a 4 star place to stay", {"stars": "4"}),
    ("I'd like a hotel rather than a guest house, in the east", {"type": "hotel", "area": "east"}),
    ("i want a guesthouse", {"type": "guesthouse"}),
])
def test_english_constraints(english, message: str, expected: dict[str, str]) -> None:
    spec, understander = english
    assert _say(spec, understander, [message]).slot_view() == expected


@needs_data
def test_declining_a_booking_starts_none(english) -> None:
    spec, understander = english
    state = DialogueState(scenario="hotel", shown=["acorn guest house"])
    commands = understander.understand("I don't need a booking, just the address please", state)
    assert StartTask(task="book_hotel") not in commands
    assert AskEntity(entity="acorn guest house", attributes=["address"]) in commands


@needs_data
def test_chinese_facilities_are_named_as_the_database_does(chinese) -> None:
    spec, understander = chinese
    state = _say(spec, understander, ["帮我找一家有洗衣和接待外宾服务的酒店"])
    assert set(state.slot_view()["酒店设施"].split()) == {"洗衣服务", "接待外宾"}


@needs_data
def test_chinese_booking_details(chinese) -> None:
    spec, understander = chinese
    if "people" not in spec.slots:
        pytest.skip("this Chinese scenario has no booking task")
    view = _say(spec, understander, ["帮我预订北京贵都大酒店，周五入住，两个人，住三晚"]).slot_view()
    assert view == {"名称": "北京贵都大酒店", "day": "friday", "people": "2", "stay": "3"}
    assert _say(spec, understander, ["我想找一个游玩3天、门票免费的景点"]).slot_view() == {}
    assert _say(spec, understander, ["预订五百个人的房间"]).slot_view() == {"people": "500"}  # the engine bounds it


@needs_data
@pytest.mark.parametrize("message", ["帮我找一家评分4.5以上的经济型酒店", "评分在4.5以上的酒店", "评分是4.5分以上的"])
def test_chinese_rating_floors_with_or_without_fen(chinese, message: str) -> None:
    spec, understander = chinese
    assert _say(spec, understander, [message]).slot_view()["评分"] == ">4.5"
