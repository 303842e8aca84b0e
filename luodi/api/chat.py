"""`POST /v1/chat/completions`, plain and streamed (server-sent events), with Luodi's extra fields."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.errors import error_body
from luodi.api.schemas import ChatCompletion, ChatCompletionRequest, Choice, ResponseMessage, Usage
from luodi.assistants.base import AnswerDelta, Turn
from luodi.contracts import Answer
from luodi.contracts import Message as ChatMessage
from luodi.errors import BackendFailedMidAnswer, BackendUnavailable, PromptTooLong, RequestValidationFailed
from luodi.gateway.tenants import Caller
from luodi.platform import Admission, Platform

router = APIRouter()


@router.post("/v1/chat/completions", response_model=None)
def chat_completions(
    body: ChatCompletionRequest, who: CallerDep, platform: PlatformDep
) -> JSONResponse | StreamingResponse:
    if not body.messages[-1].text().strip() and not platform.clarifies_empty_messages(body.model):
        raise RequestValidationFailed("the last message is empty: there is nothing to answer", param="messages")
    admission = platform.admit(who, body.model, body.stream)
    turn = _turn(body, who, admission.request_id)
    if body.stream:
        return _stream_response(platform, admission, turn, body)
    answer = platform.complete(admission, turn)
    return JSONResponse(_completion(admission, body.model, answer).model_dump())


def _turn(body: ChatCompletionRequest, who: Caller, request_id: str) -> Turn:
    # "developer" is OpenAI's newer name for "system"
    messages = [
        ChatMessage(role="system" if m.role == "developer" else m.role, content=m.text()) for m in body.messages
    ]
    return Turn(
        messages=messages,
        tenant_id=who.tenant_id,
        max_tokens=body.token_limit,
        temperature=body.temperature,
        conversation_id=body.conversation_id,
        request_id=request_id,
    )


def _extras(admission: Admission, answer: Answer) -> dict[str, Any]:
    return {
        "citations": [c.model_dump() for c in answer.citations],
        "verification": answer.verification.model_dump(),
        "luodi": {
            "request_id": admission.request_id,
            "assistant": admission.assistant.name,
            "base_model": admission.config.base_model,
            "abstained": answer.abstained,
            "tool_calls": [t.model_dump() for t in answer.tool_calls],
            "state": answer.state,
        },
    }


def _usage(answer: Answer) -> Usage:
    return Usage(
        prompt_tokens=answer.usage.prompt_tokens,
        completion_tokens=answer.usage.completion_tokens,
        total_tokens=answer.usage.total_tokens,
    )


def _completion(admission: Admission, model: str, answer: Answer) -> ChatCompletion:
    return ChatCompletion(
        id=admission.request_id,
        created=int(time.time()),
        model=model,
        choices=[Choice(message=ResponseMessage(content=answer.text), finish_reason=answer.finish_reason)],
        usage=_usage(answer),
        **_extras(admission, answer),
    )


def _stream_response(
    platform: Platform, admission: Admission, turn: Turn, body: ChatCompletionRequest
) -> StreamingResponse:
    deltas = platform.stream(admission, turn)
    # Pull the first piece before answering 200, so that a prompt that is too long or a backend that is down
    # still gets its proper status code instead of an error inside a started stream.
    first = next(deltas)
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    events = _sse_events(admission, body.model, first, deltas, include_usage)
    return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _sse_events(
    admission: Admission, model: str, first: AnswerDelta, rest: Iterator[AnswerDelta], include_usage: bool
) -> Iterator[str]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> str:
        payload = {
            "id": admission.request_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            **extra,
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    pending: AnswerDelta | None = first
    try:
        while pending is not None:
            if pending.text:
                yield chunk({"content": pending.text})
            if pending.final is not None:
                answer = pending.final
                yield chunk({}, answer.finish_reason, **_extras(admission, answer))
                if include_usage:
                    payload = {
                        "id": admission.request_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": _usage(answer).model_dump(),
                    }
                    yield f"data: {json.dumps(payload)}\n\n"
                break
            pending = next(rest, None)
    except (BackendUnavailable, PromptTooLong) as exc:
        # The status line is gone already; OpenAI clients raise on an `error` event.
        error = error_body(BackendFailedMidAnswer(str(exc)))
        yield f"data: {json.dumps({'error': error.model_dump()})}\n\n"
        return
    yield "data: [DONE]\n\n"
