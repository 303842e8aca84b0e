"""The OpenAI-compatible HTTP API: /v1/chat/completions (plain and streamed), /v1/models, /healthz."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from luodi.api.errors import error_body, error_response, install_error_handlers
from luodi.api.schemas import (
    ApprovalList,
    ApprovalOut,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    Decision,
    ModelCard,
    ModelList,
    ResponseMessage,
    Usage,
)
from luodi.assistants.base import AnswerDelta, Turn
from luodi.contracts import Answer
from luodi.contracts import Message as ChatMessage
from luodi.errors import (
    BackendFailedMidAnswer,
    BackendUnavailable,
    OperatorKeyRequired,
    PromptTooLong,
    RequestTooLarge,
    RequestValidationFailed,
)
from luodi.gateway.tenants import Caller
from luodi.governance.approvals import Approval
from luodi.platform import Admission, Platform

MAX_BODY_BYTES = 512 * 1024
STARTED = int(time.time())


class BodySizeLimit:
    """Refuses request bodies over the limit with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                error = RequestTooLarge(f"request body is over {self.limit // 1024} KiB; send shorter messages")
                await error_response(error)(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def current_caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    platform: Platform = request.app.state.platform
    secret = authorization.removeprefix("Bearer ").strip() if authorization else None
    return platform.authenticate(secret)


CallerDep = Annotated[Caller, Depends(current_caller)]


def create_app(platform: Platform) -> FastAPI:
    app = FastAPI(title="Luodi", version="0.1.0", description="Industry assistants, OpenAI-compatible.")
    app.state.platform = platform
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)

    @app.get("/healthz")
    def health() -> dict[str, Any]:
        return {"status": "ok", "assistants": sorted(platform.settings.assistants)}

    @app.get("/v1/models", response_model=ModelList)
    def list_models(_caller: CallerDep) -> ModelList:
        return ModelList(
            data=[
                ModelCard(
                    id=name,
                    created=STARTED,
                    owned_by=config.partner or "luodi",
                    base_model=config.base_model,
                    description=config.description,
                )
                for name, config in sorted(platform.settings.assistants.items())
            ]
        )

    @app.post("/v1/chat/completions", response_model=None)
    def chat_completions(body: ChatCompletionRequest, who: CallerDep) -> JSONResponse | StreamingResponse:
        if not body.messages[-1].text().strip() and not platform.clarifies_empty_messages(body.model):
            raise RequestValidationFailed("the last message is empty: there is nothing to answer", param="messages")
        admission = platform.admit(who, body.model, body.stream)
        turn = _turn(body, who, admission.request_id)
        if body.stream:
            return _stream_response(platform, admission, turn, body)
        answer = platform.complete(admission, turn)
        return JSONResponse(_completion(admission, body.model, answer).model_dump())

    @app.get("/v1/approvals", response_model=ApprovalList)
    def list_approvals(
        who: CallerDep, status: Literal["pending", "executed", "rejected", "failed", "all"] = "pending"
    ) -> ApprovalList:
        _require_operator(who)
        found = platform.list_approvals(who.tenant_id, None if status == "all" else status)
        return ApprovalList(data=[_approval_out(a) for a in found])

    @app.post("/v1/approvals/{approval_id}/{verdict}", response_model=ApprovalOut)
    def decide(approval_id: str, verdict: Literal["approve", "reject"], body: Decision, who: CallerDep) -> ApprovalOut:
        _require_operator(who)
        decided = platform.decide(approval_id, verdict == "approve", body.operator, body.note, who.tenant_id)
        return _approval_out(decided)

    return app


def _require_operator(who: Caller) -> None:
    if not who.is_operator:
        raise OperatorKeyRequired("the approval queue needs an operator key (luodi key create TENANT --operator)")


def _approval_out(approval: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(approval, from_attributes=True)


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
