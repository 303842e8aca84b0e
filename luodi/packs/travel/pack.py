"""The travel pack: hotel customer service on the task-stack engine, English (MultiWOZ's Cambridge hotels) and
Chinese (CrossWOZ's Beijing hotels): two specs, one understander family."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from luodi.assistants.components import Components
from luodi.dialogue.commands import Command
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.understanding import Understander, UnderstanderProvider, UnderstanderSetup
from luodi.pack import Pack


def _hotel_understander(spec: ScenarioSpec, setup: UnderstanderSetup) -> Understander[list[Command]]:
    from luodi.packs.travel.understanding import build_understander

    extra: dict[str, Any] = {"backend": setup.base_model()} if setup.kind == "llm" else {}
    understander: Understander[list[Command]] = build_understander(spec, setup.kind, model=setup.model, **extra)
    return understander


def _build_multiwoz(engine: Engine, data_file: Path) -> None:
    from luodi.packs.travel.database import build_multiwoz

    build_multiwoz(engine, data_file)


def _build_crosswoz(engine: Engine, data_file: Path) -> None:
    from luodi.packs.travel.database import build_crosswoz

    build_crosswoz(engine, data_file)


def _commands() -> None:
    import luodi.packs.travel.cli  # noqa: F401


PACK = Pack(
    name="travel",
    description="Hotel customer service: search, details and bookings with approval, in English and Chinese.",
    root=Path(__file__).parent,
    components=Components(
        understanders={"hotel": UnderstanderProvider(_hotel_understander, kinds=("rules", "trained", "llm"))},
        builders={"multiwoz-hotels": _build_multiwoz, "crosswoz-hotels": _build_crosswoz},
    ),
    requires=("sklearn",),
    commands=_commands,
)
