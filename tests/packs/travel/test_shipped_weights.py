"""The weight tables the travel pack ships are what training on the shared dialogues gives today: built from this
code, these words and these names (checked without the data), and reproduced by a rebuild (with the data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.nlu.decisions import DecisionSet
from luodi.packs.travel.rules import RulesUnderstander
from luodi.packs.travel.specs import default_spec
from luodi.packs.travel.trained import LANGUAGES, code_fingerprint, shipped_model
from luodi.packs.travel.weights import build_weights

REBUILD = "rebuild them with `python -m luodi.packs.travel.weights`"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_shipped_table_was_built_from_this_code(language: str) -> None:
    spec = default_spec(language)
    shipped = DecisionSet.load(shipped_model(language))
    assert shipped.meta["code"] == code_fingerprint(spec, RulesUnderstander(spec)), f"stale tables: {REBUILD}"
    assert shipped.meta["seed"] == "13" and shipped.meta["data"] == LANGUAGES[language].dialogues


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_rebuilding_from_the_shared_dialogues_reproduces_the_shipped_table(language: str, tmp_path: Path) -> None:
    if not LANGUAGES[language].data.exists():
        pytest.skip("shared data missing")
    rebuilt = DecisionSet.load(build_weights(language, tmp_path / "rebuilt.json"))
    shipped = DecisionSet.load(shipped_model(language))
    assert rebuilt.meta == shipped.meta, REBUILD
    assert set(rebuilt.decisions) == set(shipped.decisions), REBUILD
    for slot, decision in shipped.decisions.items():
        again = rebuilt.decisions[slot]
        assert again.bias == pytest.approx(decision.bias, abs=1e-6), f"{slot}: {REBUILD}"
        features = set(again.weights) | set(decision.weights)  # a weight under 1e-6 is left out of a table
        drift = max((abs(again.weights.get(f, 0.0) - decision.weights.get(f, 0.0)) for f in features), default=0.0)
        assert drift <= 1e-6, f"{slot} weights moved by {drift}: {REBUILD}"
