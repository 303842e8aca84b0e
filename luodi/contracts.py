"""The small typed objects that pass between the stages of a request's journey.

api -> gateway -> assistant (understand, act, compose, verify, govern) -> ledger. Every stage takes and
returns these; none reaches into another stage's internals. They are pydantic models so that the ledger can
store them as JSON exactly as they were.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Role = Literal["system", "user", "assistant", "tool"]


class Message(BaseModel):
    role: Role
    content: str


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


class GenerationRequest(BaseModel):
    """What the assistant asks of a base model."""

    messages: list[Message]
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: list[str] = Field(default_factory=list)
    json_schema: dict[str, Any] | None = None
    seed: int | None = None


class Generation(BaseModel):
    """A base model's whole reply."""

    text: str
    finish_reason: str = "stop"
    usage: TokenUsage = Field(default_factory=TokenUsage)


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
    tool_calls: list[ToolCall] = Field(default_factory=list)
    abstained: bool = False
    state: dict[str, Any] | None = None
