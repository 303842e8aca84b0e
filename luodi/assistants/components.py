"""The parts packs contribute to the generic assistant kinds, gathered in one typed place.

The platform merges every installed pack's `Components` (see `luodi.pack`) and hands the result to the kinds'
factories through `AssistantContext.components`; a kind looks a name from its options up here. Nothing here
names a pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from luodi.dialogue.actions import Action
from luodi.dialogue.scenario import ScenarioFactory
from luodi.dialogue.understanding import UnderstanderFactory
from luodi.grounding.skills import Skill
from luodi.knowledge.extractors import Extractor


@dataclass(frozen=True)
class Components:
    scenarios: Mapping[str, ScenarioFactory] = field(default_factory=dict)  # scenarios written in code, by name
    understanders: Mapping[str, UnderstanderFactory] = field(default_factory=dict)  # for task-stack specs
    actions: tuple[type[Action], ...] = ()
    folders: Mapping[str, Path] = field(default_factory=dict)  # pack name -> folder its specs are named from
    skills: tuple[Skill, ...] = ()  # for grounded assistants' `options.skills`, by their names
    extractors: tuple[Extractor, ...] = ()  # for grounded assistants' `options.extractors`, by their names

    def merged(self, other: Components) -> Components:
        return Components(
            scenarios={**self.scenarios, **other.scenarios},
            understanders={**self.understanders, **other.understanders},
            actions=(*self.actions, *other.actions),
            folders={**self.folders, **other.folders},
            skills=(*self.skills, *other.skills),
            extractors=(*self.extractors, *other.extractors),
        )

    def spec_path(self, option: str) -> Path:
        """A scenario spec named in options: `<pack>/<file>` from a pack's folder, else a path as given."""
        path = Path(option)
        pack, _, rest = option.partition("/")
        if not path.is_absolute() and rest and pack in self.folders:
            return self.folders[pack] / rest
        return path
