"""A pack adds its own actions to the registry; a name is never silently taken twice; a write_record task must say
what it writes. Run on the warehouse spec with the real engine and its built-in rows database."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.dialogue.actions import Action, ActionRegistry, ActionTurn, Search
from luodi.dialogue.commands import Command, SetSlot, StartTask
from luodi.dialogue.engine import ScenarioEngine
from luodi.dialogue.records import ScenarioDatabase
from luodi.dialogue.spec import ScenarioError, ScenarioSpec, load_scenario
from luodi.dialogue.state import DialogueState, Task
from luodi.dialogue.tracker import finish_task

WAREHOUSE = Path(__file__).parents[1] / "packs" / "warehouse" / "warehouse.yaml"


class CountStock(Action):
    """A pack's own read-only action: how many of the named part are in stock."""

    name = "count_stock"

    def act(self, turn: ActionTurn, task: Task) -> None:
        row = turn.records.entity(task.slots.get("part", ""))
        if row is not None:
            turn.reply.cite(turn.spec.entity.table, turn.spec.entity.key, row, str(row["name"]))
            turn.reply.lines.append(f"{row['stock']} x {row['name']} in stock.")
            finish_task(turn.state, task)


class Scripted:
    def __init__(self, commands: list[Command]) -> None:
        self.commands = commands

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        return self.commands


def stock_spec() -> ScenarioSpec:
    spec = load_scenario(WAREHOUSE)
    tasks = {**spec.tasks, "stock": spec.tasks["search_parts"].model_copy(update={"action": "count_stock",
                                                                                   "slots": ["part"]})}
    return spec.model_copy(update={"tasks": tasks})


def test_a_packs_action_runs_from_the_spec(tmp_path: Path) -> None:
    spec = stock_spec()
    database = ScenarioDatabase.open(spec, tmp_path)
    understander = Scripted([StartTask(task="stock"), SetSlot(slot="part", value="oil filter")])
    engine = ScenarioEngine(spec, database, understander, None, actions=ActionRegistry([CountStock]))
    result = engine.handle(engine.new_state(), "how many oil filters?", "turn-1")
    assert result.text == "75 x oil filter in stock."
    assert [e.id for e in result.evidence] == ["parts:3"]


def test_a_spec_naming_an_action_nobody_registered_is_refused(tmp_path: Path) -> None:
    spec = stock_spec()
    with pytest.raises(ScenarioError, match=r"unknown actions \{'stock': 'count_stock'\}"):
        ScenarioEngine(spec, ScenarioDatabase.open(spec, tmp_path), Scripted([]), None)


def test_an_action_name_is_never_taken_twice() -> None:
    class OtherSearch(Search):
        pass

    with pytest.raises(ScenarioError, match=r"two actions are named 'search': Search and OtherSearch"):
        ActionRegistry([OtherSearch])


def test_a_write_record_task_must_say_what_it_writes(tmp_path: Path) -> None:
    spec = load_scenario(WAREHOUSE)
    reserve = spec.tasks["reserve_part"].model_copy(update={"record": None})
    spec = spec.model_copy(update={"tasks": {**spec.tasks, "reserve_part": reserve}})
    with pytest.raises(ScenarioError, match=r"write_record tasks \['reserve_part'\] name no record"):
        ActionRegistry().check(spec)
