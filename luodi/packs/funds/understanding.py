"""The rules understander: one user message -> a `Reading` (conditions, sort, top N, commands), no state.

It works on a normalized copy of the text (NFKC, lower case, Chinese numerals as digits) and consumes what it
recognizes (blanking it), in an order that lets specific phrases win over general ones: commands, fund codes
and names, managers and companies, categories, flags, ages and dates, explicit comparisons, sorts, vague words.
Whatever still looks like "<word> above <number>" afterwards is reported as unknown, not guessed.

This module is the orchestration: `RuleUnderstander.understand` runs the stages in that order. The stages live
by what they read, each a mixin of the understander over the same `Text` and `Reading`:

- `entities.EntityStages`: fund codes and names, themes, managers and companies, categories;
- `conditions.ConditionStages`: comparisons and values, missing figures, horizon switches, vague words, leftovers;
- `commands.CommandStages`: commands and paging, flags, removals, the top N, the sort;
- `reading`: the `Reading` they write into and the helpers they share; `dates` and `horizons` read ages, dates
  and signed returns.

How to add a stage: write it as a method of the mixin whose kind of words it reads (or a new mixin, listed in
`RuleUnderstander`'s bases and in `trained._model_key`), consume what it reads from the `Text`, and call it from
`understand` at the place its words must win over (or give way to) the other stages'.
"""

from __future__ import annotations

from luodi.dialogue.state import DialogueState
from luodi.packs.funds.commands import CommandStages
from luodi.packs.funds.conditions import UNCLAIMED_COMPARISON, ConditionStages
from luodi.packs.funds.database import Directory
from luodi.packs.funds.dates import date_conditions
from luodi.packs.funds.entities import EntityStages
from luodi.packs.funds.horizons import signed_returns
from luodi.packs.funds.names import NameBook
from luodi.packs.funds.normalize import CJK, Text, normalize
from luodi.packs.funds.reading import Reading

__all__ = ["CJK", "UNCLAIMED_COMPARISON", "Reading", "RuleUnderstander", "normalize"]


class RuleUnderstander(CommandStages, EntityStages, ConditionStages):
    """Lexicon and rules over the database's own names; deterministic and fast (well under a millisecond)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.names = NameBook(directory)

    def understand(self, message: str, state: DialogueState | None = None) -> Reading:
        reading = Reading(language="zh" if CJK.search(message) else "en", as_of=self.directory.as_of)
        normalized = normalize(message)
        text = Text(normalized)
        self._commands(text, reading)
        self._funds(text, reading)
        self._themes(text, reading)
        self._people(text, reading)
        self._missing_figures(text, reading)
        self._purchase_amounts(text, reading)
        self._flags(text, reading)
        reading.conditions += date_conditions(text, self.directory.as_of, reading.refine_marker)
        self._removals(text, reading)
        mentions = self._mentions(text)
        self._comparisons(text, mentions, reading)
        reading.conditions += signed_returns(text, reading.conditions)
        self._limit(text, reading)
        self._categories(text, reading)
        self._sort(text, mentions, reading)
        self._singular(normalized, reading)
        self._vague(text, reading)
        self._named(text, message, reading)
        self._horizon_switch(text, reading)
        self._leftovers(text, mentions, reading)
        self._unknown_targets(text, mentions, reading)
        return reading
