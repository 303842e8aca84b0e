"""Actions: what a task of a task-stack scenario does once the user has said enough.

A task in a scenario spec names its action (`action: search`); the engine looks the name up in the registry
it was given (the built-ins below plus every pack's). The core gives three: `search` (list the entities that
match the task's slots), `details` (describe one entity) and `write_record` (write one row, configured in YAML:
`record: {table: reservations, fields: {part_id: "@entity", quantity: quantity}}`).

How to write one: subclass `Action`, set `name` and `side_effect`, and list the class in your pack's components
(`Components(actions=(MyAction,))`).
- A read-only action (`side_effect = False`) implements `act(turn, task)`: it runs on every turn that touches the
  task, adds lines and evidence to `turn.reply`, and calls `finish_task` when the task is done.
- A side-effecting action (`side_effect = True`) implements `execute(records, task, payload, conversation)`. The
  engine, not the action, collects the required slots, asks the user to confirm and, in copilot mode, files an
  approval; `execute` runs only after that, must write everything or nothing, and returns `{"reference": ...}`
  or `{"error": ...}`. Side effects are read from the class, so no spec can run one without its checks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from luodi.contracts import Check, Evidence
from luodi.dialogue.commands import AskEntity
from luodi.dialogue.records import DONT_CARE, RecordError, ScenarioDatabase
from luodi.dialogue.replies import default_replies
from luodi.dialogue.spec import ScenarioError, ScenarioSpec, TaskSpec
from luodi.dialogue.state import DialogueState, Task
from luodi.dialogue.tracker import finish_task

LISTED = 3
ENTITY_KEY = "@entity"  # in a record's fields: the key of the entity the task's entity slot names


class Blank(dict[str, Any]):
    """Templates may name fields a row lacks: those read as empty rather than failing the turn."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Wording:
    """The scenario's templates and slot labels in the conversation's language."""

    spec: ScenarioSpec
    language: str

    def say(self, template: str, **values: Any) -> str:
        """The spec's template, else the engine's own reply of that name (luodi/dialogue/replies.yaml)."""
        replies = default_replies()
        own = replies.get(self.language, replies["en"])
        if self.has(template) or template not in own:
            return self.spec.template(self.language, template).format_map(Blank(values))
        return own[template].format_map(Blank(values))

    def has(self, template: str) -> bool:
        return template in self.spec.templates.get(self.language, {})

    def say_for(self, kind: str, task: str, **values: Any) -> str:
        """The task's own template for `kind` (`confirm_reserve_part`) where the spec has one, else the shared one."""
        return self.say(f"{kind}_{task}" if self.has(f"{kind}_{task}") else kind, **values)

    def label(self, slot: str) -> str:
        spec = self.spec.slots.get(slot)
        return spec.labels.get(self.language, slot) if spec else slot

    def describe(self, conditions: dict[str, str]) -> str:
        if not conditions:
            return ""
        chinese = self.language == "zh"
        parts = [f"{self.label(slot)}{'' if chinese else ' '}{value}" for slot, value in conditions.items()]
        return ("" if chinese else "(") + ("、" if chinese else ", ").join(parts) + ("" if chinese else ")")


@dataclass
class Reply:
    lines: list[str] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    focus: str | None = None  # the one entity this reply was about, so "it" can be resolved next turn

    def cite(self, table: str, key: str, row: dict[str, Any], name: str) -> None:
        evidence_id = f"{table}:{row[key]}"
        self.evidence[evidence_id] = Evidence(
            id=evidence_id, kind="record", text=row_text(row), source=table, metadata={"row": row}
        )
        self.checks.append(Check(claim=name, kind="entity", supported=True, evidence_id=evidence_id))


@dataclass
class ActionTurn:
    """What an action works with on one turn: the spec, the business records, the state and the reply so far."""

    spec: ScenarioSpec
    records: ScenarioDatabase
    state: DialogueState
    reply: Reply
    wording: Wording

    def describe_entity(self, question: AskEntity) -> None:
        """Answer a question about one entity (all it is, or the attributes asked), citing its row."""
        row = self.records.entity(question.entity)
        say = self.wording.say
        if row is None:
            self.reply.lines.append(say("unknown_entity", entity=question.entity))
            return
        name = str(row[self.spec.entity.name_column])
        self.reply.cite(self.spec.entity.table, self.spec.entity.key, row, name)
        self.reply.focus = name
        shown = printable(row)
        known = [a for a in question.attributes if a in row]
        if not known:
            self.reply.lines.append(say("details", **shown))
        for attribute in known:
            label = self.wording.label(attribute)
            self.reply.lines.append(say("details_attribute", **shown, attribute=label, value=shown[attribute]))


class Action:
    name: ClassVar[str]
    side_effect: ClassVar[bool] = False

    def act(self, turn: ActionTurn, task: Task) -> None:
        """A read-only action's work on a turn that touched its task."""
        raise NotImplementedError(f"action {self.name!r} does nothing on a turn")

    def execute(
        self, records: ScenarioDatabase, task: TaskSpec, payload: dict[str, Any], conversation: str
    ) -> dict[str, Any]:
        """A side-effecting action's work, once confirmed (and approved)."""
        raise NotImplementedError(f"action {self.name!r} has no side effect to run")


