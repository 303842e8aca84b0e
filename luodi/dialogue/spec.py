"""A scenario spec (YAML) for the task-stack engine: slots with types and normalizers, tasks naming their
actions, the business database binding, and reply templates per language. Adding a slot-filling scenario is
writing one of these (plus data, and an understander or NLU examples); the engine does not change.

How to write one: see `tests/packs/warehouse/warehouse.yaml` for a small spec, and the travel pack for a full
one. Every task names an action of the registry (`luodi.dialogue.actions`); a `write_record` task says
which table and fields it writes under `record:`. Templates are looked up per task first
(`confirm_<task>`), then shared (`confirm`).

The `nlu:` section is an `NluSpec`: the keys the generic code reads (which understander, the trained model, how
its intents and span labels map to tasks, commands and slots, the example utterances it is trained on, how users
name the entities), typed, so that a wrongly typed key fails when the spec loads, naming the key. A pack may add
keys of its own there: it declares them as a `PackNluKeys` model and reads them with `spec.nlu.pack_keys(Model)`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from luodi.errors import Misconfigured

SlotType = Literal["category", "integer", "boolean", "date", "entity", "text", "number"]


class ScenarioError(Misconfigured, ValueError):
    """A scenario file that cannot be used; the message names the file and what is wrong."""


class SlotSpec(BaseModel):
    type: SlotType
    column: str | None = None  # the database column a search filters on
    values: list[str] = Field(default_factory=list)  # canonical values of a category
    synonyms: dict[str, str] = Field(default_factory=dict)  # surface form -> canonical value
    minimum: float | None = None
    maximum: float | None = None
    # how a search compares: equal; range (values like "400-500", ">4.5", "<300"); or contains, for a list
    # kept in its own table (`via`: table and column, joined on the entity key)
    match: Literal["equal", "range", "contains"] = "equal"
    via: dict[str, str] = Field(default_factory=dict)  # table, column, key (its column naming the entity's key)
    labels: dict[str, str] = Field(default_factory=dict)  # language -> how replies name the slot


class RecordSpec(BaseModel):
    """The row a `write_record` task writes: each column from a slot, or "@entity" for the entity's key. The row
    also gets `reference` and `conversation`, and `created_at` where the table has it."""

    table: str
    fields: dict[str, str]
    reference_prefix: str = "R"


class TaskSpec(BaseModel):
    action: str  # a name in the action registry: search, details, write_record, or a pack's own
    slots: list[str]
    required: list[str] = Field(default_factory=list)
    confirm: bool = False  # ask the user before acting
    approval: bool = False  # in copilot mode an operator must approve before it runs
    record: RecordSpec | None = None


class EntitySpec(BaseModel):
    table: str
    key: str = "id"
    name_column: str = "name"
    shown_columns: list[str] = Field(default_factory=list)
    nouns: dict[str, list[str]] = Field(default_factory=dict)  # language -> [one, several], as replies count them


class DatabaseSpec(BaseModel):
    url: str = ""  # SQLAlchemy URL; empty: a SQLite file built from the data in the scenario's data_dir
    # fills the embedded database from the data file: "rows" (built in: a JSON list of the entity's rows), or the
    # name of a pack's builder
    builder: str = "rows"
    data: str = ""  # the data file: beside the spec if it is there (a pack ships it), else in the shared data folder


class NameLexiconSpec(BaseModel):
    """How users name the scenario's entities (`nlu.names`), for fuzzy matching of names."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    generic_words: list[str] = Field(default_factory=list)  # words that are not part of a name's distinctive core
    ambiguous_short_names: list[str] = Field(default_factory=list)  # short forms too common to count as a name
    aliases: dict[str, str] = Field(default_factory=dict)  # alias -> the full name


class TableValuesSpec(BaseModel):
    """Slot values read from a column of a JSON list of records or a CSV file, relative to the YAML file."""

    table: str
    column: str


class MultiIntentSpec(BaseModel):
    """How generated training utterances combine several intents (`nlu.multi_intent`)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    share: float = 0.5  # fraction of generated utterances with more than one intent
    max_intents: int = 2
    joiners: list[str] = Field(default_factory=lambda: ["and", "and also", "then"])


class PackNluKeys(BaseModel):
    """What a pack's own keys of a spec's `nlu:` section derive from: declare them as fields, read them with
    `spec.nlu.pack_keys(TheModel)`; the section's other keys are ignored."""

    model_config = ConfigDict(coerce_numbers_to_str=True)


