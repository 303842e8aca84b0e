"""The deterministic dialogue engine: one user message in, the new state and a reply grounded in the
scenario's database out.

understand (commands) -> validate (normalized values the scenario accepts) -> track (apply to the task stack)
-> act (search, details, confirm, book through the approval desk) -> reply (templates filled only with values
the database returned). Nothing here knows which scenario it runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from luodi.contracts import Check, Evidence
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
    Understander,
)
from luodi.dialogue.state import DialogueState, Task
from luodi.dialogue.tracker import apply_commands, finish_task
from luodi.scenarios.data import DONT_CARE, RANGE, BookingError, ScenarioDatabase
from luodi.scenarios.spec import ScenarioSpec, SlotSpec

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LISTED = 3
LAST_REPLY = "last_reply"


class ApprovalDesk(Protocol):
    """Where side-effecting actions wait for an operator (the platform's approval queue)."""

    def request(self, key: str, action: str, payload: dict[str, Any], summary: str) -> str: ...

    def status(self, approval_id: str) -> tuple[str, dict[str, Any], str]:
        """(pending | executed | rejected | failed, result, operator's note)"""
        ...


@dataclass
class TurnResult:
    state: DialogueState
    text: str
    commands: list[Command]
    evidence: list[Evidence] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Reply:
    lines: list[str] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    focus: str | None = None  # the one entity this reply was about, so "it" can be resolved next turn

    def cite(self, table: str, key: str, row: dict[str, Any], name: str) -> None:
        evidence_id = f"{table}:{row[key]}"
        self.evidence[evidence_id] = Evidence(
            id=evidence_id, kind="record", text=_row_text(row), source=table, metadata={"row": row}
        )
        self.checks.append(Check(claim=name, kind="entity", supported=True, evidence_id=evidence_id))


class ScenarioEngine:
    def __init__(
        self,
        spec: ScenarioSpec,
        database: ScenarioDatabase,
        understander: Understander,
        desk: ApprovalDesk | None,
        language: str | None = None,
        today: date | None = None,
    ) -> None:
        self.spec = spec
        self.database = database
        self.understander = understander
        self.desk = desk
        self.language = language or spec.languages[0]
        self.today = today

    def new_state(self) -> DialogueState:
        return DialogueState(scenario=self.spec.name, language=self.language)

    # --- one turn ----------------------------------------------------------------------------------------
    def handle(self, state: DialogueState, message: str, key: str) -> TurnResult:
        """Run one user message; `key` identifies this turn for idempotent side effects."""
        commands = self.understander.understand(message, state) if message.strip() else []
        reply = _Reply()
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

    def _answer(self, state: DialogueState, commands: list[Command], reply: _Reply, key: str) -> None:
        for correction in (c for c in commands if isinstance(c, CorrectSlot)):
            # a changed detail is said back, so the user sees the switch was understood ("no, the 11th");
            # a changed entity is said by the reply about it anyway
            if self._has_template("corrected") and self.spec.slots[correction.slot].type != "entity":
                reply.lines.append(self._say("corrected", slot=self._label(correction.slot), value=correction.value))
        cancelled = [c for c in commands if isinstance(c, CancelTask)]
        if cancelled:
            self._report_cancel(state, cancelled, reply)
        for question in (c for c in commands if isinstance(c, AskEntity)):
            self._answer_entity(question, reply)
        task = state.active
        if task is None:
            return
        touched = _touched_tasks(commands, self.spec) | ({task.name} if cancelled else set())
        if any(isinstance(c, Affirm | Deny) for c in commands) and task.status == "awaiting_confirmation":
            self._confirm_or_decline(state, task, any(isinstance(c, Affirm) for c in commands), reply, key)
        elif task.name in touched:
            self._act(state, task, reply)

    # --- validation --------------------------------------------------------------------------------------
    def _validated(self, commands: list[Command], reply: _Reply) -> list[Command]:
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
        spec = self.spec.slots.get(slot)
        if spec is None:
            return f"I cannot use {slot!r} here.", value
        value = value.strip()
        if value == DONT_CARE:
            return "", value
        checker = {
            "category": _check_category,
            "boolean": _check_boolean,
            "integer": _check_integer,
            "date": _check_date,
            "entity": self._check_entity,
        }.get(spec.type)
        if spec.match == "range" and not RANGE.match(value):
            return f"{self._label(slot)}: {value!r} is not a range like 400-500 or >4.5.", value
        if checker is None:
            return ("", value) if value else (f"{self._label(slot)} is empty.", value)
        problem, normalized = checker(spec, value)
        return (f"{self._label(slot)}: {problem}" if problem else ""), normalized

    def _check_entity(self, _spec: SlotSpec, value: str) -> tuple[str, str]:
        row = self.database.entity(value)
        if row is None:
            return f'I could not find "{value}" in our database.', value
        return "", str(row[self.spec.entity.name_column])

    # --- acting ------------------------------------------------------------------------------------------
    def _act(self, state: DialogueState, task: Task, reply: _Reply) -> None:
        action = self.spec.tasks[task.name].action
        if action == "search":
            self._search(state, task, reply)
        elif action == "details":
            name = task.slots.get(self.spec.entity_slot or "")
            if name:
                self._answer_entity(AskEntity(entity=name), reply)
                finish_task(state, task)
        elif action == "book":
            self._advance_booking(task, reply)

    def _search(self, state: DialogueState, task: Task, reply: _Reply) -> None:
        # A named entity is a subject, not a filter: "is the Acorn cheap?" asks about it, and combining its name
        # with the other conditions would only ever find it or nothing.
        entity_slot = self.spec.entity_slot
        conditions = {slot: value for slot, value in task.slots.items() if value != DONT_CARE and slot != entity_slot}
        if not conditions:
            named = task.slots.get(entity_slot or "")
            if named and not reply.evidence:
                self._answer_entity(AskEntity(entity=named), reply)
            return
        result = self.database.search(conditions, limit=LISTED)
        described = self._describe(conditions)
        if result.total == 0:
            reply.lines.append(self._say("search_none", conditions=described))
            return
        name_column = self.spec.entity.name_column
        lines = []
        for row in result.rows:
            reply.cite(self.spec.entity.table, self.spec.entity.key, row, str(row[name_column]))
            lines.append(self._say("result_line", **_printable(row)))
        listing = "; ".join(lines) + (f"; +{result.total - len(lines)}" if result.total > len(lines) else "")
        noun = "hotel" if result.total == 1 else "hotels"
        reply.lines.append(
            self._say("search_results", count=result.total, noun=noun, conditions=described, listing=listing + ".")
        )
        reply.lines.append(self._say("search_more"))
        state.shown = [str(row[name_column]) for row in result.rows]
        reply.actions.append({"action": "search", "conditions": conditions, "total": result.total})

    def _answer_entity(self, question: AskEntity, reply: _Reply) -> None:
        row = self.database.entity(question.entity)
        if row is None:
            reply.lines.append(self._say("unknown_entity", entity=question.entity))
            return
        name = str(row[self.spec.entity.name_column])
        reply.cite(self.spec.entity.table, self.spec.entity.key, row, name)
        reply.focus = name
        known = [a for a in question.attributes if a in row]
        if not known:
            reply.lines.append(self._say("details", **_printable(row)))
            return
        for attribute in known:
            label = (
                self.spec.slots[attribute].labels.get(self.language, attribute)
                if attribute in self.spec.slots
                else attribute
            )
            reply.lines.append(
                self._say("details_attribute", **_printable(row), attribute=label, value=_printable(row)[attribute])
            )

    def _advance_booking(self, task: Task, reply: _Reply) -> None:
        if task.status != "active":
            return
        missing = [slot for slot in self.spec.tasks[task.name].required if not task.slots.get(slot)]
        if missing:
            reply.lines.append(self._say("ask_slot", question=self._say(f"question_{missing[0]}")))
            return
        if self.spec.tasks[task.name].confirm:
            task.status = "awaiting_confirmation"
            reply.lines.append(self._say("confirm_booking", **task.slots))

    def _confirm_or_decline(self, state: DialogueState, task: Task, yes: bool, reply: _Reply, key: str) -> None:
        if not yes:
            task.status = "active"
            reply.lines.append(self._say("booking_declined"))
            return
        if self.spec.tasks[task.name].approval and self.desk is not None:
            summary = self._say("confirm_booking", **task.slots)
            task.approval_id = self.desk.request(key, "book", self._booking_payload(task), summary)
            task.status = "awaiting_approval"
            reply.lines.append(self._say("waiting_approval", approval=task.approval_id, **task.slots))
            reply.actions.append({"action": "request_approval", "approval": task.approval_id})
            return
        outcome = self.execute("book", self._booking_payload(task), conversation=key)
        self._finish_booking(state, task, outcome, "booked", reply)

    def _report_decisions(self, state: DialogueState, reply: _Reply) -> None:
        """Tell the user what an operator decided about their pending requests since the last turn."""
        for task in [t for t in state.stack if t.status == "awaiting_approval" and t.approval_id]:
            assert self.desk is not None and task.approval_id is not None
            status, result, note = self.desk.status(task.approval_id)
            if status == "pending":
                reply.lines.append(self._say("still_waiting", approval=task.approval_id))
            elif status == "rejected":
                finish_task(state, task, "failed")
                reply.lines.append(self._say("rejected", note=f" ({note})" if note else "", **task.slots))
            else:
                self._finish_booking(state, task, result, "approved", reply)

    def _finish_booking(
        self, state: DialogueState, task: Task, outcome: dict[str, Any], template: str, reply: _Reply
    ) -> None:
        if "reference" not in outcome:
            finish_task(state, task, "failed")
            reply.lines.append(self._say("booking_failed", reason=outcome.get("error", "unknown error")))
            return
        finish_task(state, task)
        reply.lines.append(self._say(template, reference=outcome["reference"], **task.slots))
        reply.actions.append({"action": "book", "reference": outcome["reference"]})

    def execute(self, action: str, payload: dict[str, Any], conversation: str = "") -> dict[str, Any]:
        """Run a side-effecting action (directly, or once an operator approved it)."""
        if action != "book":
            return {"error": f"unknown action {action!r}"}
        try:
            reference = self.database.book(
                payload["entity"], payload["day"], int(payload["people"]), int(payload["stay"]), conversation
            )
        except (BookingError, KeyError, ValueError) as exc:
            return {"error": str(exc)}
        return {"reference": reference}

    def _booking_payload(self, task: Task) -> dict[str, Any]:
        return {
            "entity": task.slots[self.spec.entity_slot or ""],
            "day": task.slots["day"],
            "people": task.slots["people"],
            "stay": task.slots["stay"],
            "language": self.language,
        }

    def _report_cancel(self, state: DialogueState, cancelled: list[CancelTask], reply: _Reply) -> None:
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
        return self.spec.template(self.language, template).format_map(_Blank(values))

    def _has_template(self, template: str) -> bool:
        return template in self.spec.templates.get(self.language, {})

    def _label(self, slot: str) -> str:
        spec = self.spec.slots.get(slot)
        return spec.labels.get(self.language, slot) if spec else slot

    def _describe(self, conditions: dict[str, str]) -> str:
        if not conditions:
            return ""
        joiner = "、" if self.language == "zh" else ", "
        parts = [
            f"{self._label(slot)}{'' if self.language == 'zh' else ' '}{value}" for slot, value in conditions.items()
        ]
        return ("(" if self.language != "zh" else "") + joiner.join(parts) + (")" if self.language != "zh" else "")


class _Blank(dict[str, Any]):
    """Templates may name fields a row lacks: those read as empty rather than failing the turn."""

    def __missing__(self, key: str) -> str:
        return ""


def _touched_tasks(commands: list[Command], spec: ScenarioSpec) -> set[str]:
    touched: set[str] = set()
    for command in commands:
        if isinstance(command, StartTask):
            touched.add(command.task)
        elif isinstance(command, SetSlot | CorrectSlot | ClearSlot):
            owners = [command.task] if command.task else [n for n, t in spec.tasks.items() if command.slot in t.slots]
            touched.update(owners)
    return touched


def _check_category(spec: SlotSpec, value: str) -> tuple[str, str]:
    lowered = value.lower()
    canonical = spec.synonyms.get(lowered, lowered)
    if canonical in spec.values or value in spec.values:
        return "", canonical if canonical in spec.values else value
    return f"{value!r} is not one of {', '.join(spec.values)}.", value


def _check_boolean(spec: SlotSpec, value: str) -> tuple[str, str]:
    lowered = spec.synonyms.get(value.lower(), value.lower())
    if lowered in {"yes", "true", "free", "有", "是"}:
        return "", "yes"
    if lowered in {"no", "false", "没有", "否"}:
        return "", "no"
    return f"{value!r} should be yes or no.", value


def _check_integer(spec: SlotSpec, value: str) -> tuple[str, str]:
    if not re.fullmatch(r"-?\d+", value):
        return f"{value!r} is not a whole number.", value
    number = int(value)
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        return f"{number} is outside {spec.minimum:g} to {spec.maximum:g}.", value
    return "", str(number)


def _check_date(_spec: SlotSpec, value: str) -> tuple[str, str]:
    lowered = value.lower()
    if lowered in WEEKDAYS:
        return "", lowered
    try:
        return "", date.fromisoformat(value).isoformat()
    except ValueError:
        return f"{value!r} is not a date I can book.", value


def _printable(row: dict[str, Any]) -> dict[str, str]:
    return {
        key: "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
        for key, value in row.items()
    }


def _row_text(row: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in row.items() if value is not None)
