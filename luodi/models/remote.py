"""Any OpenAI-compatible endpoint as a base model: vLLM, SGLang, Ollama's /v1, llama.cpp server, DeepSeek,
Qwen (DashScope compatible mode), Zhipu GLM, OpenAI itself. One adapter; the endpoint is configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import openai

from luodi.contracts import Generation, GenerationRequest, TokenUsage
from luodi.models.base import BackendUnavailable, StreamChunk


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
            "messages": [m.model_dump(exclude_defaults=True) for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "top_p": request.top_p,
        }
        if request.stop:
            arguments["stop"] = request.stop
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.json_schema is not None and self.supports_json_schema:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": request.json_schema, "strict": True},
            }
        return arguments

    def generate(self, request: GenerationRequest) -> Generation:
        try:
            reply = self._client.chat.completions.create(**self._arguments(request))
        except (openai.APIError, httpx.HTTPError) as exc:
            raise BackendUnavailable(f"{self.name}: {exc}") from exc
        choice = reply.choices[0]
        usage = reply.usage
        return Generation(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            usage=TokenUsage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
            ),
        )

    def stream(self, request: GenerationRequest) -> Iterator[StreamChunk]:
        finish_reason: str | None = None
        usage: TokenUsage | None = None
        produced: list[str] = []
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
                    text = choice.delta.content or ""
                    if text:
                        produced.append(text)
                        yield StreamChunk(text)
                    finish_reason = choice.finish_reason or finish_reason
        except (openai.APIError, httpx.HTTPError, ValueError) as exc:
            raise BackendUnavailable(f"{self.name}: {exc}") from exc
        if finish_reason is None:
            raise BackendUnavailable(f"{self.name}: the stream ended before the model finished")
        if usage is None:
            prompt = " ".join(m.content for m in request.messages)
            usage = TokenUsage(
                prompt_tokens=_estimate_tokens(prompt), completion_tokens=_estimate_tokens("".join(produced))
            )
        yield StreamChunk("", finish_reason=finish_reason, usage=usage)


def _estimate_tokens(text: str) -> int:
    # for servers that do not report usage in streams: their tokenizers are not ours to call, and four
    # characters a token is the usual estimate
    return max(1, len(text) // 4)
