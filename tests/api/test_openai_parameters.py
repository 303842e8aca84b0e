"""Every OpenAI chat parameter Luodi takes is honoured or refused with a 400 naming it, never ignored: driven with the
official `openai` SDK against a real server and the embedded 135M model. The assertions on the model's text are
ones a 135M model meets (the reply parses and validates, the stop string is absent, a seed repeats its text)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest

from tests.conftest import LiveServer, audit_of, usage_of

HI = [{"role": "user", "content": "hi"}]

PERSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
    "additionalProperties": False,
}

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TIME_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "The current time in a time zone.",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
    },
}


def ask(client: openai.OpenAI, **arguments: Any) -> Any:
    arguments.setdefault("model", "general")
    arguments.setdefault("messages", HI)
    return client.chat.completions.create(**arguments)


@pytest.fixture
def client(live: LiveServer) -> openai.OpenAI:
    return live.client(live.new_key())


# --- structured output ------------------------------------------------------------------------------------------
def valid_person(value: Any) -> bool:
    return (isinstance(value, dict) and set(value) == {"name", "age"} and isinstance(value["name"], str)
            and isinstance(value["age"], int))


@pytest.mark.parametrize("strict", [True, False])
def test_response_format_json_schema_gives_json_that_satisfies_the_schema(client: openai.OpenAI, strict: bool) -> None:
    reply = ask(
        client,
        messages=[{"role": "user", "content": "Anna is 31 years old. Give her name and age."}],
        max_tokens=60,
        response_format={"type": "json_schema",
                         "json_schema": {"name": "person", "schema": PERSON_SCHEMA, "strict": strict}},
    )
    assert valid_person(json.loads(reply.choices[0].message.content or ""))


def test_response_format_json_object_gives_one_json_object(client: openai.OpenAI) -> None:
    reply = ask(
        client,
        messages=[{"role": "user", "content": "Describe a cat as JSON with keys colour and mood."}],
        max_tokens=60,
        response_format={"type": "json_object"},
    )
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_json_schema_is_honoured_when_streamed(client: openai.OpenAI) -> None:
    stream = ask(
        client,
        messages=[{"role": "user", "content": "Bob is 40. Give his name and age."}],
        max_tokens=60,
        stream=True,
        response_format={"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON_SCHEMA}},
    )
    text = "".join(choice.delta.content or "" for chunk in stream for choice in chunk.choices)
    assert valid_person(json.loads(text))


# --- tools ------------------------------------------------------------------------------------------------------
def test_tool_choice_required_gives_a_tool_call_naming_the_function(live: LiveServer, client: openai.OpenAI) -> None:
    reply = ask(
        client,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        max_tokens=80,
        tools=[WEATHER_TOOL],
        tool_choice="required",
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.type == "function" and call.function.name == "get_weather" and call.id
    assert isinstance(json.loads(call.function.arguments), dict)
    assert audit_of(live, reply.id)["function_calls"][0]["function"]["name"] == "get_weather"


def test_a_named_tool_choice_calls_that_function(client: openai.OpenAI) -> None:
    reply = ask(
        client,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        max_tokens=80,
        tools=[WEATHER_TOOL, TIME_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_time"}},
    )
    calls = reply.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["get_time"]
    assert "zone" in json.loads(calls[0].function.arguments)


def test_tool_choice_none_calls_no_tool(client: openai.OpenAI) -> None:
    reply = ask(client, messages=[{"role": "user", "content": "What is the weather in Paris?"}], max_tokens=12,
                tools=[WEATHER_TOOL], tool_choice="none")
    assert not reply.choices[0].message.tool_calls and reply.choices[0].finish_reason != "tool_calls"


def test_streamed_tool_calls_come_as_deltas(client: openai.OpenAI) -> None:
    stream = ask(client, messages=[{"role": "user", "content": "Weather in Rome?"}], max_tokens=80,
                 tools=[WEATHER_TOOL], tool_choice="required", stream=True)
    names, arguments, finish = [], "", None
    for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for call in choice.delta.tool_calls or []:
                if call.function and call.function.name:
                    names.append(call.function.name)
                arguments += (call.function.arguments or "") if call.function else ""
    assert names == ["get_weather"] and finish == "tool_calls"
    assert isinstance(json.loads(arguments), dict)


def test_tool_results_and_calls_stay_in_the_conversation(live: LiveServer, client: openai.OpenAI) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}
    messages = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C and sunny"},
    ]
    reply = ask(client, messages=messages, max_tokens=16, tools=[WEATHER_TOOL], tool_choice="none")
    assert reply.choices[0].message.content
    kept = audit_of(live, reply.id)["messages"]
    assert kept[1]["tool_calls"][0]["function"] == call["function"] and kept[1]["tool_calls"][0]["id"] == "call_1"
    assert kept[2] == {"role": "tool", "tool_call_id": "call_1", "content": "18 C and sunny"}


@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        ({"tools": [WEATHER_TOOL], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
        ({"tool_choice": "required"}, "tool_choice"),
        ({"messages": [{"role": "tool", "content": "18 C"}]}, "messages.0.tool_call_id"),
        ({"top_logprobs": 2}, "top_logprobs"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, "response_format.json_schema"),
        ({"n": 2, "stream": True}, "n"),
    ],
)
def test_parameters_that_cannot_be_served_as_sent_are_a_400_naming_them(
    client: openai.OpenAI, arguments: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, max_tokens=4, **arguments)
    assert refused.value.status_code == 400
    assert isinstance(refused.value.body, dict) and refused.value.body["param"] == param


# --- sampling ---------------------------------------------------------------------------------------------------
def test_stop_cuts_the_reply_before_the_stop_string(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Count from one to ten in words."}]
    free = ask(client, messages=messages, max_tokens=40).choices[0].message.content or ""
    words = free.split()
    assert len(words) >= 4, free
    stop = words[len(words) // 2]
    stopped = ask(client, messages=messages, max_tokens=40, stop=[stop]).choices[0]
    assert stop not in (stopped.message.content or "")
    assert len(stopped.message.content or "") < len(free) and stopped.finish_reason == "stop"


def test_the_same_seed_gives_the_same_text(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Write one sentence about the sea."}]
    texts = [ask(client, messages=messages, max_tokens=24, temperature=1.2, seed=seed).choices[0].message.content
             for seed in (7, 7, 8, 9)]
    assert texts[0] == texts[1]
    assert len(set(texts)) > 1  # the seed is what repeats the text, not a sampler that ignores the temperature


def test_a_tiny_top_p_samples_like_greedy_decoding(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "Write one sentence about the sea."}]
    greedy = ask(client, messages=messages, max_tokens=24, temperature=0).choices[0].message.content
    narrow = [ask(client, messages=messages, max_tokens=24, temperature=1.5, top_p=1e-6).choices[0].message.content
              for _ in range(2)]
    assert narrow == [greedy, greedy]


def test_logprobs_come_one_per_token_with_the_alternatives_asked_for(client: openai.OpenAI) -> None:
    reply = ask(client, max_tokens=8, logprobs=True, top_logprobs=3)
    content = reply.choices[0].logprobs.content
    assert reply.usage is not None and len(content) == reply.usage.completion_tokens
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 3 for t in content)
    assert "".join(t.token for t in content).strip() == (reply.choices[0].message.content or "").strip()
    assert ask(client, max_tokens=4).choices[0].logprobs is None


def test_logprobs_are_streamed_too(client: openai.OpenAI) -> None:
    stream = ask(client, max_tokens=8, logprobs=True, top_logprobs=2, stream=True)
    tokens = [t for chunk in stream for choice in chunk.choices if choice.logprobs and choice.logprobs.content
              for t in choice.logprobs.content]
    assert tokens and all(len(t.top_logprobs) == 2 for t in tokens)


def test_n_gives_n_choices_all_billed(live: LiveServer, client: openai.OpenAI) -> None:
    one = ask(client, max_tokens=8, temperature=1.0, seed=3)
    three = ask(client, max_tokens=8, temperature=1.0, seed=3, n=3)
    assert [c.index for c in three.choices] == [0, 1, 2]
    assert three.choices[0].message.content == one.choices[0].message.content  # the first choice keeps the seed
    record = usage_of(live, three.id)
    assert three.usage is not None and record.completion_tokens == three.usage.completion_tokens
    assert record.prompt_tokens == three.usage.prompt_tokens == 3 * (one.usage.prompt_tokens if one.usage else 0)
    assert usage_of(live, three.id).cost_nano_usd > 2 * usage_of(live, one.id).cost_nano_usd


# --- what grounded and scenario assistants cannot honour ----------------------------------------------------------
@pytest.mark.parametrize("model", ["filings", "hotel"])
@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        ({"tools": [WEATHER_TOOL]}, "tools"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
        ({"logprobs": True}, "logprobs"),
        ({"n": 2}, "n"),
        ({"stop": ["."]}, "stop"),
    ],
)
def test_grounded_and_scenario_assistants_refuse_what_they_cannot_honour(
    live: LiveServer, client: openai.OpenAI, model: str, arguments: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, model=model, messages=[{"role": "user", "content": "a hotel in the centre"}], **arguments)
    body = refused.value.body
    assert isinstance(body, dict) and body["param"] == param and body["code"] == "unsupported_parameter"
    assert param in refused.value.message and model in refused.value.message
    request_id = refused.value.response.headers["x-request-id"]
    assert usage_of(live, request_id).outcome == "invalid_request"


def test_a_grounded_assistant_refuses_tools_when_streamed_too(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        ask(client, model="filings", tools=[WEATHER_TOOL], stream=True)
    assert isinstance(refused.value.body, dict) and refused.value.body["param"] == "tools"


# --- user, cost, headers ------------------------------------------------------------------------------------------
def test_user_is_recorded_in_usage_and_audit(live: LiveServer, client: openai.OpenAI) -> None:
    reply = ask(client, max_tokens=4, user="end-user-42")
    assert usage_of(live, reply.id).end_user == "end-user-42"
    assert audit_of(live, reply.id)["user"] == "end-user-42"


@pytest.mark.parametrize("stream", [False, True])
def test_the_cost_in_the_response_is_what_the_ledger_bills(
    live: LiveServer, client: openai.OpenAI, stream: bool
) -> None:
    if stream:
        stream = ask(client, max_tokens=6, stream=True, stream_options={"include_usage": True})
        chunks = list(stream)
        request_id, usage = chunks[-1].id, chunks[-1].usage
        assert stream.response.headers["x-request-id"] == request_id
    else:
        reply = ask(client, max_tokens=6)
        request_id, usage = reply.id, reply.usage
    assert usage is not None
    cost = (usage.model_extra or {})["cost_usd"]
    billed = usage_of(live, request_id).cost_nano_usd
    assert billed > 0 and round(cost * 1e9) == billed


def test_every_response_has_a_request_id(live: LiveServer, client: openai.OpenAI) -> None:
    reply = client.chat.completions.with_raw_response.create(model="general", messages=HI, max_tokens=4)  # type: ignore[arg-type]
    assert reply.headers["x-request-id"] == reply.parse().id
    assert reply.parse()._request_id == reply.parse().id
    key = live.new_key()
    for response in (
        httpx.get(f"{live.url}/models", headers={"Authorization": f"Bearer {key}"}),
        httpx.get(f"{live.url}/no-such-route", headers={"Authorization": f"Bearer {key}"}),
        httpx.post(f"{live.url}/chat/completions", json={"model": "general"}, headers={"Authorization": "Bearer x"}),
    ):
        assert response.headers.get("x-request-id"), response.url


def test_rate_limit_headers_count_down_and_a_429_says_when_to_retry(live: LiveServer) -> None:
    from luodi.gateway.tenants import Quotas

    client = live.client(live.new_key(quotas=Quotas(requests_per_minute=2, tokens_per_month=100_000)))
    seen = []
    for _ in range(2):
        raw = client.chat.completions.with_raw_response.create(model="general", messages=HI, max_tokens=4)  # type: ignore[arg-type]
        seen.append(raw.headers)
    assert [h["x-ratelimit-limit-requests"] for h in seen] == ["2", "2"]
    assert [h["x-ratelimit-remaining-requests"] for h in seen] == ["1", "0"]
    assert all(h["x-ratelimit-reset-requests"].endswith("s") for h in seen)
    assert seen[0]["x-ratelimit-limit-tokens"] == "100000"
    assert int(seen[1]["x-ratelimit-remaining-tokens"]) < int(seen[0]["x-ratelimit-remaining-tokens"]) <= 100_000
    with pytest.raises(openai.RateLimitError) as limited:
        ask(client, max_tokens=4)
    headers = limited.value.response.headers
    assert 1 <= int(headers["Retry-After"]) <= 60 and headers["x-ratelimit-remaining-requests"] == "0"


def test_a_used_up_budget_is_429_insufficient_quota_not_worth_retrying(live: LiveServer) -> None:
    from decimal import Decimal

    from luodi.gateway.tenants import Quotas

    client = live.client(live.new_key(quotas=Quotas(budget_usd_per_month=Decimal("0.0001"))))
    ask(client, max_tokens=4)
    with pytest.raises(openai.RateLimitError) as over:
        ask(client, max_tokens=4)
    assert over.value.code == "insufficient_quota"
    headers = over.value.response.headers
    assert headers["x-should-retry"] == "false" and int(headers["Retry-After"]) > 60


# --- bodies without a JSON content type -----------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_json_body_without_a_json_content_type_is_read_as_json(live: LiveServer, content_type: str | None) -> None:
    headers = {"Authorization": f"Bearer {live.new_key()}"}
    if content_type:
        headers["Content-Type"] = content_type
    body = json.dumps({"model": "general", "messages": HI, "max_tokens": 4}).encode()
    response = httpx.post(f"{live.url}/chat/completions", content=body, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    not_json = httpx.post(f"{live.url}/chat/completions", content=b"model=general", headers=headers)
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]["message"]


def test_an_approval_posted_as_curl_does_by_default_is_read_as_json(live: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live.new_key(role='operator')}",
               "Content-Type": "application/x-www-form-urlencoded"}
    response = httpx.post(f"{live.url}/approvals/nope/approve", content=b'{"operator": "duty manager"}',
                          headers=headers)
    assert response.status_code == 404 and response.json()["error"]["code"] == "approval_not_found"
