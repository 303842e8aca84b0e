"""The typed filter a conversation builds up, and the only way it reaches SQL: SQLAlchemy expressions with
bound parameters over a whitelist of columns. No user text is ever pasted into a statement.

"Relative" conditions (`cheap`: management fee below the category median) carry no number of their own: they
are resolved against the database at execution time, per fund category, so switching the category keeps them
meaning what the definition says.
"""

from __future__ import annotations

import operator
import statistics
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import ColumnElement, Engine, and_, false, func, or_, select

from luodi.packs.funds.schema import CATEGORIES, FUND_COLUMNS, funds

Op = Literal[
    "eq", "ne", "lt", "le", "gt", "ge", "between", "in", "contains", "below_category_median", "above_category_median"
]
Value = bool | int | float | str | list[int] | list[str] | None
DATE_COLUMNS = ("inception_date",)
DEFAULT_PAGE = 10
MAX_ROWS = 500  # the most rows one answer lists; the count is always exact


def known_column(column: str) -> str:
    if column not in FUND_COLUMNS:
        raise ValueError(f"unknown column {column!r}")
    return column


KnownColumn = Annotated[str, AfterValidator(known_column)]


class Condition(BaseModel):
    column: KnownColumn
    op: Op
    value: Value = None
    upper: float | str | None = None  # the upper bound of `between`
    vague: str | None = None  # the vague word this condition defines, shown to the user
    said: str | None = None  # the user's words a trained model read as this column, shown to the user


class SortKey(BaseModel):
    column: KnownColumn
    descending: bool = True


class FundFilter(BaseModel):
    """What the user asked for so far: conditions (ANDed), sort, top-N / paging, explicit funds."""

    conditions: list[Condition] = Field(default_factory=list)
    sort: list[SortKey] = Field(default_factory=list)
    limit: int | None = Field(default=None, ge=1, le=MAX_ROWS)
    offset: int = Field(default=0, ge=0)
    codes: list[str] = Field(default_factory=list)  # funds named by code or name ("compare A and B")

    def category(self) -> str | None:
        for condition in self.conditions:
            if condition.column == "category" and condition.op == "eq":
                return str(condition.value)
        return None

    def columns(self) -> list[str]:
        """The columns this filter is about, in the order the user mentioned them."""
        seen = [c.column for c in self.conditions] + [s.column for s in self.sort]
        return list(dict.fromkeys(seen))


RISK_LEVELS = range(1, 6)
BOUNDS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def _chosen(condition: Condition) -> list[Any]:
    """The values a condition admits when it can be listed: its own list, or the risk levels within a bound
    ("low risk" = levels 1 and 2)."""
    if condition.op in ("eq", "in"):
        return list(condition.value) if isinstance(condition.value, list) else [condition.value]
    if condition.column == "risk_level" and condition.op in BOUNDS and isinstance(condition.value, int | float):
        return [level for level in RISK_LEVELS if BOUNDS[condition.op](level, condition.value)]
    return []


def widened(conditions: list[Condition], new: Condition) -> Condition:
    """ "funds of A or B", "also include equity funds", "risk level 3 is fine too" (after low risk): the values
    already chosen on the column plus the new one, as one condition (a list when there are several; a bound when
    risk levels run on from the lowest or to the highest, as the user would say it)."""
    chosen = [value for c in conditions if c.column == new.column for value in _chosen(c)]
    merged = list(dict.fromkeys([*chosen, new.value]))
    if len(merged) == 1:
        return new
    if new.column == "risk_level" and all(isinstance(level, int) for level in merged):
        low, high = min(merged), max(merged)
        if sorted(merged) == list(range(low, high + 1)) and (low == RISK_LEVELS[0] or high == RISK_LEVELS[-1]):
            return Condition(column="risk_level", op="le" if low == RISK_LEVELS[0] else "ge",
                             value=high if low == RISK_LEVELS[0] else low)  # fmt: skip
    return Condition(column=new.column, op="in", value=merged)


@dataclass
class QueryResult:
    rows: list[dict[str, Any]]  # the result set: all matches, or the asked-for top N / page (up to max_rows)
    count: int  # all matches, before top N and paging
    medians: dict[str, dict[str, float]]  # column -> category -> median, for the relative conditions used


def category_medians(engine: Engine, column: str) -> dict[str, float]:
    with engine.connect() as connection:
        values = connection.execute(select(funds.c.category, funds.c[column]).where(funds.c[column].is_not(None)))
        by_category: dict[str, list[float]] = {}
        for category, value in values:
            by_category.setdefault(category, []).append(float(value))
    return {category: statistics.median(items) for category, items in by_category.items()}


def _bound(column: str, value: Any) -> Any:
    if column in DATE_COLUMNS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _relative_clause(
    condition: Condition, all_medians: dict[str, dict[str, float]], category: str | None
) -> ColumnElement[bool]:
    """`below_category_median`: per category, so the definition holds with or without a category condition."""
    column = funds.c[condition.column]
    medians = all_medians.get(condition.column, {})
    categories = [category] if category else list(CATEGORIES)
    below = condition.op == "below_category_median"
    parts = [
        and_(funds.c.category == name, column < medians[name] if below else column > medians[name])
        for name in categories
        if name in medians
    ]
    return or_(*parts) if parts else false()


def clause(
    condition: Condition, medians: dict[str, dict[str, float]], category: str | None = None
) -> ColumnElement[bool]:
    column = funds.c[condition.column]
    value = _bound(condition.column, condition.value)
    match condition.op:
        case "eq":
            return column == value
        case "ne":
            return column != value
        case "lt":
            return column < value
        case "le":
            return column <= value
        case "gt":
            return column > value
        case "ge":
            return column >= value
        case "between":
            return column.between(value, _bound(condition.column, condition.upper))
        case "in":
            return column.in_(list(value) if isinstance(value, list) else [value])
        case "contains":  # a theme in the fund's name; LIKE wildcards in the value are escaped
            return column.contains(str(value), autoescape=True)
        case _:
            return _relative_clause(condition, medians, category)


def where_clause(fund_filter: FundFilter, medians: dict[str, dict[str, float]]) -> ColumnElement[bool]:
    category = fund_filter.category()
    clauses = [clause(c, medians, category) for c in fund_filter.conditions]
    if fund_filter.codes:
        clauses.append(funds.c.code.in_(fund_filter.codes))
    return and_(*clauses) if clauses else and_(True)


def order_by(fund_filter: FundFilter) -> list[Any]:
    # NULLs last (a fund too young for a figure is not "the lowest"), then code, so ties have one order
    keys = [
        (funds.c[key.column].desc() if key.descending else funds.c[key.column].asc()).nulls_last()
        for key in fund_filter.sort
    ]
    return [*keys, funds.c.code.asc()]


def run(engine: Engine, fund_filter: FundFilter, max_rows: int | None = None) -> QueryResult:
    """The filter's result set (its top N or page, else every match), at most `max_rows` of it fetched."""
    relative = {c.column for c in fund_filter.conditions if c.op.endswith("category_median")}
    medians = {column: category_medians(engine, column) for column in sorted(relative)}
    where = where_clause(fund_filter, medians)
    statement = select(funds).where(where).order_by(*order_by(fund_filter))
    limits = [n for n in (fund_filter.limit, max_rows) if n]
    statement = statement.limit(min(limits) if limits else None).offset(fund_filter.offset)
    with engine.connect() as connection:
        count = int(connection.execute(select(func.count()).select_from(funds).where(where)).scalar_one())
        rows = [dict(row._mapping) for row in connection.execute(statement)]
    return QueryResult(rows=rows, count=count, medians=medians)
