"""What a reply must be (plain text, a JSON value of a schema, one JSON object, a call of one of the caller's
functions) and the checks that it is, shared by every backend.

An `OutputPlan` is made from a request once: it says which grammar constrains the reply (GBNF, for backends
that take one), what to add to the system prompt about the caller's functions, how the conversation's tool
calls and tool results are written as text the model can read, and how a finished reply is judged. A reply
that does not satisfy the plan raises `StructuredOutputFailed`; it is never handed on as if it were an answer.
The words given to the model are data: tool_format.yaml.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any, Literal

import jsonschema
import yaml

from luodi.contracts import FunctionCall, GenerationRequest, Message, ToolCallRequest, ToolSpec
from luodi.errors import InvalidRequest, StructuredOutputFailed

TOOL_FORMAT_FILE = Path(__file__).with_name("tool_format.yaml")

Mode = Literal["text", "json", "call", "text_or_call"]

# the plain-text alternative of "auto": anything that does not open a JSON object (nor start with a space)
_TEXT_RULES = "luodi-text ::= [^{ \\t\\r\\n] [^\\x00]*\n"
_ROOT = re.compile(r'(?<![\w"\-\\])root(?![\w"\-])')


@lru_cache(maxsize=1)
def tool_words() -> dict[str, str]:
    words = yaml.safe_load(TOOL_FORMAT_FILE.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in words.items()}


_LOOSE_CHAR = 'char ::= [^"\\\\]'
_JSON_CHAR = 'char ::= [^"\\\\\\x00-\\x1F\\x7F]'


@dataclass(frozen=True)
class ParsedReply:
    text: str
    function_calls: list[ToolCallRequest] = field(default_factory=list)
    finish_reason: str = "stop"


@dataclass(frozen=True)
class OutputPlan:
    mode: Mode
    schema: dict[str, Any] | None = None  # mode "json": the reply's schema; None for any JSON object
    tools: tuple[ToolSpec, ...] = ()  # the functions the reply may call
    named: str | None = None  # tool_choice naming one function

    @property
    def structured(self) -> bool:
        """Whether the reply has a shape the model must keep to (and so is judged, and delivered whole)."""
        return self.mode != "text"

    # --- the grammar ----------------------------------------------------------------------------------------
    def gbnf(self) -> str | None:
        """A llama.cpp grammar allowing exactly the replies of this plan (None: any text)."""
        grammar = self._gbnf()
        # llama.cpp's JSON grammar lets a string hold raw control characters (a newline, a tab), which JSON forbids:
        # the reply would then fail the very check it was constrained for
        return None if grammar is None else grammar.replace(_LOOSE_CHAR, _JSON_CHAR)

    def _gbnf(self) -> str | None:
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        if self.mode == "text":
            return None
        if self.mode == "json":
            return json_schema_to_gbnf(json.dumps(self.reply_schema()))
        if self.mode == "call":
            return json_schema_to_gbnf(json.dumps(self.call_schema()))
        if self.schema is not None:  # auto with a JSON reply: a call or the JSON
            return json_schema_to_gbnf(json.dumps({"anyOf": [self.call_schema(), self.schema]}))
        call = _ROOT.sub("luodi-call", json_schema_to_gbnf(json.dumps(self.call_schema())))
        return f"root ::= luodi-call | luodi-text\n{call}\n{_TEXT_RULES}"

    def reply_schema(self) -> dict[str, Any]:
        return self.schema if self.schema is not None else {"type": "object"}

    def call_schema(self) -> dict[str, Any]:
        """The JSON Schema of a call: {"name": one of the functions, "arguments": that function's arguments}."""
        options: list[dict[str, Any]] = []
        definitions: dict[str, Any] = {}
        for tool in self.tools:
            arguments = parameters_schema(tool)
            definitions.update(arguments.pop("$defs", {}))
            options.append(
                {
                    "type": "object",
                    "properties": {"name": {"const": tool.name}, "arguments": arguments},
                    "required": ["name", "arguments"],
                    "additionalProperties": False,
                }
            )
        schema: dict[str, Any] = options[0] if len(options) == 1 else {"anyOf": options}
        if definitions:
            schema = {**schema, "$defs": definitions}
        return schema

    # --- the prompt -----------------------------------------------------------------------------------------
    def system_addition(self) -> str | None:
        """What the system prompt must say about the caller's functions (None: nothing)."""
        if not self.tools:
            return None
        functions = "\n".join(
            json.dumps({"name": t.name, "description": t.description, "parameters": t.parameters}, ensure_ascii=False)
            for t in self.tools
        )
        words = tool_words()
        key = "offer_named" if self.named else "offer_required" if self.mode == "call" else "offer_auto"
        return Template(words[key]).safe_substitute(functions=functions, name=self.named or "")

    # --- the judgement --------------------------------------------------------------------------------------
    def parse(self, text: str, finish_reason: str, limit: int) -> ParsedReply:
        """The reply as text or function calls; raises StructuredOutputFailed if it breaks the plan."""
        if self.mode == "text":
            return ParsedReply(text, finish_reason=finish_reason)
        if self.mode == "text_or_call" and self.schema is None and not text.lstrip().startswith("{"):
            return ParsedReply(text, finish_reason=finish_reason)
        value = _load(text, finish_reason, limit)
        if self.mode != "json":
            call = self._as_call(value)
            if call is not None:
                return ParsedReply("", [call], "tool_calls")
            if self.mode == "call":
                raise StructuredOutputFailed(f"the reply is not a call of one of the offered functions: {text[:200]}")
        _check(value, self.reply_schema(), "the reply")
        return ParsedReply(text, finish_reason=finish_reason)

    def _as_call(self, value: Any) -> ToolCallRequest | None:
        if not (isinstance(value, dict) and set(value) == {"name", "arguments"}):
            return None
        tool = next((t for t in self.tools if t.name == value["name"]), None)
        if tool is None or not isinstance(value["arguments"], dict):
            return None
        _check(value["arguments"], parameters_schema(tool), f"the arguments of {tool.name}")
        return ToolCallRequest(
            id=new_call_id(),
            function=FunctionCall(name=tool.name, arguments=json.dumps(value["arguments"], ensure_ascii=False)),
        )


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:24]}"


