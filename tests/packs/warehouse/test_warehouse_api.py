"""A new industry is a pack: a spare-parts warehouse (search parts, reserve one with a planner's approval) built
from a YAML spec, a data file and a pack module of under 50 lines, served through the real API and driven with
the openai SDK. Nothing in the engine knows it exists."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from luodi.config import load_settings
from tests.conftest import LiveServer, write_config

HERE = Path(__file__).parent
ASSISTANT = {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": "warehouse/warehouse.yaml"}}


@pytest.fixture(scope="module")
def warehouse(server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    folder = tmp_path_factory.mktemp("warehouse")
    config = write_config(folder / "luodi.yaml", folder / "data", extra_assistants={"parts": ASSISTANT})
    settings = load_settings(config)
    return server_factory(settings=settings.model_copy(update={"packs": ["tests.packs.warehouse.pack:PACK"]}))


def ask(client: openai.OpenAI, messages: list[dict[str, str]], text: str) -> tuple[str, dict[str, Any]]:
    messages.append({"role": "user", "content": text})
    reply = client.chat.completions.create(model="parts", messages=messages)  # type: ignore[arg-type]
    answer = reply.choices[0].message.content or ""
    messages.append({"role": "assistant", "content": answer})
    return answer, dict(reply.model_extra or {})


def reservations(server: LiveServer) -> int:
    scenario = server.platform.assistant("parts").scenario  # type: ignore[attr-defined]
    return int(scenario.database.record_count("reservations"))


def test_the_pack_is_listed_and_its_search_is_answered_from_its_data(warehouse: LiveServer) -> None:
    client = warehouse.client(warehouse.new_key("plant-a"))
    assert "parts" in {model.id for model in client.models.list()}
    answer, extra = ask(client, [], "which brake parts do you have in shanghai?")
    assert answer.startswith("I found 1 part (category brakes, site shanghai): front brake pad (shanghai, 40 in stock)")
    assert [c["evidence_id"] for c in extra["citations"]] == ["parts:1"]


def test_a_reservation_waits_for_approval_and_is_written_once(warehouse: LiveServer) -> None:
    key = warehouse.new_key("plant-b")
    client, messages = warehouse.client(key), []
    before = reservations(warehouse)
    assert ask(client, messages, "reserve 4 oil filter")[0] == "Reserve 4 x oil filter?"
    answer, extra = ask(client, messages, "yes")
    approval = extra["luodi"]["state"]["stack"][-1]["approval_id"]
    assert f"waits for a planner's approval (request {approval})" in answer and reservations(warehouse) == before
    decided = httpx.post(f"{warehouse.url}/approvals/{approval}/approve", json={"operator": "planner"},
                         headers={"Authorization": f"Bearer {warehouse.new_key('plant-b', role='operator')}"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "executed" and reservations(warehouse) == before + 1
    answer, _ = ask(client, messages, "thanks")
    assert answer.startswith("Approved: 4 x oil filter reserved, reference RSV")


def test_a_value_outside_the_spec_is_refused_and_nothing_is_written(warehouse: LiveServer) -> None:
    client, before = warehouse.client(warehouse.new_key("plant-c")), reservations(warehouse)
    answer, _ = ask(client, [], "reserve 80 timing belt")
    assert "quantity: 80 is outside 1 to 50" in answer and reservations(warehouse) == before
