"""The OpenAI-compatible backend passes every generation parameter through and reads tool calls and logprobs back.

The upstream is a small OpenAI-compatible HTTP server on 127.0.0.1 that records what it received and answers
with what the test sets: the one way to see the wire without an external service."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from luodi.contracts import FunctionCall, GenerationRequest, Message, ToolCallRequest, ToolSpec
from luodi.errors import InvalidRequest, StructuredOutputFailed
from luodi.models.remote import OpenAICompatible

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather of a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
LOGPROBS = {
    "content": [
        {"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": [{"token": "Hi", "logprob": -0.1}]}
    ]
}
USAGE = {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}


@dataclass
class Upstream:
    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    message: dict[str, Any] = field(default_factory=lambda: {"role": "assistant", "content": "Hi"})
    finish_reason: str = "stop"
    chunks: list[dict[str, Any]] = field(default_factory=list)  # stream deltas
    status: int = 200


@pytest.fixture()
def upstream() -> Iterator[Upstream]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Upstream(url=f"http://127.0.0.1:{server.server_address[1]}/v1")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.received.append(body)
            if state.status != 200:
                return self._send(state.status, {"error": {"message": "bad schema", "type": "invalid_request_error"}})
            if not body.get("stream"):
                choice = {"index": 0, "message": state.message, "finish_reason": state.finish_reason}
                choice["logprobs"] = LOGPROBS if body.get("logprobs") else None
                return self._send(
                    200,
                    {
                        "id": "x",
                        "object": "chat.completion",
                        "created": 1,
                        "model": "m",
                        "choices": [choice],
                        "usage": USAGE,
                    },
                )
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            deltas = [*state.chunks, {"finish_reason": state.finish_reason}]
            for delta in deltas:
                choice = {
                    "index": 0,
                    "delta": delta.get("delta", {}),
                    "finish_reason": delta.get("finish_reason"),
                    "logprobs": delta.get("logprobs"),
                }
                event = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice]}
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            usage = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [],
                "usage": USAGE,
            }
            self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def backend(upstream: Upstream, **options: Any) -> OpenAICompatible:
    return OpenAICompatible("remote", base_url=upstream.url, model="m", **options)


def ask(**fields: Any) -> GenerationRequest:
    return GenerationRequest(messages=[Message(role="user", content="hi")], **fields)


def test_sampling_fields_reach_the_upstream(upstream: Upstream) -> None:
    backend(upstream).generate(ask(stop=["END"], seed=42, top_p=0.5, logprobs=True, top_logprobs=2, repeat_penalty=1.2))
    [body] = upstream.received
    assert body["stop"] == ["END"] and body["seed"] == 42 and body["top_p"] == 0.5
    assert body["logprobs"] is True and body["top_logprobs"] == 2 and body["repetition_penalty"] == 1.2
    assert "n" not in body  # one choice per call: the API asks n times


def test_logprobs_are_read_back_unstreamed_and_streamed(upstream: Upstream) -> None:
    reply = backend(upstream).generate(ask(logprobs=True, top_logprobs=1))
    assert reply.logprobs is not None and reply.logprobs[0].token == "Hi" and reply.logprobs[0].bytes == [72, 105]
    assert reply.logprobs[0].top_logprobs[0].logprob == -0.1
    upstream.chunks = [{"delta": {"content": "Hi"}, "logprobs": LOGPROBS}]
    chunks = list(backend(upstream).stream(ask(logprobs=True)))
    assert chunks[0].text == "Hi" and chunks[0].logprobs is not None and chunks[0].logprobs[0].logprob == -0.1
    assert backend(upstream).generate(ask()).logprobs is None


def test_response_formats_reach_the_upstream_and_replies_are_judged(upstream: Upstream) -> None:
    upstream.message = {"role": "assistant", "content": '{"city": "Paris"}'}
    assert json.loads(backend(upstream).generate(ask(json_schema=SCHEMA)).text) == {"city": "Paris"}
    backend(upstream).generate(ask(json_object=True))
    backend(upstream, supports_json_schema=False).generate(ask(json_schema=SCHEMA))
    schema_format, object_format, fallback = (body["response_format"] for body in upstream.received)
    assert schema_format["type"] == "json_schema" and schema_format["json_schema"]["schema"] == SCHEMA
    assert object_format == {"type": "json_object"} and fallback == {"type": "json_object"}
    upstream.message = {"role": "assistant", "content": '{"town": "Paris"}'}
    with pytest.raises(StructuredOutputFailed, match="city"):
        backend(upstream).generate(ask(json_schema=SCHEMA))
    upstream.message = {"role": "assistant", "content": "Paris"}
    with pytest.raises(StructuredOutputFailed):
        backend(upstream).generate(ask(json_object=True))
    upstream.chunks = [{"delta": {"content": '{"city":'}}, {"delta": {"content": ' "Rome"}'}}]
    [whole] = backend(upstream).stream(ask(json_schema=SCHEMA))
    assert json.loads(whole.text) == {"city": "Rome"} and whole.finish_reason == "stop"


def test_tools_and_tool_choice_reach_the_upstream_and_calls_are_read_back(upstream: Upstream) -> None:
    upstream.message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
        ],
    }
    upstream.finish_reason = "tool_calls"
    reply = backend(upstream).generate(ask(tools=[WEATHER], tool_choice="get_weather"))
    assert reply.finish_reason == "tool_calls" and reply.text == ""
    assert reply.function_calls == [
        ToolCallRequest(id="call_abc", function=FunctionCall(name="get_weather", arguments='{"city": "Oslo"}'))
    ]
    backend(upstream).generate(ask(tools=[WEATHER], tool_choice="required"))
    named, required = upstream.received
    assert named["tools"] == [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": WEATHER.description, "parameters": WEATHER.parameters},
        }
    ]
    assert named["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert required["tool_choice"] == "required"


def test_streamed_tool_calls_are_gathered_and_delivered_whole(upstream: Upstream) -> None:
    upstream.chunks = [
        {
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_x",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            }
        },
        {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}},
        {"delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}},
    ]
    upstream.finish_reason = "tool_calls"
    [final] = backend(upstream).stream(ask(tools=[WEATHER]))
    assert final.finish_reason == "tool_calls" and final.usage is not None and final.usage.prompt_tokens == 7
    [call] = final.function_calls
    assert call.id == "call_x" and json.loads(call.function.arguments) == {"city": "Oslo"}


def test_tool_calls_and_results_in_the_conversation_are_sent_as_openai_shapes(upstream: Upstream) -> None:
    call = ToolCallRequest(id="call_1", function=FunctionCall(name="get_weather", arguments='{"city": "Oslo"}'))
    messages = [
        Message(role="user", content="Weather in Oslo?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", content="5 degrees", tool_call_id="call_1"),
    ]
    backend(upstream).generate(GenerationRequest(messages=messages, tools=[WEATHER]))
    _, assistant, tool = upstream.received[0]["messages"]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
        ],
    }
    assert tool == {"role": "tool", "content": "5 degrees", "tool_call_id": "call_1"}


def test_an_upstream_refusal_of_the_request_is_the_callers_error(upstream: Upstream) -> None:
    upstream.status = 400
    with pytest.raises(InvalidRequest, match="bad schema"):
        backend(upstream).generate(ask(json_schema=SCHEMA))
