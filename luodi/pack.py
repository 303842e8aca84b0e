"""The Pack contract: an industry's scenarios, understanders, actions, skills, extractors and commands, found
through the `luodi.packs` entry point, beside a core that imports none of them.

How to write one (a pack is YAML plus a small module):
1. A folder with your specs and words (YAML) and a module defining
   `PACK = Pack(name="warehouse", description=..., root=Path(__file__).parent, components=Components(...))`.
   Keep that module light: import heavy libraries inside the factories, so a pack costs nothing until used.
2. List the heavy libraries it needs as import names in `requires` (and as an extra in your packaging): where
   one is missing the pack is skipped with a warning, and the rest of the platform still serves.
3. Make it findable: an entry point `[project.entry-points."luodi.packs"] warehouse = "mypkg.pack:PACK"`, or,
   without packaging, `packs: ["mypkg.pack:PACK"]` in luodi.yaml.
4. CLI commands (`luodi eval warehouse`, …): a `commands` function that imports the module registering them.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from luodi.assistants.components import Components
from luodi.errors import Misconfigured

ENTRY_POINT_GROUP = "luodi.packs"
log = logging.getLogger("luodi.packs")


class PackError(Misconfigured, ValueError):
    """A pack that cannot be loaded: the message names it and why."""


@dataclass(frozen=True)
class Pack:
    name: str
    description: str
    root: Path
    components: Components = Components()
    requires: tuple[str, ...] = ()  # import names of the heavy libraries it needs
    commands: Callable[[], None] | None = None  # registers its CLI commands

    def missing(self) -> list[str]:
        return [module for module in self.requires if importlib.util.find_spec(module) is None]


def load_pack(target: str) -> Pack:
    """The `Pack` at "module:attribute"."""
    module_name, _, attribute = target.partition(":")
    try:
        found = getattr(importlib.import_module(module_name), attribute or "PACK")
    except (ImportError, AttributeError) as exc:
        raise PackError(f"pack {target!r} cannot be loaded: {exc}") from exc
    if not isinstance(found, Pack):
        raise PackError(f"pack {target!r} is a {type(found).__name__}, not a luodi.pack.Pack")
    return found


@dataclass(frozen=True)
class PackSet:
    """The packs found: those served, and those skipped for a missing library (with what they need)."""

    served: list[Pack]
    skipped: list[tuple[Pack, list[str]]]

    def components(self) -> Components:
        """What the served packs contribute, and the names the skipped ones would have given, with why not."""
        merged = components_of(self.served)
        for pack, missing in self.skipped:
            reason = f"pack {pack.name} is not served: it needs {', '.join(missing)}, not installed"
            names = [*pack.components.names(), pack.name]
            merged = merged.merged(Components(unavailable=dict.fromkeys(names, reason)))
        return merged


def find_packs(extra: Iterable[str] = ()) -> PackSet:
    """Every pack of the entry points, then the configured ones; a pack whose libraries are missing is skipped."""
    served: dict[str, Pack] = {}
    skipped: list[tuple[Pack, list[str]]] = []
    for target in [point.value for point in entry_points(group=ENTRY_POINT_GROUP)] + list(extra):
        pack = load_pack(target)
        missing = pack.missing()
        if missing:
            log.warning("pack %s is skipped: it needs %s, not installed", pack.name, ", ".join(missing))
            skipped.append((pack, missing))
        else:
            served[pack.name] = pack
    return PackSet(list(served.values()), skipped)


def installed_packs(extra: Iterable[str] = ()) -> list[Pack]:
    """The packs whose libraries are installed."""
    return find_packs(extra).served


def components_of(packs: Iterable[Pack]) -> Components:
    merged = Components()
    for pack in packs:
        merged = merged.merged(pack.components).merged(Components(folders={pack.name: pack.root}))
    return merged


def installed_components(extra: Iterable[str] = ()) -> Components:
    """What the installed packs contribute, as the platform gathers it (with the names skipped packs would give)."""
    return find_packs(extra).components()


def scenario_path(option: str) -> Path:
    """A spec named as in an assistant's options (`warehouse/warehouse.yaml`), resolved over the installed packs."""
    return installed_components().spec_path(option)
