"""A spare-parts warehouse pack: the YAML spec and its rows beside this file, and a keyword understander."""

import json
import re
from pathlib import Path

from luodi.assistants.components import Components
from luodi.dialogue.commands import Affirm, Command, Deny, SetSlot, StartTask
from luodi.dialogue.records import spec_data_file
from luodi.dialogue.spec import PackNluKeys, ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import UnderstanderProvider
from luodi.pack import Pack


class Words(PackNluKeys):  # the pack's own `nlu:` keys: the words that start a task, say yes, say no
    starts: dict[str, list[str]]
    affirm: list[str]
    deny: list[str]


class Keywords:
    """Words of the spec (its values, synonyms and nlu words) and the parts' names, found in the message."""

    def __init__(self, spec: ScenarioSpec) -> None:
        self.spec, self.words = spec, spec.nlu.pack_keys(Words)
        self.names = [row["name"] for row in json.loads(spec_data_file(spec).read_text())]

    def understand(self, message: str, state: DialogueState) -> list[Command]:
        said, words = message.lower().strip(" .!?"), self.words
        if said in words.affirm or said in words.deny:
            return [Affirm() if said in words.affirm else Deny()]
        named = [name for name in self.names if re.search(rf"\b{name}\b", said)]
        rest = re.sub("|".join(map(re.escape, named)) or "^$", " ", said)  # a part's name is not a category
        commands: list[Command] = [StartTask(task=task) for task, starts in words.starts.items()
                                   if any(has(rest, word) for word in starts)]
        for slot, spec in self.spec.slots.items():
            commands += [SetSlot(slot=slot, value=v) for v in [*spec.values, *spec.synonyms] if has(rest, v)][:1]
        commands += [SetSlot(slot="part", value=name) for name in named]
        number = re.search(r"\b(\d+)\b", rest)
        return commands + ([SetSlot(slot="quantity", value=number[1])] if number else [])


def has(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text) is not None


PACK = Pack("warehouse", "Spare parts: search and reservations with approval.", Path(__file__).parent,
            Components(understanders={"keywords": UnderstanderProvider(lambda spec, _setup: Keywords(spec))}))
