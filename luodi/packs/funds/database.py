"""Opening the fund database: a SQLite file built on first use in the data folder, or any SQLAlchemy URL.

The build is deterministic (seeded generator, rows inserted in code order), so two builds are identical and
an external question set's gold SQL gives the same rows everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, insert, inspect, select

from luodi.packs.funds import generator
from luodi.packs.funds.schema import fund_companies, fund_managers, funds, funds_meta, metadata

DB_FILE = "funds.db"


def default_path(data_dir: Path) -> Path:
    return data_dir / "scenarios" / DB_FILE


def build(engine: Engine, seed: int = generator.SEED) -> None:
    rows = generator.generate(seed)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(fund_companies), rows.companies)
        connection.execute(insert(fund_managers), rows.managers)
        connection.execute(insert(funds), rows.funds)
        connection.execute(insert(funds_meta), rows.meta)


def open_engine(url_or_path: str | Path) -> Engine:
    """An engine on the fund database, building it when the tables are missing or empty."""
    text = str(url_or_path)
    url = text if "://" in text else f"sqlite:///{Path(text)}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if not _is_built(engine):
        build(engine)
    return engine


def _is_built(engine: Engine) -> bool:
    if not inspect(engine).has_table("funds_meta"):
        return False
    with engine.connect() as connection:
        return bool(connection.execute(select(func.count()).select_from(funds)).scalar())


@dataclass(frozen=True)
class Directory:
    """Names the understanders resolve against: companies and managers in both scripts, fund names, as-of date."""

    companies: dict[str, str]  # English value in funds.company -> Chinese name
    managers: dict[str, str]  # English value in funds.manager -> Chinese name
    fund_names: dict[str, str]  # lower-cased English or Chinese fund name -> code
    as_of: date

    @cached_property
    def codes(self) -> set[str]:
        return set(self.fund_names.values())

    @classmethod
    def load(cls, engine: Engine) -> Directory:
        with engine.connect() as connection:
            companies = dict(connection.execute(select(fund_companies.c.company, fund_companies.c.company_zh)).all())
            managers = dict(connection.execute(select(fund_managers.c.manager, fund_managers.c.manager_zh)).all())
            names: dict[str, str] = {}
            for code, name, name_zh in connection.execute(select(funds.c.code, funds.c.name, funds.c.name_zh)):
                names[name.lower()] = code
                names[name_zh.lower()] = code
            as_of = connection.execute(select(funds_meta.c.value).where(funds_meta.c.key == "as_of")).scalar_one()
        return cls(companies, managers, names, date.fromisoformat(as_of))
