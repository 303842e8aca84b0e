"""The rules hotel understander: lexicon and normalizers only, deterministic, no model, thousands of turns per
second; the fallback for every language and the reader the trained and base-model understanders build on.

Context it reads from the state besides the slots: `state.shown` (entity names the last reply showed, so "book
it" means the first of them) and `state.extras["last_reply"]` (the text of the last reply, so a bare "4" or "no
preference" answers the question it asked). The engine fills both when it replies.
"""

from __future__ import annotations

from pathlib import Path

from luodi.dialogue.commands import Command
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState
from luodi.packs.travel.lexicon_en import EnglishHotelLexicon
from luodi.packs.travel.lexicon_zh import ChineseHotelLexicon
from luodi.packs.travel.reading import Reading, commands_for
from luodi.packs.travel.specs import LAST_REPLY, NameLexicon, database_path, english_names, language_of, name_slot_of


class RulesUnderstander:
    """Reads a message with the lexicon of the scenario's language and database, then makes commands of it."""

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
