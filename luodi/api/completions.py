"""`POST /v1/completions`: OpenAI's legacy text completions (LlamaIndex's default `complete`, LangChain's `OpenAI`),
the prompt continued as written by a plain chat assistant's embedded base model; plain and streamed, metered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from luodi.api.chat import response_headers
from luodi.api.deps import CallerDep, PlatformDep
from luodi.api.errors import error_body
from luodi.api.schemas import CompletionChoice, CompletionRequest, TextCompletion, Usage
from luodi.assistants.base import AnswerDelta, Turn
from luodi.assistants.text import TextContinuation
from luodi.contracts import Answer, Message, Sampling
from luodi.errors import (
    BackendFailedMidAnswer,
    BackendUnavailable,
    InvalidRequest,
    LuodiError,
    UnsupportedParameter,
)
from luodi.gateway.tenants import Caller
from luodi.platform import Admission, Platform

TEXT_KINDS = {"chat"}  # grounded and scenario assistants answer conversations, not raw prompts
router = APIRouter()


@router.post("/v1/completions", response_model=None)
def completions(body: CompletionRequest, who: CallerDep, platform: PlatformDep) -> JSONResponse | StreamingResponse:
    prompt = _prompt(body)
    _refuse_unsupported(body)
    _check_model(platform, body.model, who.tenant_id)
    admission = platform.admit(who, body.model, body.stream, user=body.user, id_prefix="cmpl-")
    backend = platform.backends.get(admission.config.base_model)
    admission = replace(admission, assistant=TextContinuation(body.model, admission.config, backend))
    turn = _turn(body, who, admission.request_id, prompt)
    headers = response_headers(admission)  # x-request-id is the completion's id, as for chat
    if body.stream:
        return _stream_response(platform, admission, turn, body, headers)
    try:
        answers = platform.complete_choices(admission, turn)
    except LuodiError as exc:
        exc.request_id = admission.request_id  # the error names the call the ledger recorded
        raise
    return JSONResponse(_completion(admission, body.model, answers).model_dump(), headers=headers)


def _prompt(body: CompletionRequest) -> str:
    prompts = [body.prompt] if isinstance(body.prompt, str) else body.prompt
    if any(not isinstance(p, str) for p in prompts):
        raise UnsupportedParameter("token-id prompts are not supported: send the prompt as text", param="prompt")
    if len(prompts) != 1:
        raise UnsupportedParameter(
            f"send one prompt per request, not {len(prompts)}: Luodi meters and audits each call as one prompt",
            param="prompt",
        )
    prompt = str(prompts[0])
    if not prompt.strip():
        raise InvalidRequest("the prompt is empty: there is nothing to continue", param="prompt")
    return prompt


def _refuse_unsupported(body: CompletionRequest) -> None:
    refused = {
        "echo": body.echo,
        "logprobs": body.logprobs is not None,
        "suffix": body.suffix is not None,
        "best_of": body.best_of not in (None, 1),
        "n": body.stream and body.n > 1,
    }
    for param, asked in refused.items():
        if asked:
            raise UnsupportedParameter(f"{param} is not supported by text completions in Luodi", param=param)


def _check_model(platform: Platform, model: str, tenant_id: str) -> None:
    config = platform.resolve(tenant_id, model).config
    base = platform.settings.base_models[config.base_model]
    if config.kind not in TEXT_KINDS or base.kind != "embedded":
        raise UnsupportedParameter(
            f"assistant {model!r} (kind {config.kind}, base model {config.base_model!r}, {base.kind}) does not take "
            "text completions: they run on plain chat assistants of an embedded base model; "
            "use /v1/chat/completions",
            param="model",
        )


def _turn(body: CompletionRequest, who: Caller, request_id: str, prompt: str) -> Turn:
    stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
    return Turn(
        messages=[Message(role="user", content=prompt)],
        tenant_id=who.tenant_id,
        max_tokens=body.max_tokens,
        temperature=body.temperature,
        request_id=request_id,
        sampling=Sampling(top_p=body.top_p, stop=stop, seed=body.seed, n=body.n),
        user=body.user,
    )


def _usage(admission: Admission, answers: list[Answer]) -> Usage:
    """The tokens of all choices together and what the ledger billed for them (each choice reads the prompt again)."""
    prompt = sum(a.usage.prompt_tokens for a in answers)
    completion = sum(a.usage.completion_tokens for a in answers)
    cost = None if admission.cost_usd is None else float(admission.cost_usd)
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion, cost_usd=cost)


def _luodi(admission: Admission) -> dict[str, Any]:
    cost = admission.cost_usd
    return {
        "request_id": admission.request_id,
        "assistant": admission.assistant.name,
        "base_model": admission.config.base_model,
        "cost_usd": None if cost is None else str(cost),
    }


def _completion(admission: Admission, model: str, answers: list[Answer]) -> TextCompletion:
    return TextCompletion(
        id=admission.request_id,
        created=int(time.time()),
        model=model,
        choices=[CompletionChoice(index=i, text=a.text, finish_reason=a.finish_reason) for i, a in enumerate(answers)],
        usage=_usage(admission, answers),
        luodi=_luodi(admission),
    )


def _stream_response(
    platform: Platform, admission: Admission, turn: Turn, body: CompletionRequest, headers: dict[str, str]
) -> StreamingResponse:
    deltas = platform.stream(admission, turn)
    first = next(deltas)  # before the 200: a prompt too long or a model that is down still gets its status
    include_usage = bool(body.stream_options and body.stream_options.include_usage)
    events = _sse_events(admission, body.model, first, deltas, include_usage)
    return StreamingResponse(
        events, media_type="text/event-stream", headers={"Cache-Control": "no-cache", **headers}
    )


def _sse_events(
    admission: Admission, model: str, first: AnswerDelta, rest: Iterator[AnswerDelta], include_usage: bool
) -> Iterator[str]:
    created = int(time.time())

    def event(choices: list[dict[str, Any]], **extra: Any) -> str:
        payload = {"id": admission.request_id, "object": "text_completion", "created": created, "model": model,
                   "choices": choices, **extra}
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    pending: AnswerDelta | None = first
    try:
        while pending is not None:
            final = pending.final
            if pending.text or final is not None:
                finish = final.finish_reason if final is not None else None
                yield event([{"index": 0, "text": pending.text, "logprobs": None, "finish_reason": finish}])
            if final is not None:
                if include_usage:
                    yield event([], usage=_usage(admission, [final]).model_dump(), luodi=_luodi(admission))
                break
            pending = next(rest, None)
    except (BackendUnavailable, InvalidRequest) as exc:
        yield f"data: {json.dumps({'error': error_body(BackendFailedMidAnswer(str(exc))).model_dump()})}\n\n"
        return
    yield "data: [DONE]\n\n"