class Search(Action):
    """List the entities matching the task's slots (a named entity is the subject, not a filter)."""

    name = "search"

    def act(self, turn: ActionTurn, task: Task) -> None:
        entity_slot = turn.spec.entity_slot
        conditions = {slot: value for slot, value in task.slots.items() if value != DONT_CARE and slot != entity_slot}
        if not conditions:
            named = task.slots.get(entity_slot or "")
            if named and not turn.reply.evidence:
                turn.describe_entity(AskEntity(entity=named))
            return
        result = turn.records.search(conditions, limit=LISTED)
        described, say = turn.wording.describe(conditions), turn.wording.say
        if result.total == 0:
            turn.reply.lines.append(say("search_none", conditions=described))
            return
        entity = turn.spec.entity
        lines = []
        for row in result.rows:
            turn.reply.cite(entity.table, entity.key, row, str(row[entity.name_column]))
            lines.append(say("result_line", **printable(row)))
        listing = "; ".join(lines) + (f"; +{result.total - len(lines)}" if result.total > len(lines) else "")
        noun = entity.nouns.get(turn.wording.language, ["", ""])[0 if result.total == 1 else 1]
        turn.reply.lines.append(
            say("search_results", count=result.total, noun=noun, conditions=described, listing=listing + ".")
        )
        turn.reply.lines.append(say("search_more"))
        turn.state.shown = [str(row[entity.name_column]) for row in result.rows]
        turn.reply.actions.append({"action": "search", "conditions": conditions, "total": result.total})


class Details(Action):
    """Describe the entity the task's entity slot names."""

    name = "details"

    def act(self, turn: ActionTurn, task: Task) -> None:
        name = task.slots.get(turn.spec.entity_slot or "")
        if name:
            turn.describe_entity(AskEntity(entity=name))
            finish_task(turn.state, task)


class WriteRecord(Action):
    """Write one row of the task's `record` (table and fields from YAML), with a reference, in one transaction."""

    name = "write_record"
    side_effect = True

    def execute(
        self, records: ScenarioDatabase, task: TaskSpec, payload: dict[str, Any], conversation: str
    ) -> dict[str, Any]:
        if task.record is None:
            return {"error": "the task names no record to write"}
        spec = records.spec
        values: dict[str, Any] = {}
        try:
            for column, source in task.record.fields.items():
                if source == ENTITY_KEY:
                    values[column] = records.entity_key(str(payload[spec.entity_slot or ""]))
                else:
                    slot = spec.slots[source]
                    values[column] = int(payload[source]) if slot.type == "integer" else payload[source]
            reference = task.record.reference_prefix + secrets.token_hex(3).upper()
            records.write(task.record.table, {**values, "reference": reference, "conversation": conversation})
        except (RecordError, KeyError, ValueError) as exc:
            return {"error": str(exc)}
        return {"reference": reference}


BUILT_IN_ACTIONS: tuple[type[Action], ...] = (Search, Details, WriteRecord)


class ActionRegistry:
    """Actions by name: the built-ins and every pack's; a spec naming an unknown one is refused when loaded."""

    def __init__(self, actions: Iterable[type[Action]] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for action in (*BUILT_IN_ACTIONS, *actions):
            if action.name in self._actions:  # a pack never silently replaces a built-in or another pack's action
                first = type(self._actions[action.name]).__name__
                raise ScenarioError(f"two actions are named {action.name!r}: {first} and {action.__name__}")
            self._actions[action.name] = action()

    def get(self, name: str) -> Action:
        return self._actions[name]

    def check(self, spec: ScenarioSpec) -> None:
        unknown = {t: task.action for t, task in spec.tasks.items() if task.action not in self._actions}
        if unknown:
            raise ScenarioError(f"scenario {spec.name!r}: tasks name unknown actions {unknown}; known: "
                                f"{', '.join(sorted(self._actions))}")
        missing = [t for t, task in spec.tasks.items() if self._actions[task.action].side_effect and not task.confirm
                   and not task.approval]
        if missing:  # a side effect runs only after the user's yes or an operator's approval
            raise ScenarioError(f"scenario {spec.name!r}: side-effecting tasks {missing} need confirm or approval")
        unwritten = [t for t, task in spec.tasks.items() if isinstance(self._actions[task.action], WriteRecord)
                     and task.record is None]
        if unwritten:
            raise ScenarioError(f"scenario {spec.name!r}: write_record tasks {unwritten} name no record: "
                                f"add record: {{table, fields}}")

    @property
    def names(self) -> Mapping[str, Action]:
        return self._actions


def printable(row: dict[str, Any]) -> dict[str, str]:
    return {
        key: "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
        for key, value in row.items()
    }


def row_text(row: dict[str, Any]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in row.items() if value is not None)
