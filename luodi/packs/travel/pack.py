"""The travel pack: hotel customer service on the task-stack engine, English (MultiWOZ's Cambridge hotels) and
Chinese (CrossWOZ's Beijing hotels): two specs, one understander family."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from luodi.assistants.components import Components
from luodi.dialogue.commands import Command
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.understanding import Understander, UnderstanderSetup
from luodi.pack import Pack


def _hotel_understander(spec: ScenarioSpec, setup: UnderstanderSetup) -> Understander[list[Command]]:
    from luodi.packs.travel.understanding import build_understander

    extra: dict[str, Any] = {"backend": setup.base_model()} if setup.kind == "llm" else {}
    understander: Understander[list[Command]] = build_understander(spec, setup.kind, model=setup.model, **extra)
    return understander


def _commands() -> None:
    import luodi.packs.travel.cli  # noqa: F401


PACK = Pack(
    name="travel",
    description="Hotel customer service: search, details and bookings with approval, in English and Chinese.",
    root=Path(__file__).parent,
    components=Components(understanders={"hotel": _hotel_understander}),
    requires=("sklearn",),
    commands=_commands,
)
