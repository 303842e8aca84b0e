"""A checkout without the shared data folder still serves the hotel assistants: the databases and the trained
understander's weight tables ship with the travel pack. The shipped defaults run in a fresh data folder with
LUODI_SHARED_DATA pointing at an empty folder, and each assistant answers one search from its database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from luodi.config import load_settings
from luodi.contracts import Answer
from luodi.packs.travel.specs import SHIPPED_DATABASES
from luodi.packs.travel.trained import TrainedHotelUnderstander
from luodi.platform import Platform
from tests.conftest import ask_platform, write_config


@pytest.fixture()
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    empty = tmp_path / "no-shared-data"
    empty.mkdir()
    monkeypatch.setenv("LUODI_SHARED_DATA", str(empty))
    monkeypatch.setenv("LUODI_CACHE", str(tmp_path / "cache"))  # no model trained earlier can stand in
    platform = Platform(load_settings(write_config(tmp_path / "luodi.yaml", tmp_path / "data")))
    yield platform
    platform.store.dispose()


def ask(platform: Platform, assistant: str, message: str) -> Answer:
    return ask_platform(platform, assistant, message)


def shipped_hotels(language: str) -> list[dict[str, Any]]:
    records = json.loads(SHIPPED_DATABASES[language].read_text(encoding="utf-8"))
    return [entry[1] if isinstance(entry, list) else entry for entry in records]


def test_the_english_hotel_assistant_answers_from_the_shipped_database(platform: Platform) -> None:
    answer = ask(platform, "hotel", "Find me a cheap guesthouse in the north")
    expected = [h["name"] for h in shipped_hotels("en")
                if (h["pricerange"], h["type"], h["area"]) == ("cheap", "guesthouse", "north")]
    assert expected and all(name in answer.text for name in expected), answer.text
    assert answer.citations and all(c.evidence_id.startswith("hotels:") for c in answer.citations)
    assert isinstance(platform.assistant("hotel").scenario.understander, TrainedHotelUnderstander)  # type: ignore[attr-defined]


def test_the_chinese_hotel_assistant_answers_from_the_shipped_database(platform: Platform) -> None:
    answer = ask(platform, "hotel-zh", "帮我找一家经济型酒店")
    budget = {h["名称"] for h in shipped_hotels("zh") if h["酒店类型"] == "经济型"}
    named = [name for name in budget if name in answer.text]
    assert "为您找到" in answer.text and named, answer.text
    assert answer.citations and all(c.evidence_id.startswith("hotels:") for c in answer.citations)
    assert isinstance(platform.assistant("hotel-zh").scenario.understander, TrainedHotelUnderstander)  # type: ignore[attr-defined]
