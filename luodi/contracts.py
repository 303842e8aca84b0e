"""The small typed objects that pass between the stages of a request's journey.

api -> gateway -> assistant (understand, act, compose, verify, govern) -> ledger. Every stage takes and
returns these; none reaches into another stage's internals. They are pydantic models so that the ledger can
store them as JSON exactly as they were.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]


class FunctionCall(BaseModel):
    name: str
    arguments: str  # JSON text, as OpenAI sends it: the caller parses it


class ToolCallRequest(BaseModel):
    """A model's request that the caller run one of the functions it offered (an item of OpenAI's `tool_calls`)."""

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class ToolSpec(BaseModel):
    """A function the caller offers the model (OpenAI's `tools[].function`)."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)  # a JSON Schema of the arguments
    strict: bool = False


class Message(BaseModel):
    role: Role
    content: str
    name: str | None = None
    tool_calls: list[ToolCallRequest] = Field(default_factory=list)  # an assistant message that called tools
    tool_call_id: str | None = None  # a tool message: which call it answers


class TokenUsage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


ToolChoice = str  # "none" | "auto" | "required" | the name of one offered function


class Sampling(BaseModel):
    """How the caller asked the base model to write, passed on unchanged by the assistants that generate. A backend
    that cannot honour a field refuses it (`UnsupportedParameter`, naming it) rather than ignore it."""

    top_p: float = 1.0
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None
    json_schema: dict[str, Any] | None = None  # the reply must satisfy this JSON Schema
    json_object: bool = False  # the reply must be one JSON object
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: ToolChoice = "auto"
    logprobs: bool = False
    top_logprobs: int = 0  # 0-20 alternatives per token, with `logprobs`
    repeat_penalty: float | None = None  # None: the backend's default
    n: int = 1  # choices to write


class GenerationRequest(Sampling):
    """What the assistant asks of a base model."""

    messages: list[Message]
    max_tokens: int = 256
    temperature: float = 0.0


class TopLogprob(BaseModel):
    token: str
    logprob: float
    bytes: list[int] | None = None


class TokenLogprob(TopLogprob):
    top_logprobs: list[TopLogprob] = Field(default_factory=list)


class Generation(BaseModel):
    """A base model's whole reply."""

    text: str
    finish_reason: str = "stop"
    usage: TokenUsage = Field(default_factory=TokenUsage)
    function_calls: list[ToolCallRequest] = Field(default_factory=list)  # the caller's tools the model called
    logprobs: list[TokenLogprob] | None = None


class Evidence(BaseModel):
    """One fact the answer may rest on: a passage of a document or the output of a tool call."""

    id: str
    kind: Literal["passage", "tool", "record"]
    text: str
    source: str = ""
    page: int | None = None
    span: tuple[int, int] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class Citation(BaseModel):
    evidence_id: str
    source: str
    page: int | None = None
    span: tuple[int, int] | None = None
    quote: str = ""


class Check(BaseModel):
    """One claim of a draft, and whether the evidence bears it out."""

    claim: str
    kind: str
    supported: bool
    evidence_id: str | None = None
    note: str = ""


class Verification(BaseModel):
    status: Literal["verified", "repaired", "abstained", "unchecked"] = "unchecked"
    checks: list[Check] = Field(default_factory=list)


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any]
    output: Any = None
    error: str | None = None


class Answer(BaseModel):
    """What an assistant returns for one turn."""

    text: str
    finish_reason: str = "stop"
    usage: TokenUsage = Field(default_factory=TokenUsage)
    citations: list[Citation] = Field(default_factory=list)
    verification: Verification = Field(default_factory=Verification)
    evidence: list[Evidence] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list)  # the tools Luodi ran for this answer
    function_calls: list[ToolCallRequest] = Field(default_factory=list)  # the caller's tools the model called
    logprobs: list[TokenLogprob] | None = None
    abstained: bool = False
    state: dict[str, Any] | None = None
