"""The OpenAI-compatible API driven by the official `openai` SDK against a real server and the embedded model."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import openai
import pytest
from sqlalchemy import select

from luodi.ledger.audit import records_for
from luodi.ledger.audit import verify as verify_chain
from luodi.ledger.usage import UsageRecord
from tests.conftest import LiveServer, usage_of


def test_completion_through_the_sdk_is_metered_and_audited(live: LiveServer) -> None:
    client = live.client(live.new_key())
    reply = client.chat.completions.create(
        model="general", messages=[{"role": "user", "content": "Say hello."}], max_tokens=12
    )
    assert reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.prompt_tokens > 0 and 0 < reply.usage.completion_tokens <= 12
    extras = reply.model_extra or {}
    assert extras["luodi"]["base_model"] == "smollm2-135m"
    record = usage_of(live, reply.id)
    assert (record.outcome, record.prompt_tokens, record.completion_tokens) == (
        "ok",
        reply.usage.prompt_tokens,
        reply.usage.completion_tokens,
    )
    assert record.cost_nano_usd > 0
    with live.platform.store.transaction() as session:
        [answered] = records_for(session, reply.id)
    assert answered["kind"] == "request.answered"
    assert answered["payload"]["answer"] == reply.choices[0].message.content
    assert answered["payload"]["messages"] == [{"role": "user", "content": "Say hello."}]


def test_streaming_through_the_sdk(live: LiveServer) -> None:
    client = live.client(live.new_key())
    stream = client.chat.completions.create(
        model="general",
        messages=[{"role": "user", "content": "Count from one to five."}],
        max_tokens=16,
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, finish, usage, request_id = [], None, None, ""
    for chunk in stream:
        request_id = chunk.id
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            finish = choice.finish_reason or finish
        usage = chunk.usage or usage
    text = "".join(pieces)
    assert text and finish in {"stop", "length"}
    assert usage is not None and usage.completion_tokens > 0
    record = usage_of(live, request_id)
    assert record.outcome == "ok" and record.stream == 1
    with live.platform.store.transaction() as session:
        [answered] = records_for(session, request_id)
    assert answered["payload"]["answer"] == text


def test_models_lists_the_assistants(live: LiveServer) -> None:
    listed = {model.id: model for model in live.client(live.new_key()).models.list()}
    settings = live.platform.settings
    assert set(listed) == set(settings.assistants) | set(settings.embedding_models)
    assert (listed["general"].model_extra or {})["base_model"] == "smollm2-135m"


def test_bad_key_is_401_and_unknown_model_is_404(live: LiveServer) -> None:
    with pytest.raises(openai.AuthenticationError) as bad_key:
        live.client("lk-not-a-real-key").chat.completions.create(
            model="general", messages=[{"role": "user", "content": "hi"}]
        )
    assert bad_key.value.status_code == 401
    with pytest.raises(openai.NotFoundError) as unknown:
        live.client(live.new_key()).chat.completions.create(
            model="no-such-assistant", messages=[{"role": "user", "content": "hi"}]
        )
    assert "no-such-assistant" in unknown.value.message


def test_backend_down_is_503_and_recorded(live: LiveServer) -> None:
    client = live.client(live.new_key())
    with pytest.raises(openai.InternalServerError) as down:
        client.chat.completions.create(model="unreachable", messages=[{"role": "user", "content": "hi"}])
    assert down.value.status_code == 503
    with live.platform.store.transaction() as session:
        failed = session.scalars(select(UsageRecord).where(UsageRecord.assistant == "unreachable")).all()
    assert failed and all(r.outcome == "backend_error" for r in failed)


BAD_BODIES = {
    "malformed JSON": (b'{"model": "general", "messages": [', 400, "not valid JSON"),
    "non-UTF-8 bytes": (b'{"model":"general","messages":[{"role":"user","content":"\xff\xfe"}]}', 400, "UTF-8"),
    "a lone UTF-16 surrogate": (b'{"model":"general","messages":[{"role":"user","content":"hi \\ud800"}]}', 400,
                                "messages.0.content holds a lone UTF-16 surrogate"),
    "a lone low surrogate in a key": (b'{"model":"general","messages":[{"role":"user","content":"hi"}],'
                                      b'"\\udc00":1}', 400, "lone UTF-16 surrogate"),
    "nested past what is parsed, with a surrogate": (
        b'{"model":"general","messages":' + b"[" * 5000 + b'"\\ud800"' + b"]" * 5000 + b"}", 400, "parsing"),
    "no messages": (b'{"model":"general","messages":[]}', 400, "messages"),
    "empty message": (b'{"model":"general","messages":[{"role":"user","content":"  "}]}', 400, "empty"),
    "unknown role": (b'{"model":"general","messages":[{"role":"wizard","content":"hi"}]}', 400, "role"),
    "wrong type": (b'{"model":"general","messages":"hello"}', 400, "messages"),
    "negative max_tokens": (
        b'{"model":"general","messages":[{"role":"user","content":"hi"}],"max_tokens":-5}',
        400,
        "max_tokens",
    ),
    "absurd max_tokens": (
        b'{"model":"general","messages":[{"role":"user","content":"hi"}],"max_tokens":1000000000}',
        400,
        "32768",
    ),
    "max_tokens over the context window": (
        b'{"model":"general","messages":[{"role":"user","content":"hi"}],"max_tokens":5000}',
        400,
        "the limit is 2048",
    ),
    "1 MB message": (
        b'{"model":"general","messages":[{"role":"user","content":"' + b"a" * 1_000_000 + b'"}]}',
        413,
        "KiB",
    ),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_input_gets_a_clear_400_in_openai_shape(live: LiveServer, case: str) -> None:
    body, status, words = BAD_BODIES[case]
    key = live.new_key()
    response = httpx.post(
        f"{live.url}/chat/completions",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert words in error["message"] and error["type"]
    # and the service keeps serving
    reply = live.client(key).chat.completions.create(
        model="general", messages=[{"role": "user", "content": "hi"}], max_tokens=4
    )
    assert reply.choices[0].message.content is not None


def test_conversation_longer_than_the_context_is_400(live: LiveServer) -> None:
    client = live.client(live.new_key())
    with pytest.raises(openai.BadRequestError) as too_long:
        client.chat.completions.create(
            model="general", messages=[{"role": "user", "content": "word " * 6000}], max_tokens=8
        )
    assert too_long.value.code == "context_length_exceeded"


def test_the_service_runs_on_postgresql(
    server_factory: Callable[..., LiveServer], postgres_database: Callable[[], str]
) -> None:
    server = server_factory(database_url=postgres_database())
    client = server.client(server.new_key())
    streamed = "".join(
        choice.delta.content or ""
        for chunk in client.chat.completions.create(
            model="general", messages=[{"role": "user", "content": "hi"}], max_tokens=6, stream=True
        )
        for choice in chunk.choices
    )
    reply = client.chat.completions.create(model="general", messages=[{"role": "user", "content": "hi"}], max_tokens=6)
    assert streamed and reply.choices[0].message.content
    assert usage_of(server, reply.id).outcome == "ok"
    with server.platform.store.transaction() as session:
        report = verify_chain(session)
    assert report.intact and report.records >= 2


def test_a_paired_surrogate_is_text_and_answered(live: LiveServer) -> None:
    body = b'{"model":"general","messages":[{"role":"user","content":"hi \\ud83d\\ude00"}],"max_tokens":2}'
    response = httpx.post(f"{live.url}/chat/completions", content=body, timeout=60,
                          headers={"Authorization": f"Bearer {live.new_key()}", "Content-Type": "application/json"})
    assert response.status_code == 200, response.text
