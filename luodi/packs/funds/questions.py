"""Labelled fund-screening question sets and the gold comparison: JSON lines {"id", "turns": [user messages],
"gold_sql", "ordered"?}, and whether a filter's result equals the gold query's on the same database.

Both the evaluation (`evaluation.py`) and the trained understander's training (`trained.py`, which learns which
reading of a follow-up gets the gold result) read these; neither imports the other.

A filter's result matches when its rows equal the gold query's result. Rows are compared on the columns the gold
query selects (our rows are full `funds` rows, projected onto the gold's column names); a gold `COUNT(*)`
compares with our count. Order counts when the gold has a LIMIT of its own (not one inside a subquery) or the item
says `ordered`; then funds whose sort-key values are equal may swap places (ties have no defined order in SQL),
and funds whose sort-key value is NULL compare as a set (SQLite sorts NULLs first when ascending, PostgreSQL
last; the screener always lists them last). Floats compare to 6 decimals, dates as ISO text, booleans as 0/1.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from luodi.errors import Misconfigured
from luodi.packs.funds.query import FundFilter, run
from luodi.packs.funds.schema import FUND_COLUMNS, funds

COUNT_COLUMN = re.compile(r"count", re.IGNORECASE)


class QuestionSetError(Misconfigured, ValueError):
    pass


@dataclass(frozen=True)
class Conversation:
    id: str
    turns: list[str]
    gold_sql: str
    ordered: bool = False

    @property
    def multi_turn(self) -> bool:
        return len(self.turns) > 1

    @property
    def chinese(self) -> bool:
        return any(re.search(r"[\u4e00-\u9fff]", turn) for turn in self.turns)


def read_questions(path: Path) -> list[Conversation]:
    conversations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            conversations.append(
                Conversation(
                    str(raw["id"]),
                    [str(t) for t in raw["turns"]],
                    str(raw["gold_sql"]),
                    bool(raw.get("ordered", False)),
                )  # fmt: skip
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise QuestionSetError(f"{path}:{number}: not a question item ({error})") from error
    return conversations


def gold_result(engine: Engine, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Runs a gold query; only a single SELECT (or WITH ... SELECT) is accepted."""
    statement = sql.strip().rstrip(";")
    if not re.match(r"(?is)^\s*(select|with)\b", statement) or ";" in statement:
        raise QuestionSetError(f"gold_sql must be one SELECT statement: {sql!r}")
    try:
        with engine.connect() as connection:
            result = connection.execute(text(statement))
            return list(result.keys()), [tuple(row) for row in result]
    except DBAPIError as error:
        raise QuestionSetError(f"gold_sql failed: {error.orig}") from error


def _normal(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _project(rows: Sequence[dict[str, Any]], columns: list[str]) -> list[tuple[Any, ...]]:
    return [tuple(_normal(row[c]) for c in columns) for row in rows]


def _outer_query(sql: str) -> str:
    """The statement without its parenthesized parts: a LIMIT inside "code IN (SELECT ... LIMIT 2)" picks a set
    and orders nothing the outer query returns."""
    previous = None
    while previous != sql:
        previous, sql = sql, re.sub(r"\([^()]*\)", " ", sql)
    return sql


class Scorer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        with engine.connect() as connection:
            self.by_code = {row.code: dict(row._mapping) for row in connection.execute(select(funds))}

    def compare(self, fund_filter: FundFilter | None, sql: str, ordered: bool) -> tuple[bool, str]:
        columns, gold_rows = gold_result(self.engine, sql)
        gold = [tuple(_normal(v) for v in row) for row in gold_rows]
        result = run(self.engine, fund_filter) if fund_filter is not None else None
        rows, count = (result.rows, result.count) if result is not None else ([], 0)
        names = [c.lower().split(".")[-1].strip('"') for c in columns]
        if not all(name in FUND_COLUMNS for name in names):
            if len(names) == 1 and COUNT_COLUMN.search(names[0]) and len(gold) == 1:
                return gold[0][0] == count, f"count {count} vs gold {gold[0][0]}"
            return False, f"gold selects columns this scorer cannot project onto: {columns}"
        ours = _project(rows, names)
        must_order = ordered or re.search(r"(?i)\blimit\b", _outer_query(sql)) is not None
        if not must_order:
            same = sorted(map(repr, ours)) == sorted(map(repr, gold))
            return same, "" if same else f"{len(ours)} rows vs gold {len(gold)}"
        same = self._same_order(ours, gold, names, fund_filter)
        return same, "" if same else f"order or rows differ ({len(ours)} rows vs gold {len(gold)})"

    def _same_order(
        self, ours: list[tuple[Any, ...]], gold: list[tuple[Any, ...]], names: list[str], fund_filter: FundFilter | None
    ) -> bool:
        if len(ours) != len(gold):
            return False
        if ours == gold:
            return True
        if "code" not in names or fund_filter is None or not fund_filter.sort:
            return False
        code_at = names.index("code")
        sort_columns = [key.column for key in fund_filter.sort]

        def key(row: tuple[Any, ...]) -> tuple[Any, ...] | None:
            fund = self.by_code.get(row[code_at])
            return tuple(_normal(fund[c]) for c in sort_columns) if fund else None

        def split(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], list[str]]:
            # funds without the figure have no defined place: SQLite puts NULLs first ascending, PostgreSQL last
            keyed = [row for row in rows if key(row) is not None and None not in key(row)]  # type: ignore[operator]
            return keyed, sorted(repr(row) for row in rows if row not in keyed)

        (ours_keyed, ours_null), (gold_keyed, gold_null) = split(ours), split(gold)
        if ours_null != gold_null or len(ours_keyed) != len(gold_keyed):
            return False
        return all(a == b or key(a) == key(b) for a, b in zip(ours_keyed, gold_keyed, strict=True))
