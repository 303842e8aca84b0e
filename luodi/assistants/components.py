"""The parts packs contribute to the generic assistant kinds, gathered in one typed place.

The platform merges every installed pack's `Components` (see `luodi.pack`) and hands the result to the kinds'
factories through `AssistantContext.components`; a kind looks a name from its options up here. Two packs giving
the same name is refused (no pack silently replaces another's part). Nothing here names a pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from luodi.dialogue.actions import Action
from luodi.dialogue.records import DatabaseBuilder
from luodi.dialogue.scenario import ScenarioProvider
from luodi.dialogue.understanding import UnderstanderProvider
from luodi.errors import Misconfigured
from luodi.grounding.skills import Skill
from luodi.knowledge.extractors import Extractor

V = TypeVar("V")


@dataclass(frozen=True)
class Components:
    scenarios: Mapping[str, ScenarioProvider] = field(default_factory=dict)  # scenarios written in code, by name
    understanders: Mapping[str, UnderstanderProvider] = field(default_factory=dict)  # for task-stack specs
    actions: tuple[type[Action], ...] = ()
    builders: Mapping[str, DatabaseBuilder] = field(default_factory=dict)  # fill a spec's embedded database
    folders: Mapping[str, Path] = field(default_factory=dict)  # pack name -> folder its specs are named from
    skills: tuple[Skill, ...] = ()  # for grounded assistants' `options.skills`, by their names
    extractors: tuple[Extractor, ...] = ()  # for grounded assistants' `options.extractors`, by their names
    # names that installed packs would give but cannot (their libraries are missing): name -> why
    unavailable: Mapping[str, str] = field(default_factory=dict)

    def merged(self, other: Components) -> Components:
        _refuse_twins("action", [a.name for a in (*self.actions, *other.actions)])
        _refuse_twins("skill", [s.name for s in (*self.skills, *other.skills)])
        _refuse_twins("extractor", [e.name for e in (*self.extractors, *other.extractors)])
        return Components(
            scenarios=_union("scenario", self.scenarios, other.scenarios),
            understanders=_union("understander", self.understanders, other.understanders),
            actions=(*self.actions, *other.actions),
            builders=_union("database builder", self.builders, other.builders),
            folders=_union("pack folder", self.folders, other.folders),
            skills=(*self.skills, *other.skills),
            extractors=(*self.extractors, *other.extractors),
            unavailable={**self.unavailable, **other.unavailable},
        )

    def names(self) -> list[str]:
        """Every name these components answer to (for saying what an uninstallable pack would have given)."""
        return [*self.scenarios, *self.understanders, *(a.name for a in self.actions), *self.builders,
                *(s.name for s in self.skills), *(e.name for e in self.extractors), *self.folders]

    def spec_path(self, option: str) -> Path:
        """A scenario spec named in options: `<pack>/<file>` from a pack's folder, else a path as given."""
        path = Path(option)
        pack, _, rest = option.partition("/")
        if not path.is_absolute() and rest and pack in self.folders:
            return self.folders[pack] / rest
        return path


def _union(what: str, first: Mapping[str, V], second: Mapping[str, V]) -> dict[str, V]:
    _refuse_twins(what, [*first, *second])
    return {**first, **second}


def _refuse_twins(what: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    twins = sorted({name for name in names if name in seen or seen.add(name)})  # type: ignore[func-returns-value]
    if twins:
        raise Misconfigured(f"two installed packs both give the {what} {', '.join(map(repr, twins))}")
