"""Applying commands to the dialogue state: deterministic, so the same commands always give the same state.

Interruptions push a task and the one below resumes when it ends; a correction changes one slot and keeps the
rest; a cancel pops. Actions (queries, records written) are not run here: the engine runs them on the new state.
"""

from __future__ import annotations

from collections.abc import Sequence

from luodi.dialogue.commands import (
    AskEntity,
    CancelTask,
    ClearSlot,
    Command,
    CorrectSlot,
    HandOff,
    SetSlot,
    StartTask,
)
from luodi.dialogue.spec import ScenarioSpec
from luodi.dialogue.state import DialogueState, Task


def apply_commands(state: DialogueState, commands: Sequence[Command], spec: ScenarioSpec) -> DialogueState:
    """A new state with the commands applied in order; the given state is left as it was."""
    state = state.model_copy(deep=True)
    state.turn += 1
    # Tasks a message starts are opened before its slots are placed, whatever order the understander listed
    # them in: "the first one, reserve it for friday" fills the reservation, not the search it came from.
    starts = [c for c in commands if isinstance(c, StartTask)]
    for command in [*starts, *(c for c in commands if not isinstance(c, StartTask))]:
        _apply(state, command, spec)
    return state


def _apply(state: DialogueState, command: Command, spec: ScenarioSpec) -> None:
    if isinstance(command, StartTask):
        start_task(state, command.task, spec)
    elif isinstance(command, SetSlot | CorrectSlot):
        task = _task_for_slot(state, command.slot, command.task, spec)
        task.slots[command.slot] = command.value
        if task.status == "awaiting_confirmation":
            task.status = "active"  # a changed detail needs confirming again
    elif isinstance(command, ClearSlot):
        for task in reversed(state.stack):
            if command.slot in task.slots and (command.task in (None, task.name)):
                del task.slots[command.slot]
                break
    elif isinstance(command, CancelTask):
        cancel_task(state, command.task)
    elif isinstance(command, AskEntity):
        state.focus = command.entity
    elif isinstance(command, HandOff):
        state.handed_off = True


def start_task(state: DialogueState, name: str, spec: ScenarioSpec) -> Task:
    """Bring the task to the top: resume it if it is on the stack, else push a new one carrying over the slots
    the conversation has settled that the new task also uses (the item chosen in search is the one to reserve)."""
    existing = state.find(name)
    if existing is not None:
        state.stack.remove(existing)
        state.stack.append(existing)
        return existing
    if name not in spec.tasks:
        raise ValueError(f"scenario {spec.name!r} has no task {name!r}")
    task = Task(name=name)
    carry_over(state, task, spec)
    state.stack.append(task)
    return task


def carry_over(state: DialogueState, task: Task, spec: ScenarioSpec) -> None:
    settled = state.slot_view()
    for slot in spec.tasks[task.name].slots:
        if slot in settled and slot not in task.slots:
            task.slots[slot] = settled[slot]


def cancel_task(state: DialogueState, name: str | None) -> None:
    task = state.find(name) if name else state.active
    if task is None:
        return
    state.stack.remove(task)
    task.status = "cancelled"
    state.history.append(task)


def finish_task(state: DialogueState, task: Task, status: str = "done") -> None:
    if task in state.stack:
        state.stack.remove(task)
    task.status = status  # type: ignore[assignment]
    state.history.append(task)


def _task_for_slot(state: DialogueState, slot: str, named: str | None, spec: ScenarioSpec) -> Task:
    if named:
        return state.find(named) or start_task(state, named, spec)
    # the newest task on the stack that uses this slot; else the task that owns the slot
    for task in reversed(state.stack):
        if slot in spec.tasks[task.name].slots:
            return task
    owner = spec.task_of_slot(slot, preferred=spec.default_task) or spec.default_task
    return start_task(state, owner, spec)
