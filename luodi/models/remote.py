"""Any OpenAI-compatible endpoint as a base model: vLLM, SGLang, Ollama's /v1, llama.cpp server, DeepSeek,
Qwen (DashScope compatible mode), Zhipu GLM, OpenAI itself. One adapter; the endpoint is configuration.

Every generation parameter is passed through as OpenAI names it (`response_format` json_schema or json_object,
`tools`/`tool_choice`, `stop`, `seed`, `top_p`, `logprobs`/`top_logprobs`; `repeat_penalty`, which OpenAI lacks, as
vLLM's `repetition_penalty` when set), and the server's tool calls and logprobs are read back. A JSON reply is
checked against the schema here too, since not every server enforces it. `n` is not sent: a backend writes one
choice (the `Generation` contract), and the API asks n times with n seeds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import openai

from luodi.contracts import (
    FunctionCall,
    Generation,
    GenerationRequest,
    Message,
    TokenLogprob,
    TokenUsage,
    ToolCallRequest,
    ToolSpec,
    TopLogprob,
)
from luodi.errors import InvalidRequest
from luodi.models.base import BackendUnavailable, StreamChunk
from luodi.models.structured import OutputPlan, new_call_id, plan_for


class OpenAICompatible:
    def __init__(
        self,
        name: str,
        base_url: str,
        model: str,
        api_key_env: str | None = None,
        timeout_seconds: float = 60.0,
        supports_json_schema: bool = True,
    ) -> None:
        self.name = name
        self.model = model
        self.supports_json_schema = supports_json_schema
        api_key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_seconds, max_retries=0
        )

    def _arguments(self, request: GenerationRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": [wire_message(m) for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        if request.stop:
            arguments["stop"] = request.stop
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.logprobs:
            arguments["logprobs"] = True
            if request.top_logprobs:
                arguments["top_logprobs"] = request.top_logprobs
        if request.repeat_penalty is not None:  # not OpenAI's; vLLM's and SGLang's name for it
            arguments["extra_body"] = {"repetition_penalty": request.repeat_penalty}
        response_format = self._response_format(request)
        if response_format is not None:
            arguments["response_format"] = response_format
        if request.tools:
            arguments["tools"] = [wire_tool(t) for t in request.tools]
            arguments["tool_choice"] = wire_tool_choice(request.tool_choice)
        return arguments

    def _response_format(self, request: GenerationRequest) -> dict[str, Any] | None:
        if request.json_schema is not None and self.supports_json_schema:
            return {"type": "json_schema", "json_schema": {"name": "answer", "schema": request.json_schema}}
        if request.json_schema is not None or request.json_object:
            return {"type": "json_object"}  # a server without schemas: any JSON object, judged against the schema
        return None

    def generate(self, request: GenerationRequest) -> Generation:
        plan = plan_for(request)
        try:
            reply = self._client.chat.completions.create(**self._arguments(request))
        except (openai.APIError, httpx.HTTPError) as exc:
            raise self._failure(exc) from exc
        choice = reply.choices[0]
        usage = reply.usage
        calls = [
            read_call(c.id, c.function.name, c.function.arguments)
            for c in choice.message.tool_calls or []
            if c.type == "function"
        ]
        text = choice.message.content or ""
        finish_reason = choice.finish_reason or "stop"
        if not calls:
            text, finish_reason = self._judged(plan, text, finish_reason, request)
        return Generation(
            text=text,
            finish_reason="tool_calls" if calls else finish_reason,
            usage=TokenUsage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
            function_calls=calls,
            logprobs=read_logprobs(choice.logprobs) if request.logprobs else None,
        )

    def stream(self, request: GenerationRequest) -> Iterator[StreamChunk]:
        """Text as it comes; JSON replies whole at the end once judged, and tool calls (sent in fragments) too."""
        plan = plan_for(request)
        whole = plan.mode == "json"
        finish_reason: str | None = None
        usage: TokenUsage | None = None
        produced: list[str] = []
        calls = _CallFragments()
        try:
            pieces = self._client.chat.completions.create(
                stream=True, stream_options={"include_usage": True}, **self._arguments(request)
            )
            for piece in pieces:
                if piece.usage is not None:
                    usage = TokenUsage(
                        prompt_tokens=piece.usage.prompt_tokens,
                        completion_tokens=piece.usage.completion_tokens,
                    )
                for choice in piece.choices:
                    calls.add(choice.delta.tool_calls or [])
                    text = choice.delta.content or ""
                    logprobs = read_logprobs(choice.logprobs) if request.logprobs else None
                    if text or logprobs:
                        produced.append(text)
                        if not whole:
                            yield StreamChunk(text, logprobs=logprobs)
                    finish_reason = choice.finish_reason or finish_reason
        except (openai.APIError, httpx.HTTPError, ValueError) as exc:
            raise self._failure(exc) from exc
        if finish_reason is None:
            raise BackendUnavailable(f"{self.name}: the stream ended before the model finished")
        if usage is None:
            prompt = " ".join(m.content for m in request.messages)
            usage = TokenUsage(
                prompt_tokens=_estimate_tokens(prompt), completion_tokens=_estimate_tokens("".join(produced))
            )
        function_calls = calls.done()
        if function_calls:
            yield StreamChunk("", finish_reason="tool_calls", usage=usage, function_calls=function_calls)
            return
        text, finish_reason = self._judged(plan, "".join(produced), finish_reason, request)
        yield StreamChunk(text if whole else "", finish_reason=finish_reason, usage=usage)

    def _judged(self, plan: OutputPlan, text: str, finish_reason: str, request: GenerationRequest) -> tuple[str, str]:
        """A JSON reply checked against what was asked (the server may not enforce it); text as it is."""
        if plan.mode != "json" and not (plan.schema is not None and text.lstrip().startswith("{")):
            return text, finish_reason
        reply = OutputPlan("json", plan.schema).parse(text, finish_reason, request.max_tokens)
        return reply.text, reply.finish_reason

    def _failure(self, error: Exception) -> Exception:
        if isinstance(error, openai.BadRequestError):  # the server refused what the caller asked: the caller's to fix
            return InvalidRequest(f"base model {self.name!r} refused the request: {error.message}")
        return BackendUnavailable(f"{self.name}: {error}")


def wire_message(message: Message) -> dict[str, Any]:
    """A message as OpenAI's API takes it: an assistant's tool calls with their type, a tool result with its id."""
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.name:
        wire["name"] = message.name
    if message.tool_calls:
        wire["content"] = message.content or None
        wire["tool_calls"] = [c.model_dump() for c in message.tool_calls]
    if message.tool_call_id:
        wire["tool_call_id"] = message.tool_call_id
    return wire


def wire_tool(tool: ToolSpec) -> dict[str, Any]:
    function: dict[str, Any] = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
    if tool.strict:
        function["strict"] = True
    return {"type": "function", "function": function}


def wire_tool_choice(choice: str) -> Any:
    if choice in ("none", "auto", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def read_call(call_id: str | None, name: str | None, arguments: str | None) -> ToolCallRequest:
    return ToolCallRequest(
        id=call_id or new_call_id(), function=FunctionCall(name=name or "", arguments=arguments or "{}")
    )


def read_logprobs(logprobs: Any) -> list[TokenLogprob]:
    """OpenAI's `choices[].logprobs.content` as contracts (empty if the server sent none)."""
    content = getattr(logprobs, "content", None) or []
    return [
        TokenLogprob(
            token=t.token,
            logprob=t.logprob,
            bytes=t.bytes,
            top_logprobs=[TopLogprob(token=a.token, logprob=a.logprob, bytes=a.bytes) for a in t.top_logprobs or []],
        )
        for t in content
    ]


class _CallFragments:
    """Tool calls as a stream sends them: the id and name first, the arguments in pieces, by index."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, deltas: list[Any]) -> None:
        for delta in deltas:
            call = self._calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            call["id"] = delta.id or call["id"]
            if delta.function is not None:
                call["name"] += delta.function.name or ""
                call["arguments"] += delta.function.arguments or ""

    def done(self) -> list[ToolCallRequest]:
        return [read_call(c["id"], c["name"], c["arguments"]) for _, c in sorted(self._calls.items())]


def _estimate_tokens(text: str) -> int:
    # for servers that do not report usage in streams: their tokenizers are not ours to call, and four
    # characters a token is the usual estimate
    return max(1, len(text) // 4)
