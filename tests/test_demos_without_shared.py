"""A newcomer's clone has no ../shared beside it: every demo assistant of the README's quick start still answers
(the hotel ones are checked against their shipped databases in tests/packs/travel/test_without_shared.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from luodi.config import load_settings
from luodi.contracts import Answer
from luodi.platform import Platform
from tests.conftest import ask_platform, write_config


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("no-shared")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LUODI_SHARED_DATA", str(folder / "empty"))
        platform = Platform(load_settings(write_config(folder / "luodi.yaml", folder / "data")))
        yield platform
    platform.store.dispose()


def ask(platform: Platform, assistant: str, message: str) -> Answer:
    return ask_platform(platform, assistant, message, max_tokens=8)


def test_the_five_demo_assistants_are_served(platform: Platform) -> None:
    assert sorted(platform.settings.assistants) == ["filings", "funds", "general", "hotel", "hotel-zh"]


def test_general_chats(platform: Platform) -> None:
    assert ask(platform, "general", "What is the capital of France?").text.strip()


def test_funds_screens_its_seeded_database(platform: Platform) -> None:
    answer = ask(platform, "funds", "low-risk bond funds with a 3-year return above 5% and management fee under 0.5%")
    assert answer.citations and all(c.evidence_id.startswith("funds:") for c in answer.citations), answer.text


def test_filings_computes_with_its_tools_before_anything_is_ingested(platform: Platform) -> None:
    answer = ask(platform, "filings", "What is sqrt(143) to 3 decimal places?")
    assert "11.958" in answer.text and not answer.abstained
    assert [call.name for call in answer.tool_calls] == ["calculator"]
