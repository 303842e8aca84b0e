"""A chat request's OpenAI parameters as Luodi's contracts: `Sampling` and the conversation's `Message`s.

Whatever a request asks for that cannot be served as asked (a `tool_choice` naming a function it did not offer,
`top_logprobs` without `logprobs`, a stop list too long) is refused here with a 400 naming the parameter; what the
assistant or its base model cannot honour is refused further on, never ignored.
"""

from __future__ import annotations

from luodi.api.schemas import MAX_STOP_SEQUENCES, ChatCompletionRequest, ChatMessageIn, NamedToolChoice
from luodi.contracts import FunctionCall, Message, Sampling, ToolCallRequest, ToolSpec
from luodi.errors import RequestValidationFailed

# OpenAI parameters no backend here honours, with the value that asks nothing (so a client's default passes)
UNHONOURED = {"frequency_penalty": 0, "presence_penalty": 0, "logit_bias": {}, "prediction": None, "audio": None,
              "modalities": ["text"]}


def sampling_of(body: ChatCompletionRequest) -> Sampling:
    _refuse_unhonoured(body)
    tools = _tools(body)
    json_schema, json_object = _response_format(body)
    top_logprobs = body.top_logprobs or 0
    if body.top_logprobs is not None and body.top_logprobs > 0 and not body.logprobs:
        raise RequestValidationFailed("top_logprobs needs logprobs: true", param="top_logprobs")
    return Sampling(
        top_p=body.top_p,
        stop=_stop(body),
        seed=body.seed,
        json_schema=json_schema,
        json_object=json_object,
        tools=tools,
        tool_choice=_tool_choice(body, tools),
        logprobs=body.logprobs,
        top_logprobs=top_logprobs,
        n=body.n,
    )


def _refuse_unhonoured(body: ChatCompletionRequest) -> None:
    for name, harmless in UNHONOURED.items():
        value = (body.model_extra or {}).get(name, harmless)
        if value not in (harmless, None):
            raise RequestValidationFailed(f"{name} is not supported by Luodi's models; leave it out (or at its "
                                          f"default, {harmless!r})", param=name)


def _stop(body: ChatCompletionRequest) -> list[str]:
    stop = [body.stop] if isinstance(body.stop, str) else list(body.stop or [])
    if len(stop) > MAX_STOP_SEQUENCES:
        raise RequestValidationFailed(f"stop takes at most {MAX_STOP_SEQUENCES} sequences, got {len(stop)}",
                                      param="stop")
    if any(not s for s in stop):
        raise RequestValidationFailed("a stop sequence must not be empty", param="stop")
    return stop


def _response_format(body: ChatCompletionRequest) -> tuple[dict[str, object] | None, bool]:
    """(the JSON Schema the reply must satisfy, whether it must be one JSON object)."""
    form = body.response_format
    if form is None or form.type == "text":
        return None, False
    if form.type == "json_object":
        return None, True
    if form.json_schema is None or form.json_schema.json_schema is None:
        raise RequestValidationFailed("response_format json_schema needs json_schema.schema, a JSON Schema",
                                      param="response_format.json_schema")
    return form.json_schema.json_schema, False


def _tools(body: ChatCompletionRequest) -> list[ToolSpec]:
    tools = [
        ToolSpec(name=t.function.name, description=t.function.description, parameters=t.function.parameters,
                 strict=bool(t.function.strict))
        for t in body.tools or []
    ]
    names = [t.name for t in tools]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise RequestValidationFailed(f"tools name the function {', '.join(repeated)} more than once", param="tools")
    return tools


def _tool_choice(body: ChatCompletionRequest, tools: list[ToolSpec]) -> str:
    choice = body.tool_choice
    if choice is None:
        return "auto" if tools else "none"
    name = choice.function.name if isinstance(choice, NamedToolChoice) else None
    if choice != "none" and not tools:
        raise RequestValidationFailed(f"tool_choice {name or choice!r} needs tools to choose from", param="tool_choice")
    if name is not None and name not in {t.name for t in tools}:
        offered = ", ".join(t.name for t in tools)
        raise RequestValidationFailed(f"tool_choice names the function {name!r}, which tools do not offer ({offered})",
                                      param="tool_choice")
    return name if name is not None else str(choice)


def messages_of(body: ChatCompletionRequest) -> list[Message]:
    """The conversation, `developer` read as `system` (OpenAI's newer name), tool calls and results kept."""
    return [_message(m, i) for i, m in enumerate(body.messages)]


def _message(message: ChatMessageIn, index: int) -> Message:
    if message.role == "tool" and not message.tool_call_id:
        raise RequestValidationFailed("a tool message needs the tool_call_id of the call it answers",
                                      param=f"messages.{index}.tool_call_id")
    if message.tool_calls and message.role != "assistant":
        raise RequestValidationFailed("only an assistant message has tool_calls", param=f"messages.{index}.tool_calls")
    calls = [
        ToolCallRequest(id=c.id, function=FunctionCall(name=c.function.name, arguments=c.function.arguments))
        for c in message.tool_calls or []
    ]
    return Message(
        role="system" if message.role == "developer" else message.role,
        content=message.text(),
        name=message.name,
        tool_calls=calls,
        tool_call_id=message.tool_call_id if message.role == "tool" else None,
    )