PackKeys = TypeVar("PackKeys", bound=PackNluKeys)


class NluSpec(BaseModel):
    """How the scenario's messages are understood (`nlu:` in YAML); see `luodi.nlu.commands` for the mapping keys
    and `luodi.nlu.scenario_data` for the training examples. Keys not listed here are a pack's own."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    understander: str = ""  # the understander provider: a pack's, or "nlu" (the built-in trained-model adapter)
    model: str | None = None  # the trained model directory, relative to the spec file
    intent_tasks: dict[str, str | None] = Field(default_factory=dict)  # intent -> task (None: ignored)
    intent_commands: dict[str, str | None] = Field(default_factory=dict)  # intent -> affirm, deny, ...
    slots: dict[str, str | None] = Field(default_factory=dict)  # span label -> slot (None: ignored)
    names: NameLexiconSpec = Field(default_factory=NameLexiconSpec)
    intents: dict[str, list[str]] = Field(default_factory=dict)  # intent -> annotated example utterances
    slot_values: dict[str, list[str] | TableValuesSpec] = Field(default_factory=dict)  # span label -> values
    multi_intent: MultiIntentSpec = Field(default_factory=MultiIntentSpec)

    @field_validator("intents", mode="before")
    @classmethod
    def _no_examples_is_none(cls, intents: object) -> object:
        """An intent listed without examples (`intent:` alone in YAML) has none."""
        return {k: v or [] for k, v in intents.items()} if isinstance(intents, dict) else intents

    @field_validator("intent_tasks", "intent_commands", "slots", mode="after")
    @classmethod
    def _empty_target_is_none(cls, mapping: dict[str, str | None]) -> dict[str, str | None]:
        """A name mapped to "" is mapped to nothing, like one mapped to null."""
        return {name: target or None for name, target in mapping.items()}

    def pack_keys(self, keys: type[PackKeys]) -> PackKeys:
        """A pack's own keys of this section, read as the pack's model of them; a wrong one is a `ScenarioError`
        naming the key."""
        try:
            return keys.model_validate(self.model_extra or {})
        except ValidationError as exc:
            raise ScenarioError(f"nlu: {exc}") from exc


class ScenarioSpec(BaseModel):
    name: str
    description: str = ""
    languages: list[str] = Field(default_factory=lambda: ["en"])
    entity: EntitySpec
    database: DatabaseSpec = Field(default_factory=DatabaseSpec)
    slots: dict[str, SlotSpec]
    tasks: dict[str, TaskSpec]
    default_task: str
    templates: dict[str, dict[str, str]] = Field(default_factory=dict)  # language -> template name -> text
    nlu: NluSpec = Field(default_factory=NluSpec)
    source: Path | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        if self.default_task not in self.tasks:
            raise ValueError(f"default_task {self.default_task!r} is not one of the tasks {sorted(self.tasks)}")
        for name, task in self.tasks.items():
            unknown = [s for s in [*task.slots, *task.required] if s not in self.slots]
            if unknown:
                raise ValueError(f"task {name!r} names unknown slots {unknown}")
            fields = task.record.fields.values() if task.record else []
            unread = [f for f in fields if f not in self.slots and f != "@entity"]
            if unread:
                raise ValueError(f"task {name!r} writes fields from unknown slots {unread}")
        return self

    @property
    def entity_slot(self) -> str | None:
        """The slot that names an entity of the database (a part, a fund), if the scenario has one."""
        return next((name for name, slot in self.slots.items() if slot.type == "entity"), None)

    def task_of_slot(self, slot: str, preferred: str | None = None) -> str | None:
        """The task a slot belongs to: the preferred one if it has the slot, else the first that does."""
        if preferred and preferred in self.tasks and slot in self.tasks[preferred].slots:
            return preferred
        for name, task in self.tasks.items():
            if slot in task.slots:
                return name
        return None

    def template(self, language: str, name: str) -> str:
        texts = self.templates.get(language) or self.templates.get(self.languages[0], {})
        if name not in texts:
            raise ScenarioError(f"scenario {self.name!r} has no {language} template {name!r}")
        return texts[name]


def load_scenario(path: str | Path) -> ScenarioSpec:
    source = Path(path)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScenarioError(f"scenario file {source} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario file {source} is not valid YAML: {exc}") from exc
    try:
        return ScenarioSpec(**raw, source=source)
    except (ValidationError, TypeError) as exc:
        raise ScenarioError(f"scenario file {source}: {exc}") from exc
