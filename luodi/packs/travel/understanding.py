"""Hotel understanders, English (MultiWOZ) and Chinese (CrossWOZ), behind the `Understander` protocol.

`build_understander(spec, kind)` is what the engine calls:

- "rules": lexicon + normalizers; no model, thousands of turns per second, the fallback when nothing is trained
  (`luodi.packs.travel.rules`).
- "trained": the lexicon proposes slot values, per-slot models trained on real dialogues decide which the user
  meant (`luodi.packs.travel.trained`); a model file, else the weight table shipped with the pack.
- "llm": the base model with a JSON schema (`luodi.packs.travel.llm`); slow, measured on samples.

How to add a kind: a class with `understand(message, state) -> list[Command]` in its own module, which may build
on `RulesUnderstander` for the dialogue moves, and one branch here. The modules of the kinds never import this
one, so the pack has no import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from luodi.dialogue.spec import ScenarioSpec
from luodi.packs.travel.rules import RulesUnderstander

UnderstanderKind = Literal["trained", "llm", "rules"]


def build_understander(
    spec: ScenarioSpec,
    kind: UnderstanderKind | str = "rules",
    model: str | Path | None = None,
    database: str | Path | None = None,
    **options: Any,
) -> Any:
    """The understander of a hotel scenario; "trained" without a model file, a shipped table or data to train
    one is rules."""
    if kind == "rules":
        return RulesUnderstander(spec, database)
    if kind == "trained":
        from luodi.packs.travel.trained import TrainedHotelUnderstander

        return TrainedHotelUnderstander.create(spec, model, database)
    if kind == "llm":
        from luodi.packs.travel.llm import LlmHotelUnderstander

        return LlmHotelUnderstander(spec, RulesUnderstander(spec, database), **options)
    raise ValueError(f"unknown understander kind {kind!r}: use trained, llm or rules")
