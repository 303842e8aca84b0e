"""The hotel assistant through the real API and the openai SDK: several intents in one message, switching
dates mid-way, interruption and resumption, correction, cancel, bookings approved or rejected by an operator,
Chinese dialogues, and bad input."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import func, select, text

from luodi.dialogue.records import ScenarioDatabase
from tests.conftest import LiveServer

# the hotel databases ship inside the travel pack: these tests need no shared data
ASSISTANTS = {
    "hotel": {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": "travel/hotel_en.yaml"}},
    "hotel-zh": {"kind": "scenario", "base_model": "smollm2-135m", "options": {"scenario": "travel/hotel_zh.yaml"}},
    "hotel-direct": {
        "kind": "scenario",
        "base_model": "smollm2-135m",
        "options": {"scenario": "travel/hotel_en.yaml", "copilot": False},
    },
}


class Conversation:
    def __init__(self, client: openai.OpenAI, assistant: str) -> None:
        self.client, self.assistant = client, assistant
        self.messages: list[dict[str, str]] = []
        self.last: dict[str, Any] = {}

    def say(self, text: str) -> str:
        self.messages.append({"role": "user", "content": text})
        reply = self.client.chat.completions.create(model=self.assistant, messages=self.messages)  # type: ignore[arg-type]
        answer = reply.choices[0].message.content or ""
        self.messages.append({"role": "assistant", "content": answer})
        self.last = reply.model_extra or {}
        return answer

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.last["luodi"]["state"])

    def slots(self) -> dict[str, str]:
        return {k: v for task in self.state["stack"] for k, v in task["slots"].items()}


@pytest.fixture(scope="module")
def hotel(server_factory: Callable[..., LiveServer]) -> LiveServer:
    return server_factory(extra_assistants=ASSISTANTS)


@pytest.fixture()
def tenant() -> str:
    return f"travel-{uuid.uuid4().hex[:8]}"


@pytest.fixture()
def client(hotel: LiveServer, tenant: str) -> openai.OpenAI:
    return hotel.client(hotel.new_key(tenant))


def bookings(server: LiveServer, assistant: str) -> int:
    database = server.platform.assistant(assistant).scenario.database  # type: ignore[attr-defined]
    assert isinstance(database, ScenarioDatabase)
    return database.record_count("bookings")


def test_several_intents_in_one_message_are_all_answered_from_the_database(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel")
    answer = chat.say("Find me a cheap guesthouse in the north, and also tell me if the Acorn has parking.")
    assert "city centre north b and b" in answer and "worth house" in answer  # the two cheap northern guesthouses
    assert "acorn guest house" in answer and "parking yes" in answer
    cited = {c["evidence_id"] for c in chat.last["citations"]}
    assert {"hotels:1"} <= cited and len(cited) >= 3
    assert chat.last["verification"]["status"] == "verified"


def test_the_day_switches_mid_way_and_the_other_slots_stay(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel")
    chat.say("I need to book the Acorn Guest House for 2 people on the 10th")
    day_before = chat.slots()["day"]
    assert day_before.endswith("-10")
    chat.say("no, make it the 11th")
    slots = chat.slots()
    assert slots["day"].endswith("-11") and slots["people"] == "2" and slots["name"] == "acorn guest house"


def test_hotel_on_the_10th_no_show_me_the_11th(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel")
    chat.say("show me cheap guesthouses in the north")
    chat.say("book one for the 10th")
    assert chat.slots()["day"].endswith("-10")
    answer = chat.say("no, show me hotels on the 11th")
    day = chat.slots()["day"]
    assert day.endswith("-11") and f"day is now {day}" in answer and "I found 2 hotels" in answer
    assert [t["name"] for t in chat.state["stack"]][-1] == "search_hotel"


def test_an_interruption_is_answered_and_the_booking_resumes(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel")
    chat.say("I want to book the Acorn Guest House for 3 people")
    answer = chat.say("wait, does the Lensfield Hotel have internet?")
    assert "the lensfield hotel" in answer.lower() and "internet" in answer.lower()
    answer = chat.say("ok, on friday for 2 nights")
    assert "Shall I book acorn guest house for 3 people from friday for 2 nights?" in answer


def test_cancel_pops_the_booking_and_the_search_resumes(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel")
    chat.say("show me expensive hotels in the centre")
    chat.say("book the first one for friday")
    assert [t["name"] for t in chat.state["stack"]] == ["search_hotel", "book_hotel"]
    answer = chat.say("cancel the booking")
    assert "cancelled" in answer and [t["name"] for t in chat.state["stack"]] == ["search_hotel"]
    assert chat.slots() == {"pricerange": "expensive", "area": "centre"}


def test_a_booking_waits_for_approval_and_is_written_once_approved(
    hotel: LiveServer, client: openai.OpenAI, tenant: str
) -> None:
    before = bookings(hotel, "hotel")
    chat = Conversation(client, "hotel")
    chat.say("book the acorn guest house for 2 people on friday for 3 nights")
    answer = chat.say("yes")
    assert "waiting for an operator's approval" in answer and bookings(hotel, "hotel") == before
    approval_id = chat.state["stack"][-1]["approval_id"]
    # the guest's own key cannot decide the queue; the tenant's operator key can
    refused = httpx.post(
        f"{hotel.url}/approvals/{approval_id}/approve",
        json={"operator": "guest"},
        headers={"Authorization": f"Bearer {client.api_key}"},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "operator_key_required"
    key = hotel.new_key(tenant, role="operator")
    listed = httpx.get(f"{hotel.url}/approvals", headers={"Authorization": f"Bearer {key}"}).json()["data"]
    assert [a["id"] for a in listed] == [approval_id]
    decided = httpx.post(
        f"{hotel.url}/approvals/{approval_id}/approve",
        json={"operator": "duty manager"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "executed"
    assert bookings(hotel, "hotel") == before + 1
    reference = decided.json()["result"]["reference"]
    assert reference in chat.say("thanks, is it done?")
    again = httpx.post(
        f"{hotel.url}/approvals/{approval_id}/reject",
        json={"operator": "duty manager"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert again.status_code == 409


def test_a_rejected_booking_leaves_no_rows(hotel: LiveServer, client: openai.OpenAI) -> None:
    before = bookings(hotel, "hotel")
    chat = Conversation(client, "hotel")
    chat.say("book the gonville hotel for 1 person on monday for 1 night")
    chat.say("yes")
    [pending] = hotel.platform.list_approvals(tenant_id=None, status="pending")
    hotel.platform.decide(pending.id, approve=False, operator="duty manager", note="fully booked")
    answer = chat.say("any news?")
    assert "rejected" in answer and "fully booked" in answer
    assert bookings(hotel, "hotel") == before


def test_without_copilot_a_confirmed_booking_is_written_at_once(hotel: LiveServer, client: openai.OpenAI) -> None:
    before = bookings(hotel, "hotel-direct")
    chat = Conversation(client, "hotel-direct")
    chat.say("book the acorn guest house for 2 people on friday for 3 nights")
    assert "reference" in chat.say("yes")
    assert bookings(hotel, "hotel-direct") == before + 1


def test_a_chinese_dialogue(client: openai.OpenAI) -> None:
    chat = Conversation(client, "hotel-zh")
    answer = chat.say("帮我找一家经济型酒店")
    assert "为您找到" in answer and chat.slots() == {"酒店类型": "经济型"}
    answer = chat.say("要有吹风机的")
    assert chat.slots() == {"酒店类型": "经济型", "酒店设施": "吹风机"}
    for citation in chat.last["citations"]:
        assert citation["evidence_id"].startswith("hotels:")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("asdkjh qwe zzz", "did not understand"),
        ("   ", "did not understand"),  # an empty message is a turn to clarify here, not a 422
        ("'; DROP TABLE hotels; --", "did not understand"),
        ("tell me about the Nonexistent Palace Hotel", "could not find"),
        ("book the acorn guest house for 500 people", "outside 1 to 20"),
        ("book the acorn guest house for 0 people", "outside 1 to 20"),
        ("book the acorn guest house on the 31st of February", "'the 31st of february' is not a date"),
    ],
)
def test_bad_input_gets_a_clarification_and_breaks_nothing(
    hotel: LiveServer, client: openai.OpenAI, message: str, expected: str
) -> None:
    answer = Conversation(client, "hotel").say(message)
    assert expected in answer
    database = hotel.platform.assistant("hotel").scenario.database  # type: ignore[attr-defined]
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(text("hotels"))) == 33
