"""A scenario's business records: searches built from typed conditions through SQLAlchemy (values are always
bound parameters, never pasted into SQL), entity look-ups, and records written in one transaction."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    create_engine,
    exists,
    func,
    insert,
    select,
)

from luodi.config import shared_data_dir
from luodi.dialogue.spec import ScenarioError, ScenarioSpec, SlotSpec
from luodi.store import utc_now

DONT_CARE = "dontcare"
RANGE = re.compile(
    r"^\s*(?:(?P<low>\d+(?:\.\d+)?)\s*-\s*(?P<high>\d+(?:\.\d+)?)|(?P<op>[<>]=?)\s*(?P<bound>\d+(?:\.\d+)?))\s*$"
)


class RecordError(RuntimeError):
    """A record that could not be written; nothing of it was stored."""


@dataclass(frozen=True)
class SearchResult:
    total: int
    rows: list[dict[str, Any]]


DatabaseBuilder = Callable[[Engine, Path], None]  # fills an empty embedded database from the spec's data file


class ScenarioDatabase:
    def __init__(self, spec: ScenarioSpec, engine: Engine) -> None:
        self.spec = spec
        self.engine = engine
        self.metadata = MetaData()
        self.metadata.reflect(engine)
        self.entities = self._table(spec.entity.table)
        self._names: list[str] | None = None

    @classmethod
    def open(cls, spec: ScenarioSpec, folder: Path, builders: Mapping[str, DatabaseBuilder] | None = None
             ) -> ScenarioDatabase:
        """The configured database, or an embedded SQLite file built once from the scenario's data file by the
        builder the spec names (one of `builders`, which packs contribute)."""
        if spec.database.url:
            return cls(spec, create_engine(spec.database.url))
        # the file name carries a fingerprint of what shapes the database, so a changed spec builds a new one
        shape = json.dumps(
            [spec.database.model_dump(), {k: v.model_dump() for k, v in spec.slots.items()}],
            sort_keys=True,
            ensure_ascii=False,
        )
        path = folder / f"{spec.name}-{hashlib.sha256(shape.encode()).hexdigest()[:10]}.db"
        if not path.exists():
            _build_sqlite(spec, path, builders or {})
        return cls(spec, create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False}))

    def _table(self, name: str) -> Table:
        if name not in self.metadata.tables:
            raise ScenarioError(f"scenario {self.spec.name!r}: the database has no table {name!r}")
        return self.metadata.tables[name]

    # --- reading -----------------------------------------------------------------------------------------
    def search(self, conditions: dict[str, str], limit: int = 5) -> SearchResult:
        where = [clause for slot, value in conditions.items() if (clause := self._condition(slot, value)) is not None]
        key = self.entities.c[self.spec.entity.key]
        with self.engine.connect() as connection:
            total = connection.scalar(select(func.count()).select_from(self.entities).where(and_(True, *where)))
            rows = connection.execute(select(self.entities).where(and_(True, *where)).order_by(key).limit(limit))
            return SearchResult(int(total or 0), [dict(row._mapping) for row in rows])

    def _condition(self, slot: str, value: str) -> ColumnElement[bool] | None:
        spec = self.spec.slots.get(slot)
        if spec is None or value == DONT_CARE:
            return None
        if spec.match == "contains":
            return self._contains(spec, value)
        if spec.column is None:
            return None
        column = self.entities.c[spec.column]
        if spec.match == "range":
            return _range_condition(column, value)
        if spec.type == "integer":
            return column == int(value)
        return func.lower(column) == value.lower()

    def _contains(self, spec: SlotSpec, value: str) -> ColumnElement[bool]:
        table = self._table(spec.via["table"])
        key = self.entities.c[self.spec.entity.key]
        clauses = [
            exists().where(table.c[spec.via["key"]] == key, table.c[spec.via["column"]].contains(part))
            for part in value.split()
        ]
        return and_(*clauses)

    def entity_names(self) -> list[str]:
        if self._names is None:
            column = self.entities.c[self.spec.entity.name_column]
            with self.engine.connect() as connection:
                self._names = [name for name in connection.scalars(select(column).order_by(column)) if name]
        return self._names

    def entity(self, name: str) -> dict[str, Any] | None:
        """The entity of that name: exact (ignoring case) first, else the closest name that is close enough."""
        resolved = resolve_name(name, self.entity_names())
        if resolved is None:
            return None
        column = self.entities.c[self.spec.entity.name_column]
        with self.engine.connect() as connection:
            row = connection.execute(select(self.entities).where(column == resolved)).first()
        return dict(row._mapping) if row else None

    # --- writing -----------------------------------------------------------------------------------------
    def entity_key(self, name: str) -> Any:
        """The key of the entity called exactly `name`, or RecordError."""
        column = self.entities.c[self.spec.entity.name_column]
        with self.engine.connect() as connection:
            key = connection.scalar(select(self.entities.c[self.spec.entity.key]).where(column == name))
        if key is None:
            raise RecordError(f"there is no {self.spec.entity.table} entry called {name!r}")
        return key

    def write(self, table_name: str, values: dict[str, Any]) -> None:
        """Insert one row in a transaction (`created_at` stamped where the table has it); nothing is kept on error."""
        table = self._table(table_name)
        stamped = {**values, "created_at": utc_now().isoformat()} if "created_at" in table.c else values
        unknown = sorted(set(stamped) - set(table.c.keys()))
        if unknown:
            raise RecordError(f"table {table_name!r} has no column(s) {', '.join(unknown)}")
        with self.engine.begin() as connection:
            connection.execute(insert(table).values(**stamped))

    def record_count(self, table_name: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(self._table(table_name))) or 0)


def resolve_name(name: str, names: list[str], threshold: float = 0.82) -> str | None:
    wanted = _name_key(name)
    if not wanted:
        return None
    by_key = {_name_key(candidate): candidate for candidate in names}
    if wanted in by_key:
        return by_key[wanted]
    contained = [candidate for key, candidate in by_key.items() if wanted in key and len(wanted) >= 4]
    if len(contained) == 1:
        return contained[0]
    scored = max(
        ((SequenceMatcher(None, wanted, key).ratio(), candidate) for key, candidate in by_key.items()),
        default=(0.0, ""),
    )
    return scored[1] if scored[0] >= threshold else None


def _name_key(name: str) -> str:
    key = re.sub(r"[^\w]+", " ", name.lower()).strip()
    return re.sub(r"^the ", "", key)


def _range_condition(column: Any, value: str) -> ColumnElement[bool]:
    match = RANGE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a range like 400-500, >4.5 or <300")
    if match["low"] is not None:
        return and_(column >= float(match["low"]), column <= float(match["high"]))
    bound = float(match["bound"])
    comparisons: dict[str, Callable[[Any, float], ColumnElement[bool]]] = {
        ">": lambda c, b: c > b,
        ">=": lambda c, b: c >= b,
        "<": lambda c, b: c < b,
        "<=": lambda c, b: c <= b,
    }
    return comparisons[match["op"]](column, bound)


def spec_data_file(spec: ScenarioSpec) -> Path:
    """The spec's data file: beside the spec (shipped with its pack) if it is there, else in the shared data."""
    if spec.source is not None and (Path(spec.source).parent / spec.database.data).is_file():
        return Path(spec.source).parent / spec.database.data
    return shared_data_dir() / spec.database.data


