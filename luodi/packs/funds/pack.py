"""The funds pack: fund screening in plain English or Chinese over a fund database (a `Scenario` in code)."""

from __future__ import annotations

from pathlib import Path

from luodi.assistants.components import Components
from luodi.dialogue.scenario import Scenario, ScenarioProvider, ScenarioSetup
from luodi.pack import Pack


def _funds(setup: ScenarioSetup) -> Scenario:
    from luodi.packs.funds.assistant import build_funds_scenario

    return build_funds_scenario(setup)


def _commands() -> None:
    import luodi.packs.funds.cli  # noqa: F401


import luodi.packs.funds.assistant  # noqa: E402,F401  the `funds` kind alias is registered with the pack

PACK = Pack(
    name="funds",
    description="Fund screening: plain-language questions answered with exact filters over a fund database.",
    root=Path(__file__).parent,
    components=Components(scenarios={"funds": ScenarioProvider(_funds, understanders=("rules", "trained", "llm"))}),
    requires=("sklearn", "sentence_transformers"),
    commands=_commands,
)
