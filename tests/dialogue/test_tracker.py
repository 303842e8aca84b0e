"""Commands applied to the task stack: interruption and resumption, correction, cancel, carry-over."""

from __future__ import annotations

import pytest

from luodi.dialogue.commands import CancelTask, ClearSlot, CorrectSlot, SetSlot, StartTask
from luodi.dialogue.spec import ScenarioError, ScenarioSpec, load_scenario
from luodi.dialogue.state import DialogueState
from luodi.dialogue.tracker import apply_commands
from luodi.pack import scenario_path


@pytest.fixture(scope="module")
def spec() -> ScenarioSpec:
    return load_scenario(scenario_path("travel/hotel_en.yaml"))


def test_an_interruption_pushes_a_task_and_the_old_one_resumes(spec: ScenarioSpec) -> None:
    state = DialogueState(scenario="hotel")
    state = apply_commands(
        state, [SetSlot(slot="area", value="north"), SetSlot(slot="pricerange", value="cheap")], spec
    )
    state = apply_commands(state, [StartTask(task="book_hotel"), SetSlot(slot="day", value="friday")], spec)
    assert [t.name for t in state.stack] == ["search_hotel", "book_hotel"]
    state = apply_commands(state, [CancelTask()], spec)
    assert state.active is not None and state.active.name == "search_hotel"
    assert state.active.slots == {"area": "north", "pricerange": "cheap"}
    assert state.history[-1].status == "cancelled" and state.slot_view().get("day") is None


def test_a_correction_changes_one_slot_and_keeps_the_rest(spec: ScenarioSpec) -> None:
    state = apply_commands(
        DialogueState(scenario="hotel"),
        [StartTask(task="book_hotel"), SetSlot(slot="day", value="2026-12-10"), SetSlot(slot="people", value="2")],
        spec,
    )
    state = apply_commands(state, [CorrectSlot(slot="day", value="2026-12-11")], spec)
    assert state.slot_view() == {"day": "2026-12-11", "people": "2"}
    state = apply_commands(state, [ClearSlot(slot="people")], spec)
    assert state.slot_view() == {"day": "2026-12-11"}


def test_a_new_task_carries_over_what_the_conversation_settled(spec: ScenarioSpec) -> None:
    state = apply_commands(DialogueState(scenario="hotel"), [SetSlot(slot="name", value="acorn guest house")], spec)
    state = apply_commands(state, [StartTask(task="book_hotel")], spec)
    assert state.active is not None and state.active.slots == {"name": "acorn guest house"}


def test_applying_commands_leaves_the_old_state_alone(spec: ScenarioSpec) -> None:
    before = DialogueState(scenario="hotel")
    after = apply_commands(before, [SetSlot(slot="stars", value="4")], spec)
    assert before.stack == [] and before.turn == 0 and after.turn == 1


def test_a_bad_scenario_file_is_named(tmp_path: pytest.TempPathFactory) -> None:
    broken = tmp_path / "broken.yaml"  # type: ignore[operator]
    broken.write_text(
        "name: x\nentity: {table: t}\nslots: {}\ntasks: {t: {action: search, slots: [nope]}}\ndefault_task: t\n"
    )
    with pytest.raises(ScenarioError, match="(?s)broken.yaml.*unknown slots"):
        load_scenario(broken)
