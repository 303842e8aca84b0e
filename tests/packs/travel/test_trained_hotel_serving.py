"""The trained hotel understander served through the API: train its decisions on a few real MultiWOZ dialogues,
name the model file in the assistant's options, and talk to it with the openai SDK. The few dialogues make a
weak model; what is checked is that the engine really runs on it and that its values reach the state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from luodi.nlu.decisions import DecisionSet
from luodi.packs.travel.specs import default_spec
from luodi.packs.travel.trained import LANGUAGES, TrainedHotelUnderstander, train_hotel_decisions
from tests.conftest import LiveServer


@pytest.mark.skipif(not LANGUAGES["en"].data.exists(), reason="shared data missing")
def test_a_trained_model_is_the_engine_understander(tmp_path: Path, server_factory: Callable[..., LiveServer]) -> None:
    model = train_hotel_decisions(tmp_path / "hotel.json", default_spec("en"),
                                  dialogue_filter=lambda d: d.id < "MUL0400")  # about a fifth of them
    assert DecisionSet.load(model).decisions["area"].weights  # a model with learned weights, not a constant

    server = server_factory(
        extra_assistants={
            "hotel-trained": {
                "kind": "scenario",
                "base_model": "smollm2-135m",
                "options": {"scenario": "travel/hotel_en.yaml", "understander": "trained", "model": str(model)},
            }
        }
    )
    assert isinstance(server.platform.assistant("hotel-trained").scenario.understander, TrainedHotelUnderstander)  # type: ignore[attr-defined]
    reply = server.client(server.new_key()).chat.completions.create(
        model="hotel-trained", messages=[{"role": "user", "content": "I need a cheap hotel in the north"}]
    )
    assert reply.choices[0].message.content
    state = (reply.model_extra or {})["luodi"]["state"]
    assert state["turn"] == 1
    assert state["stack"][-1]["slots"].get("area") == "north"
