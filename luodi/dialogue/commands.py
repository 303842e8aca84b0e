"""What understanding emits for one user message: commands, several at once (the shape Rasa CALM uses).

An understander (trained model, base model with constrained JSON, or normalizers) turns text into these; the
deterministic dialogue engine applies them to the state. Slot values are already normalized to the
scenario's canonical values ("cheap", "friday", "3") when a command is made.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field


class StartTask(BaseModel):
    """Begin a task (search, book, details, …); an active task is interrupted and resumes afterwards."""

    kind: Literal["start_task"] = "start_task"
    task: str


class SetSlot(BaseModel):
    """Fill a slot of a task (the named one, else the task on top of the stack)."""

    kind: Literal["set_slot"] = "set_slot"
    slot: str
    value: str
    task: str | None = None


class CorrectSlot(BaseModel):
    """Change a slot already filled ("no, the 11th"), keeping every other slot."""

    kind: Literal["correct_slot"] = "correct_slot"
    slot: str
    value: str
    task: str | None = None


class ClearSlot(BaseModel):
    """Drop a condition ("any area is fine", "remove the fee condition")."""

    kind: Literal["clear_slot"] = "clear_slot"
    slot: str
    task: str | None = None


class CancelTask(BaseModel):
    """Stop a task (the named one, else the one on top); the one below resumes."""

    kind: Literal["cancel_task"] = "cancel_task"
    task: str | None = None


class AskEntity(BaseModel):
    """A question about one entity of the database ("does the Acorn have parking?")."""

    kind: Literal["ask_entity"] = "ask_entity"
    entity: str
    attributes: list[str] = Field(default_factory=list)


class Affirm(BaseModel):
    """Yes to the pending confirmation."""

    kind: Literal["affirm"] = "affirm"


class Deny(BaseModel):
    """No to the pending confirmation."""

    kind: Literal["deny"] = "deny"


class HandOff(BaseModel):
    """Pass the conversation to a human."""

    kind: Literal["hand_off"] = "hand_off"
    reason: str = ""


Command = Annotated[
    StartTask | SetSlot | CorrectSlot | ClearSlot | CancelTask | AskEntity | Affirm | Deny | HandOff,
    Field(discriminator="kind"),
]