ROWS_BUILDER = "rows"  # the built-in builder: the entity table from a JSON list of rows, record tables from the spec


def build_from_rows(spec: ScenarioSpec) -> DatabaseBuilder:
    """The built-in builder: the entity table from the data file (a JSON list of objects; column types from the
    values), and one table per `write_record` task (its fields, plus reference, conversation and created_at)."""

    def build(engine: Engine, data_file: Path) -> None:
        rows: list[dict[str, Any]] = json.loads(data_file.read_text(encoding="utf-8"))
        metadata = MetaData()
        names = list(dict.fromkeys(key for row in rows for key in row))
        entity_columns = [Column(name, _column_type([row.get(name) for row in rows]),
                                 primary_key=name == spec.entity.key) for name in names]
        entities = Table(spec.entity.table, metadata, *entity_columns)
        for task in (t for t in spec.tasks.values() if t.record is not None):
            assert task.record is not None
            fields = [Column(column, Integer if source == "@entity" or spec.slots[source].type == "integer" else Text)
                      for column, source in task.record.fields.items()]
            Table(task.record.table, metadata, Column("reference", Text, primary_key=True), *fields,
                  Column("conversation", Text), Column("created_at", Text))
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(insert(entities), rows)

    return build


def _column_type(values: list[Any]) -> type[Integer] | type[Float] | type[Boolean] | type[Text]:
    present = [value for value in values if value is not None]
    if present and all(isinstance(value, bool) for value in present):
        return Boolean
    if present and all(isinstance(value, int) and not isinstance(value, bool) for value in present):
        return Integer
    if present and all(isinstance(value, int | float) and not isinstance(value, bool) for value in present):
        return Float
    return Text


def _build_sqlite(spec: ScenarioSpec, path: Path, builders: Mapping[str, DatabaseBuilder]) -> None:
    builder = build_from_rows(spec) if spec.database.builder == ROWS_BUILDER else builders.get(spec.database.builder)
    if builder is None:
        known = ", ".join(sorted([ROWS_BUILDER, *builders]))
        raise ScenarioError(f"scenario {spec.name!r} names database builder {spec.database.builder!r}, which no "
                            f"installed pack provides (known: {known}); or set database.url")
    data_file = spec_data_file(spec)
    if not data_file.exists():
        raise ScenarioError(
            f"scenario {spec.name!r} needs its data file {data_file}; set LUODI_SHARED_DATA to the folder holding "
            f"{spec.database.data}"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{partial}")
    try:
        builder(engine, data_file)
    finally:
        engine.dispose()
    shutil.move(partial, path)  # a half-built database is never mistaken for a whole one
