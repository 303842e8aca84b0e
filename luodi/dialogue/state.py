"""The dialogue state: a stack of tasks with their slots, and what the last turn showed the user."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

TaskStatus = Literal["active", "awaiting_confirmation", "awaiting_approval", "done", "cancelled", "failed"]


class Task(BaseModel):
    name: str
    slots: dict[str, str] = Field(default_factory=dict)
    status: TaskStatus = "active"
    # a side-effecting action waiting in the approval queue
    approval_id: str | None = None


class DialogueState(BaseModel):
    scenario: str
    language: str = "en"
    turn: int = 0
    stack: list[Task] = Field(default_factory=list)
    # tasks that ended, newest last: their slots stay visible for follow-ups ("book it")
    history: list[Task] = Field(default_factory=list)
    # entity names the last reply showed, in order, so "the first one" and "it" can be resolved
    shown: list[str] = Field(default_factory=list)
    focus: str | None = None
    handed_off: bool = False
    extras: dict[str, Any] = Field(default_factory=dict)

    @property
    def active(self) -> Task | None:
        return self.stack[-1] if self.stack else None

    def find(self, task: str) -> Task | None:
        for candidate in reversed(self.stack):
            if candidate.name == task:
                return candidate
        return None

    def slot_view(self) -> dict[str, str]:
        """Every slot the conversation has settled, most recent task winning: what a state tracker reports."""
        view: dict[str, str] = {}
        for task in [*self.history, *self.stack]:
            if task.status != "cancelled":
                view.update(task.slots)
        return view
