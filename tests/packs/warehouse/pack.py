"""A spare-parts warehouse pack: the YAML spec and data beside this file, a data loader, a keyword understander."""

import json
import re
from pathlib import Path

from sqlalchemy import Engine, text

from luodi.assistants.components import Components
from luodi.dialogue.commands import Affirm, Command, Deny, SetSlot, StartTask
from luodi.dialogue.records import spec_data_file
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.pack import Pack


def build_parts(engine: Engine, data: Path) -> None:
    with engine.begin() as db:
        db.execute(text("CREATE TABLE parts (id INT PRIMARY KEY, name TEXT, category TEXT, site TEXT, stock INT)"))
        db.execute(text("CREATE TABLE reservations (reference TEXT PRIMARY KEY, part_id INT, quantity INT, "
                        "conversation TEXT, created_at TEXT)"))
        db.execute(text("INSERT INTO parts VALUES (:id, :name, :category, :site, :stock)"),
                   json.loads(data.read_text()))


class Keywords:
    """Words of the spec (its values, synonyms and nlu words) and the parts' names, found in the message."""

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec, self.names = spec, [row["name"] for row in json.loads(spec_data_file(spec).read_text())]

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        said, nlu = message.lower().strip(" .!?"), self.spec.nlu
        if said in nlu["affirm"] or said in nlu["deny"]:
            return [Affirm() if said in nlu["affirm"] else Deny()]
        named = [name for name in self.names if re.search(rf"\b{name}\b", said)]
        rest = re.sub("|".join(map(re.escape, named)) or "^$", " ", said)  # a part's name is not a category
        found = lambda word: re.search(rf"\b{word}\b", rest)  # noqa: E731
        commands: list[Command] = [StartTask(task=t) for t, words in nlu["starts"].items() if any(map(found, words))]
        for slot, spec in self.spec.slots.items():
            commands += [SetSlot(slot=slot, value=v) for v in [*spec.values, *spec.synonyms] if found(v)][:1]
        number = re.search(r"\b(\d+)\b", rest)
        return commands + [SetSlot(slot="part", value=n) for n in named] + (
            [SetSlot(slot="quantity", value=number[1])] if number else [])


PACK = Pack("warehouse", "Spare parts: search and reservations with approval.", Path(__file__).parent,
            Components(understanders={"keywords": lambda spec, setup: Keywords(spec)}))
