"""The platform's own database: SQLite file by default, PostgreSQL by URL, through SQLAlchemy 2.

This module imports no stage. Tables belong to the stage that owns them (gateway: tenants and keys; ledger: usage
and audit; governance: approvals; dialogue: conversation memory) and register themselves on this one declarative
`Base` when their module is imported; the composition root (`luodi.platform`, the CLI) imports the stages it
serves, then calls `Store.create_schema()`, which creates every table registered so far.

How to give a stage a table:
1. Declare it on `Base` in the stage's own module (`class Thing(Base): __tablename__ = "things"`).
2. Rows that must exist from the start (a chain's head, say): register a seeding function at import time with
   `on_schema_created(seed)`; it runs in its own transaction after the tables are made, and must be idempotent.
3. A stage built after the schema was made (conversation memory, built with its assistant) makes its own tables
   with `store.create_tables(Thing)`.
4. A column added to a table in a later version must be nullable or carry a `server_default`: `create_schema`
   adds the columns an existing database lacks (the only migration Luodi makes; it never drops or alters).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, event, inspect, text
from sqlalchemy.exc import IntegrityError, SAWarning
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    pass


SchemaSeed = Callable[[Session], None]
_SEEDS: list[SchemaSeed] = []


def on_schema_created(seed: SchemaSeed) -> SchemaSeed:
    """Run `seed(session)` each time a schema is created (registered once, however often its module loads)."""
    if seed not in _SEEDS:
        _SEEDS.append(seed)
    return seed


def utc_now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str) -> Engine:
    database = url.split("///", 1)[-1]
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so that each one can take the write lock up
        # front: two appenders to the audit chain then queue instead of forking it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def add_missing_columns(engine: Engine, tables: list[Table]) -> list[str]:
    """Add to existing tables the columns a later version declared (nullable or with a server default);
    returns "table.column" of each one added."""
    inspector = inspect(engine)
    added: list[str] = []
    for table in tables:
        if not inspector.has_table(table.name):
            continue
        with warnings.catch_warnings():  # a column of a type SQLAlchemy does not know (pgvector's) is still a column
            warnings.simplefilter("ignore", SAWarning)
            present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable and column.server_default is None:
                raise RuntimeError(f"{table.name}.{column.name} is new and NOT NULL without a server default")
            ddl = f'ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type.compile(engine.dialect)}'
            default = getattr(column.server_default, "arg", None)
            if default is not None:
                compiled = default.compile(dialect=engine.dialect) if hasattr(default, "compile") else default
                ddl += f" DEFAULT {compiled}"
            with engine.begin() as connection:
                connection.execute(text(ddl))
            added.append(f"{table.name}.{column.name}")
    return added


class Store:
    """An engine and its sessions; one per process and database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """Create the tables of every stage imported so far (those missing), then run their seeds."""
        Base.metadata.create_all(self.engine)
        add_missing_columns(self.engine, Base.metadata.sorted_tables)
        for seed in _SEEDS:
            try:
                with self.transaction() as session:
                    seed(session)
            except IntegrityError:
                pass  # another replica seeded it first

    def create_tables(self, *models: type[Base]) -> None:
        """Create these tables if they are missing: for a stage built after `create_schema`."""
        tables = [cast(Table, model.__table__) for model in models]
        Base.metadata.create_all(self.engine, tables=tables)
        add_missing_columns(self.engine, tables)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def as_utc(moment: datetime) -> datetime:
    """The moment in UTC. A naive one is read as UTC: SQLite hands back naive datetimes, and drops the zone of
    those it stores, so a time is converted to UTC before it is stored."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def unix_time(moment: datetime) -> int:
    """Seconds since the epoch, as OpenAI's `created_at`."""
    return int(as_utc(moment).timestamp())
