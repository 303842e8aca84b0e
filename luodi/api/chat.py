"""`POST /v1/chat/completions`, plain and streamed (server-sent events), with Luodi's extra fields."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.errors import REQUEST_ID_HEADER, error_body
from luodi.api.sampling import messages_of, sampling_of
from luodi.api.schemas import ChatCompletion, ChatCompletionRequest, Choice, ChoiceLogprobs, ResponseMessage, Usage
from luodi.api.streaming import closed_when_client_leaves
from luodi.assistants.base import AnswerDelta, Turn
from luodi.contracts import Answer, TokenUsage
from luodi.errors import (
    BackendFailedMidAnswer,
    BackendUnavailable,
    InvalidRequest,
    LuodiError,
    RequestValidationFailed,
    UnsupportedParameter,
)
from luodi.platform import Admission, Platform

router = APIRouter()


@router.post("/v1/chat/completions", response_model=None)
def chat_completions(
    body: ChatCompletionRequest, who: CallerDep, platform: PlatformDep
) -> JSONResponse | StreamingResponse:
    if not body.messages[-1].text().strip() and not platform.clarifies_empty_messages(body.model, who.tenant_id):
        raise RequestValidationFailed("the last message is empty: there is nothing to answer", param="messages")
    _check_token_limit(platform, body, who.tenant_id)
    if body.stream and body.n > 1:
        raise UnsupportedParameter("n > 1 is not streamed: send stream: false for several choices", param="n")
    sampling, messages = sampling_of(body), messages_of(body)
    admission = platform.admit(who, body.model, body.stream, user=body.user)
    turn = Turn(
        messages=messages,
        tenant_id=who.tenant_id,
        max_tokens=body.token_limit,
        temperature=body.temperature,
        conversation_id=body.conversation_id,
        request_id=admission.request_id,
        sampling=sampling,
        user=body.user,
    )
    try:
        if body.stream:
            return _stream_response(platform, admission, turn, body)
        answers = platform.complete_choices(admission, turn)
    except LuodiError as exc:
        exc.request_id = admission.request_id  # the error names the call the ledger recorded
        raise
    return JSONResponse(_completion(admission, body.model, answers).model_dump(), headers=response_headers(admission))


def response_headers(admission: Admission) -> dict[str, str]:
    """`x-request-id` (the completion's id, as the ledger knows it) and the key's rate-limit headers."""
    return {REQUEST_ID_HEADER: admission.request_id, **admission.allowance.headers()}


def _check_token_limit(platform: Platform, body: ChatCompletionRequest, tenant_id: str) -> None:
    """`max_tokens` beyond an embedded model's whole context window can never be written: a 400 naming the limit."""
    limit = body.token_limit
    if limit is None:
        return
    config = platform.resolve(tenant_id, body.model).config
    base_model = platform.settings.base_models.get(config.base_model)
    if base_model is not None and base_model.kind == "embedded" and limit > base_model.context_tokens:
        param = "max_completion_tokens" if body.max_completion_tokens else "max_tokens"
        raise RequestValidationFailed(
            f"{param} is {limit}, over the {base_model.context_tokens}-token context window of base model "
            f"{config.base_model!r} behind {body.model!r}; the limit is {base_model.context_tokens}", param=param)


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


def _usage(admission: Admission, answers: list[Answer]) -> Usage:
    tokens = sum((a.usage for a in answers), TokenUsage())
    return Usage(
        prompt_tokens=tokens.prompt_tokens,
        completion_tokens=tokens.completion_tokens,
        total_tokens=tokens.total_tokens,
        cost_usd=None if admission.cost_usd is None else float(admission.cost_usd),
    )


def _finish_reason(answer: Answer) -> str:
    return "tool_calls" if answer.function_calls else answer.finish_reason


def _tool_calls(answer: Answer) -> list[dict[str, Any]] | None:
    return [c.model_dump() for c in answer.function_calls] or None


def _logprobs(answer: Answer) -> ChoiceLogprobs | None:
    if answer.logprobs is None:
        return None
    return ChoiceLogprobs(content=[t.model_dump() for t in answer.logprobs])


def _choice(index: int, answer: Answer) -> Choice:
    calls = _tool_calls(answer)
    message = ResponseMessage(content=answer.text if answer.text or not calls else None, tool_calls=calls)
    return Choice(index=index, message=message, finish_reason=_finish_reason(answer), logprobs=_logprobs(answer))


def _completion(admission: Admission, model: str, answers: list[Answer]) -> ChatCompletion:
    return ChatCompletion(
        id=admission.request_id,
        created=int(time.time()),
        model=model,
        choices=[_choice(i, a) for i, a in enumerate(answers)],
        usage=_usage(admission, answers),
        **_extras(admission, answers[0]),
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
    headers = {"Cache-Control": "no-cache", **response_headers(admission)}
    return StreamingResponse(closed_when_client_leaves(events), media_type="text/event-stream", headers=headers)


def _sse_events(
    admission: Admission, model: str, first: AnswerDelta, rest: Iterator[AnswerDelta], include_usage: bool
) -> Iterator[str]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish_reason: str | None = None, logprobs: Any = None, **extra: Any) -> str:
        payload = {
            "id": admission.request_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": logprobs}],
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
                logprobs = _logprobs(answer)
                yield chunk(_final_delta(answer), _finish_reason(answer), logprobs.model_dump() if logprobs else None,
                            **_extras(admission, answer))
                if include_usage:
                    payload = {
                        "id": admission.request_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": _usage(admission, [answer]).model_dump(),
                    }
                    yield f"data: {json.dumps(payload)}\n\n"
                break
            pending = next(rest, None)
    except (BackendUnavailable, InvalidRequest) as exc:
        # The status line is gone already; OpenAI clients raise on an `error` event.
        error = error_body(BackendFailedMidAnswer(str(exc)))
        yield f"data: {json.dumps({'error': error.model_dump()})}\n\n"
        return
    yield "data: [DONE]\n\n"


def _final_delta(answer: Answer) -> dict[str, Any]:
    """The last chunk's delta: the caller's functions the model called, whole (OpenAI streams them in pieces;
    one piece with every call is what its clients assemble anyway)."""
    calls = _tool_calls(answer)
    if not calls:
        return {}
    return {"tool_calls": [{"index": i, **call} for i, call in enumerate(calls)]}
