"""A trained NLU model served as a scenario's understander: export training data from real MultiWOZ hotel
dialogues, train a tiny model for a few steps, name it in the assistant's options, and talk to it through the
API. The tiny model's guesses are poor; what is checked is that the engine really runs on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from luodi.dialogue.nlu.data import read_nlu_dir
from luodi.evaluation.dst import multiwoz_dialogues, read_json
from luodi.scenarios.hotel.trained import TrainedHotelUnderstander, export_multiwoz
from luodi.training.nlu import NluTrainer, TrainConfig
from tests.conftest import LiveServer

MULTIWOZ = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "multiwoz" / "val.json.zip"


@pytest.mark.skipif(not MULTIWOZ.exists(), reason="shared data missing")
def test_a_trained_model_is_the_engine_understander(tmp_path: Path, server_factory: Callable[..., LiveServer]) -> None:
    raw = read_json(MULTIWOZ)
    dialogues = multiwoz_dialogues(raw)[:12]
    assert export_multiwoz(raw, {d.id for d in dialogues}, tmp_path / "data") > 20
    examples = read_nlu_dir(tmp_path / "data")
    config = TrainConfig(epochs=1, batch_size=8, max_steps_per_epoch=3, threads=1, seed=3)
    NluTrainer(examples[:-8], examples[-8:], tmp_path / "model", config).fit()

    server = server_factory(
        extra_assistants={
            "hotel-trained": {
                "kind": "scenario",
                "base_model": "smollm2-135m",
                "options": {
                    "scenario": "hotel/hotel_en.yaml",
                    "understander": "trained",
                    "model_dir": str(tmp_path / "model"),
                },
            }
        }
    )
    assert isinstance(server.platform.assistant("hotel-trained").understander, TrainedHotelUnderstander)  # type: ignore[attr-defined]
    reply = server.client(server.new_key()).chat.completions.create(
        model="hotel-trained", messages=[{"role": "user", "content": "I need a cheap hotel in the north"}]
    )
    assert reply.choices[0].message.content
    assert (reply.model_extra or {})["luodi"]["state"]["turn"] == 1
