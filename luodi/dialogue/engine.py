"""The task-stack engine: a scenario spec (YAML) run over its business records, one user message at a time.

understand (commands) -> validate (normalized values the spec accepts) -> track (apply to the task stack)
-> act (the task's action from the registry: search, details, write_record, a pack's own) -> reply (templates
filled only with values the records returned). Side-effecting actions are confirmed by the user and, in copilot
mode, approved by an operator before they run. Nothing here knows which scenario it runs; it implements the
`Scenario` contract of `luodi.dialogue.scenario`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from luodi.dialogue.actions import ActionRegistry, ActionTurn, Reply, Wording
from luodi.dialogue.commands import (
    Affirm,
    AskEntity,
    CancelTask,
    ClearSlot,
    Command,
    CorrectSlot,
    Deny,
    HandOff,
    SetSlot,
    StartTask,
)
from luodi.dialogue.normalizers import WEEKDAYS
from luodi.dialogue.records import DONT_CARE, RANGE, ScenarioDatabase
from luodi.dialogue.replies import boolean_words
from luodi.dialogue.scenario import ApprovalDesk, TurnResult
from luodi.dialogue.spec import ScenarioSpec, SlotSpec
from luodi.dialogue.state import DialogueState, Task
from luodi.dialogue.tracker import apply_commands, finish_task
from luodi.dialogue.understanding import CommandUnderstander

LAST_REPLY = "last_reply"


class ScenarioEngine:
    def __init__(
        self,
        spec: ScenarioSpec,
        database: ScenarioDatabase,
        understander: CommandUnderstander,
        desk: ApprovalDesk | None,
        language: str | None = None,
        today: date | None = None,
        actions: ActionRegistry | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.database = database
        self.understander = understander
        self.desk = desk
        self.language = language or spec.languages[0]
        self.today = today
        self.actions = actions or ActionRegistry()
        self.actions.check(spec)
        self.wording = Wording(spec, self.language)

    def bind(self, desk: ApprovalDesk | None) -> ScenarioEngine:
        """The same engine filing its approvals with `desk` (one tenant's)."""
        bound = object.__new__(ScenarioEngine)
        bound.__dict__.update(self.__dict__, desk=desk)
        return bound

    def new_state(self) -> DialogueState:
        return DialogueState(scenario=self.spec.name, language=self.language)

    # --- one turn ----------------------------------------------------------------------------------------
    def handle(self, state: DialogueState, message: str, key: str) -> TurnResult:
        """Run one user message; `key` identifies this turn for idempotent side effects."""
        commands = self.understander.understand(message, state) if message.strip() else []
        reply = Reply()
        accepted = self._validated(commands, reply)
        new_state = apply_commands(state, accepted, self.spec)
        self._report_decisions(new_state, reply)
        if any(isinstance(c, HandOff) for c in accepted):
            reply.lines.append(self._say("handed_off"))
        else:
            self._answer(new_state, accepted, reply, key)
        if not reply.lines:
            reply.lines.append(self._say("not_understood"))
        text = " ".join(line for line in reply.lines if line)
        # understanders read the last reply: a bare "4" or "yes" answers the question it asked
        new_state.extras[LAST_REPLY] = text
        if reply.focus is not None:
            new_state.focus = reply.focus
        return TurnResult(
            state=new_state,
            text=text,
            commands=accepted,
            evidence=list(reply.evidence.values()),
            checks=reply.checks,
            actions=reply.actions,
        )

    def _turn(self, state: DialogueState, reply: Reply) -> ActionTurn:
        return ActionTurn(self.spec, self.database, state, reply, self.wording)

    def _answer(self, state: DialogueState, commands: list[Command], reply: Reply, key: str) -> None:
        for correction in (c for c in commands if isinstance(c, CorrectSlot)):
            # a changed detail is said back, so the user sees the switch was understood ("no, the 11th");
            # a changed entity is said by the reply about it anyway
            if self._has_template("corrected") and self.spec.slots[correction.slot].type != "entity":
                reply.lines.append(self._say("corrected", slot=self._label(correction.slot), value=correction.value))
        cancelled = [c for c in commands if isinstance(c, CancelTask)]
        if cancelled:
            self._report_cancel(state, cancelled, reply)
        for question in (c for c in commands if isinstance(c, AskEntity)):
            self._turn(state, reply).describe_entity(question)
        task = state.active
        if task is None:
            return
        touched = _touched_tasks(commands, self.spec) | ({task.name} if cancelled else set())
        if any(isinstance(c, Affirm | Deny) for c in commands) and task.status == "awaiting_confirmation":
            self._confirm_or_decline(state, task, any(isinstance(c, Affirm) for c in commands), reply, key)
        elif task.name in touched:
            self._act(state, task, reply)

    # --- validation --------------------------------------------------------------------------------------
    def _validated(self, commands: list[Command], reply: Reply) -> list[Command]:
        """Commands whose values the scenario accepts; a rejected value becomes a line saying why."""
        accepted: list[Command] = []
        for command in commands:
            if isinstance(command, SetSlot | CorrectSlot):
                problem, value = self._check_value(command.slot, command.value)
                if problem:
                    reply.lines.append(self._say("invalid_value", reason=problem))
                    continue
                command = command.model_copy(update={"value": value})
            elif isinstance(command, StartTask | ClearSlot) and not self._known(command):
                continue
            accepted.append(command)
        return accepted

    def _known(self, command: StartTask | ClearSlot) -> bool:
        if isinstance(command, StartTask):
            return command.task in self.spec.tasks
        return command.slot in self.spec.slots

    def _check_value(self, slot: str, value: str) -> tuple[str, str]:
        """(the reply saying why the value does not fit, or "", the value normalized)."""
        spec = self.spec.slots.get(slot)
        if spec is None:
            return self._say("slot_not_used", slot=repr(slot)), value
        value = value.strip()
        if value == DONT_CARE:
            return "", value
        if spec.match == "range" and not RANGE.match(value):
            return self._refusal("not_a_range", slot, value), value
        if spec.type == "entity":
            row = self.database.entity(value)
            if row is None:
                return self._refusal("entity_not_found", slot, value, raw=value), value
            return "", str(row[self.spec.entity.name_column])
        checker = VALUE_CHECKS.get(spec.type)
        if checker is None:
            return ("", value) if value else (self._refusal("empty_value", slot, value), value)
        problem, normalized, details = checker(spec, value)
        return (self._refusal(problem, slot, value, **details) if problem else ""), normalized

    def _refusal(self, template: str, slot: str, value: str, **details: str) -> str:
        return self._say(template, label=self._label(slot), value=repr(value), **details)

    # --- acting ------------------------------------------------------------------------------------------
    def _act(self, state: DialogueState, task: Task, reply: Reply) -> None:
        action = self.actions.get(self.spec.tasks[task.name].action)
        if action.side_effect:
            self._advance(task, reply)
        else:
            action.act(self._turn(state, reply), task)

    def _advance(self, task: Task, reply: Reply) -> None:
        """A side-effecting task: ask for what is missing, then ask the user to confirm."""
        if task.status != "active":
            return
        missing = [slot for slot in self.spec.tasks[task.name].required if not task.slots.get(slot)]
        if missing:
            reply.lines.append(self._say("ask_slot", question=self._say(f"question_{missing[0]}")))
            return
        if self.spec.tasks[task.name].confirm:
            task.status = "awaiting_confirmation"
            reply.lines.append(self.wording.say_for("confirm", task.name, **task.slots))

    def _confirm_or_decline(self, state: DialogueState, task: Task, yes: bool, reply: Reply, key: str) -> None:
        if not yes:
            task.status = "active"
            reply.lines.append(self.wording.say_for("declined", task.name))
            return
        if self.spec.tasks[task.name].approval and self.desk is not None:
            summary = self.wording.say_for("confirm", task.name, **task.slots)
            task.approval_id = self.desk.request(key, task.name, self._payload(task), summary)
            task.status = "awaiting_approval"
            reply.lines.append(self.wording.say_for("waiting_approval", task.name, approval=task.approval_id,
                                                    **task.slots))
            reply.actions.append({"action": "request_approval", "approval": task.approval_id})
            return
        outcome = self.execute(task.name, self._payload(task), conversation=key)
        self._finish(state, task, outcome, "done", reply)

    def _report_decisions(self, state: DialogueState, reply: Reply) -> None:
        """Tell the user what an operator decided about their pending requests since the last turn."""
        for task in [t for t in state.stack if t.status == "awaiting_approval" and t.approval_id]:
            assert self.desk is not None and task.approval_id is not None
            status, result, note = self.desk.status(task.approval_id)
            if status == "pending":
                reply.lines.append(self.wording.say_for("still_waiting", task.name, approval=task.approval_id))
            elif status == "rejected":
                finish_task(state, task, "failed")
                reply.lines.append(self.wording.say_for("rejected", task.name, note=f" ({note})" if note else "",
                                                        **task.slots))
            else:
                self._finish(state, task, result, "approved", reply)

    def _finish(self, state: DialogueState, task: Task, outcome: dict[str, Any], template: str, reply: Reply) -> None:
        if "reference" not in outcome:
            finish_task(state, task, "failed")
            reply.lines.append(self.wording.say_for("failed", task.name, reason=outcome.get("error", "unknown error")))
            return
        finish_task(state, task)
        reply.lines.append(self.wording.say_for(template, task.name, reference=outcome["reference"], **task.slots))
        reply.actions.append({"action": task.name, "reference": outcome["reference"]})

    def execute(self, action: str, payload: dict[str, Any], conversation: str = "") -> dict[str, Any]:
        """Run a task's side-effecting action (directly, or once an operator approved it); `action` names the task."""
        task = self.spec.tasks.get(action)
        if task is None or not self.actions.get(task.action).side_effect:
            return {"error": f"unknown action {action!r}"}
        return self.actions.get(task.action).execute(self.database, task, payload, conversation)

    def _payload(self, task: Task) -> dict[str, Any]:
        """What the action will be run with: the task's slots as resolved, and the conversation's language."""
        slots = self.spec.tasks[task.name].slots
        return {**{slot: task.slots[slot] for slot in slots if slot in task.slots}, "language": self.language}

    def _report_cancel(self, state: DialogueState, cancelled: list[CancelTask], reply: Reply) -> None:
        ended = [t for t in state.history[-len(cancelled) :] if t.status == "cancelled"]
        if not ended:
            reply.lines.append(self._say("nothing_to_cancel"))
            return
        for task in ended:
            reply.lines.append(self._say("cancelled", task=self._say(f"task_{task.name}")))
        if state.active is not None:
            reply.lines.append(self._say("resumed", task=self._say(f"task_{state.active.name}")))

    # --- wording -----------------------------------------------------------------------------------------
    def _say(self, template: str, **values: Any) -> str:
        return self.wording.say(template, **values)

    def _has_template(self, template: str) -> bool:
        return self.wording.has(template)

    def _label(self, slot: str) -> str:
        return self.wording.label(slot)


def _touched_tasks(commands: list[Command], spec: ScenarioSpec) -> set[str]:
    touched: set[str] = set()
    for command in commands:
        if isinstance(command, StartTask):
            touched.add(command.task)
        elif isinstance(command, SetSlot | CorrectSlot | ClearSlot):
            owners = [command.task] if command.task else [n for n, t in spec.tasks.items() if command.slot in t.slots]
            touched.update(owners)
    return touched


ValueCheck = Callable[[SlotSpec, str], tuple[str, str, dict[str, str]]]  # (refusal template or "", value, details)


def _check_category(spec: SlotSpec, value: str) -> tuple[str, str, dict[str, str]]:
    lowered = value.lower()
    canonical = spec.synonyms.get(lowered, lowered)
    if canonical in spec.values or value in spec.values:
        return "", canonical if canonical in spec.values else value, {}
    return "not_one_of", value, {"choices": ", ".join(spec.values)}


def _check_boolean(spec: SlotSpec, value: str) -> tuple[str, str, dict[str, str]]:
    lowered = spec.synonyms.get(value.lower(), value.lower())
    words = boolean_words()
    if lowered in words.yes:
        return "", "yes", {}
    if lowered in words.no:
        return "", "no", {}
    return "not_yes_or_no", value, {}


def _check_integer(spec: SlotSpec, value: str) -> tuple[str, str, dict[str, str]]:
    if not re.fullmatch(r"-?\d+", value):
        return "not_whole_number", value, {}
    number = int(value)
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        bounds = {"number": str(number), "minimum": f"{spec.minimum:g}", "maximum": f"{spec.maximum:g}"}
        return "out_of_bounds", value, bounds
    return "", str(number), {}


def _check_date(_spec: SlotSpec, value: str) -> tuple[str, str, dict[str, str]]:
    lowered = value.lower()
    if lowered in WEEKDAYS:
        return "", lowered, {}
    try:
        return "", date.fromisoformat(value).isoformat(), {}
    except ValueError:
        return "not_a_date", value, {}


VALUE_CHECKS: dict[str, ValueCheck] = {
    "category": _check_category,
    "boolean": _check_boolean,
    "integer": _check_integer,
    "date": _check_date,
}