def parameters_schema(tool: ToolSpec) -> dict[str, Any]:
    """A function's arguments schema as an object schema (OpenAI allows leaving `parameters` out)."""
    schema = dict(tool.parameters) or {"type": "object", "properties": {}}
    if "type" not in schema and "properties" in schema:
        schema["type"] = "object"
    return schema


def plan_for(request: GenerationRequest) -> OutputPlan:
    """The plan of a request; raises InvalidRequest (naming the parameter) for one that cannot be met."""
    schema = request.json_schema
    if schema is not None:
        _check_schema(schema, "response_format")
    json_reply = schema is not None or request.json_object
    choice = request.tool_choice
    if choice == "none" or not request.tools:
        if choice not in ("none", "auto"):
            raise InvalidRequest(f"tool_choice {choice!r} needs `tools`, and none were given", param="tool_choice")
        return OutputPlan("json", schema) if json_reply else OutputPlan("text")
    for tool in request.tools:
        _check_schema(parameters_schema(tool), "tools")
    if choice == "auto":
        return OutputPlan("text_or_call", schema if json_reply else None, tuple(request.tools))
    if choice == "required":
        return OutputPlan("call", tools=tuple(request.tools))
    named = [t for t in request.tools if t.name == choice]
    if not named:
        offered = ", ".join(t.name for t in request.tools)
        raise InvalidRequest(f"tool_choice names {choice!r}, which is not among the tools ({offered})", "tool_choice")
    return OutputPlan("call", tools=tuple(named), named=choice)


def conversation(messages: list[Message], system_addition: str | None) -> list[dict[str, str]]:
    """The messages as plain role/content pairs any chat template renders: an assistant's tool calls written as
    the call JSON the model itself would write, a tool's result as a user message naming the call, and the
    offered functions added to the system prompt."""
    names = {call.id: call.function.name for m in messages for call in m.tool_calls}
    rendered: list[dict[str, str]] = []
    for message in messages:
        if message.role == "tool":
            name = message.name or names.get(message.tool_call_id or "", "?")
            content = Template(tool_words()["tool_result"]).safe_substitute(
                name=name, id=message.tool_call_id or "?", content=message.content
            )
            rendered.append({"role": "user", "content": content})
        elif message.tool_calls:
            calls = [_call_text(call) for call in message.tool_calls]
            rendered.append({"role": "assistant", "content": "\n".join([message.content, *calls]).strip()})
        else:
            rendered.append({"role": message.role, "content": message.content})
    if system_addition:
        if rendered and rendered[0]["role"] == "system":
            rendered[0] = {"role": "system", "content": f"{rendered[0]['content']}\n\n{system_addition}"}
        else:
            rendered.insert(0, {"role": "system", "content": system_addition})
    return rendered


def _call_text(call: ToolCallRequest) -> str:
    try:
        arguments: Any = json.loads(call.function.arguments or "{}")
    except json.JSONDecodeError:
        arguments = call.function.arguments
    return json.dumps({"name": call.function.name, "arguments": arguments}, ensure_ascii=False)


def _load(text: str, finish_reason: str, limit: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if finish_reason == "length":
            raise StructuredOutputFailed(
                f"the reply was cut at max_tokens={limit} before its JSON was complete; allow more tokens"
            ) from exc
        raise StructuredOutputFailed(f"the reply is not JSON ({exc.msg}): {text[:200]}") from exc


def _check(value: Any, schema: dict[str, Any], what: str) -> None:
    errors = sorted(jsonschema.validators.validator_for(schema)(schema).iter_errors(value), key=lambda e: e.path)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "the top level"
        raise StructuredOutputFailed(f"{what} breaks its JSON Schema at {where}: {errors[0].message}")


def _check_schema(schema: dict[str, Any], param: str) -> None:
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidRequest(f"{param} holds an invalid JSON Schema: {exc.message}", param=param) from exc
