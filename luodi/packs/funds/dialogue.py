"""One turn of fund screening: a message's `Reading` merged into the conversation's filter, then run.

The conversation's filter lives in `DialogueState.extras["filter"]` (a `FundFilter` as a dict); the codes the
last answer listed are `DialogueState.shown`, so "compare these two" has something to point at.

Merging: a refinement ("only those...", "sort by Sharpe instead", "what about equity funds?") keeps the earlier
conditions and replaces those on the same column and side (a new lower bound replaces the old lower bound, an
upper bound stays); a message that names funds or a category with no refinement word starts a new filter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Engine

from luodi.dialogue.state import DialogueState
from luodi.dialogue.understanding import Understander
from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.query import DEFAULT_PAGE, Condition, FundFilter, QueryResult, run, widened
from luodi.packs.funds.understanding import Reading
from luodi.packs.funds.vague import months_before

LOWER_OPS = {"gt", "ge"}
LISTABLE = ("category", "risk_level", "company", "manager")  # columns whose values "also X" adds to a list
UPPER_OPS = {"lt", "le"}
Clarification = Literal[
    "unknown_name",
    "best_without_measure",
    "unknown_words",
    "unsupported",
    "promise",
    "column_comparison",
    "nothing_understood",
    "nothing_shown",
]


FundUnderstander = Understander[Reading]  # rules, trained or base model: a message to the conditions it states


@dataclass
class TurnOutcome:
    language: str
    fund_filter: FundFilter | None
    result: QueryResult | None
    reading: Reading
    clarification: Clarification | None = None
    contradictory: list[str] = field(default_factory=list)  # columns whose conditions cannot all hold
    dropped: list[Condition] = field(default_factory=list)  # carried-over conditions the new category cannot meet
    compare: bool = False


def filter_of(state: DialogueState) -> FundFilter | None:
    raw = state.extras.get("filter")
    return FundFilter.model_validate(raw) if raw else None


def _side(condition: Condition) -> str:
    if condition.op in LOWER_OPS:
        return "lower"
    if condition.op in UPPER_OPS:
        return "upper"
    return "all"


def _add(conditions: list[Condition], new: Condition) -> list[Condition]:
    """`new` replaces conditions on its column and side (or all of the column's, when it is not a bound); an
    exclusion only ever narrows: it takes its value out of a chosen list and leaves every other condition."""
    if new.op == "ne":
        return _exclude(conditions, new)
    side = _side(new)
    kept = [
        c for c in conditions if c.column != new.column or (side != "all" and _side(c) != "all" and _side(c) != side)
    ]
    return [*kept, new]


def _exclude(conditions: list[Condition], new: Condition) -> list[Condition]:
    """ "exclude Huasheng Fund" after "Huasheng or Dingyuan funds": Dingyuan's funds remain. When the excluded
    value was the only one chosen, the exclusion takes its place ("bond funds from Huasheng Fund", "aside from
    Huasheng Fund": the other companies' bond funds; "funds managed by Zhao Tao", "not Zhao Tao") -- it never
    brings back the funds it excludes; excluding the category the question is about ("bond funds", "exclude bond
    funds") keeps both, a contradiction the answer names. The exclusion itself always stays, so a later one
    ("exclude Dingyuan Fund" too) never brings back what an earlier one took out of a list."""
    result: list[Condition] = []
    for c in conditions:
        chosen = c.value if isinstance(c.value, list) else [c.value]
        if c.column != new.column or c.op not in ("eq", "in") or new.value not in chosen:
            result.append(c)
            continue
        rest = [v for v in chosen if v != new.value]
        if len(rest) > 1:
            result.append(c.model_copy(update={"value": rest}))
        elif rest:
            result.append(c.model_copy(update={"op": "eq", "value": rest[0]}))
        elif c.column == "category":  # the subject itself excluded: nothing is left to narrow
            result.append(c)
    return result if new in result else [*result, new]


def _remove(fund_filter: FundFilter, targets: set[str]) -> FundFilter:
    result = fund_filter.model_copy(deep=True)
    if "sort" in targets:
        result.sort = []
    if "limit" in targets:
        result.limit, result.offset = None, 0

    def removed(column: str) -> bool:
        if column in targets:
            return True
        if "return" in targets and column.startswith("return_"):
            return True
        # "remove the fee condition" when the fee condition was not on the management fee
        has_management_fee = any(c.column == "management_fee" for c in fund_filter.conditions)
        return "management_fee" in targets and not has_management_fee and column.endswith("_fee")

    result.conditions = [c for c in result.conditions if not removed(c.column)]
    return result


def narrows(reading: Reading) -> bool:
    """Whether a follow-up narrows the question on the table rather than asking a new one: it says so ("only
    those", 只看), names no subject of its own, or only excludes ("leave out money market funds")."""
    return not reading.reset and (reading.refine_marker or only_excludes(reading) or not reading.subject)


def only_excludes(reading: Reading) -> bool:
    """ "leave out money market funds": every condition the message states is an exclusion."""
    return bool(reading.conditions) and all(c.op == "ne" for c in reading.conditions)


def merge(previous: FundFilter | None, reading: Reading, shown: list[str]) -> FundFilter:
    if previous is not None and previous.codes and (reading.conditions or reading.subject) and not reading.codes:
        previous = None  # a new question after a comparison starts afresh
    if reading.compare or (reading.codes and not reading.conditions):
        codes = reading.codes or shown[:2]
        # "compare the first two" of a ranking lists them in the ranking's order
        kept_sort = previous.sort if previous is not None and not reading.codes else []
        return FundFilter(codes=codes, sort=kept_sort)
    refine = previous is not None and narrows(reading)
    base = previous.model_copy(deep=True) if refine and previous is not None else FundFilter()
    base = _remove(base, reading.remove)
    for condition in [*reading.conditions, *_elliptical(base, reading)]:
        if reading.instead and refine:  # "... with a 5-year return above 80% instead": replaces the return condition
            family = lx.column_family(condition.column)
            base.conditions = [c for c in base.conditions if lx.column_family(c.column) != family]
        if reading.include and refine and condition.column in LISTABLE and condition.op == "eq":
            condition = widened(base.conditions, condition)
        base.conditions = _add(base.conditions, condition)
    if reading.codes:
        base.codes = reading.codes
    if reading.sort:
        base.sort = reading.sort
    for column, value in reading.adjust:
        base.conditions = _adjusted(base.conditions, column, value)
    ages = [c for c in base.conditions if _is_age(c)]
    returns = any(c.column.startswith("return_") for c in base.conditions) or any(
        k.column.startswith("return_") for k in base.sort
    )
    if reading.horizon_months and ages and not returns and reading.as_of is not None:
        # "older than 3 years" then "make it 5 years": with no return asked about, the period is the age
        moved = _new_age(ages[-1], reading.horizon_months, "months", reading)
        base.conditions = [moved[0] if c is ages[-1] else c for c in base.conditions]
    elif reading.horizon:
        base = _switch_horizon(base, reading.horizon)
    if reading.direction is not None:
        base.sort = [key.model_copy(update={"descending": reading.direction}) for key in base.sort]
    if reading.natural is not None and not reading.other_end:  # "the worst 5?": that end of each key's natural order
        base.sort = [key.model_copy(update={"descending": (key.column in lx.NATURAL_DESCENDING) == reading.natural})
                     for key in base.sort]  # fmt: skip
    if reading.reverse or reading.other_end:  # "bottom 3 instead": the other end of the ranking as it stands
        base.sort = [key.model_copy(update={"descending": not key.descending}) for key in base.sort]
    _page(base, reading)
    return base


def _page(base: FundFilter, reading: Reading) -> None:
    """Top N and paging: "page 2", "next 10", "previous page"; any other change starts again at the first page."""
    step = base.limit or DEFAULT_PAGE
    if reading.page_number is not None:  # "page 2": the second page of the current page size
        base.offset, base.limit = (reading.page_number - 1) * step, step
    elif reading.next_page is not None:
        base.offset += step
        base.limit = reading.next_page or step
    elif reading.previous_page:
        base.offset, base.limit = max(0, base.offset - step), step
    elif reading.limit:
        base.limit, base.offset = reading.limit, 0
    elif base.offset:  # a changed question starts again at its first page
        base.limit, base.offset = None, 0


def _elliptical(base: FundFilter, reading: Reading) -> list[Condition]:
    """ "make it above 80%": the comparison applies to the figure the filter was last narrowed on, or to the one
    whose value it is plainly a new version of ("fee 0.3% or lower and return above 4%", "make that 0.2%")."""
    candidates = [c for c in [*base.conditions, *reading.conditions] if _is_number(c.value) or _is_age(c)]
    if not reading.bare or not candidates:
        return []
    found: list[Condition] = []
    for op, n, unit, upper in reading.bare:
        target = _bare_target(candidates, n, unit)
        same = target.op if target.op in ("gt", "ge", "lt", "le", "eq") else "eq"  # "lower it to 10%" keeps it
        if _is_age(target):
            found += _new_age(target, n, unit, reading) if op == "same" else []
        elif op == "between" and upper is not None:
            found.append(Condition(column=target.column, op="between", value=min(n, upper), upper=max(n, upper)))
        else:
            found.append(Condition(column=target.column, op=same if op == "same" else op, value=n))  # type: ignore[arg-type]
    return found


PERCENT_COLUMNS = ("return_", "_fee", "volatility_3y", "max_drawdown_3y")
CLOSE = 4.0  # a new value this many times away from the last figure's, and within it of another's, is the other's


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_age(condition: Condition) -> bool:
    return condition.column == "inception_date" and condition.op in ("gt", "ge", "lt", "le")


def _bare_target(candidates: list[Condition], number: float, unit: str) -> Condition:
    """The last figure, unless the unit or the size of the number says it belongs to an earlier one."""
    percent = [c for c in candidates if c.column.startswith(PERCENT_COLUMNS) or c.column.endswith(PERCENT_COLUMNS)]
    if unit.strip() == "%" and percent:
        candidates = percent

    def distance(condition: Condition) -> float:
        if not _is_number(condition.value) or not number or not condition.value:
            return math.inf
        return abs(math.log(abs(number) / abs(float(condition.value))))  # type: ignore[arg-type]

    last = candidates[-1]
    closest = min(reversed(candidates), key=distance)
    far = math.log(CLOSE)
    return closest if distance(last) > far and distance(closest) < far else last


def _new_age(target: Condition, number: float, unit: str, reading: Reading) -> list[Condition]:
    """ "older than 3 years" then "make that 5": the age bound moves to 5 years, in the same direction."""
    if reading.as_of is None or not 0 < number < 100:
        return []
    months = int(number) * (1 if re.match(r"months?|个?月", unit.strip()) else 12)
    return [target.model_copy(update={"value": months_before(reading.as_of, months).isoformat()})]


def _adjusted(conditions: list[Condition], column: str, value: float) -> list[Condition]:
    """The last condition on `column` (or on any return, for "return") gets the new value and keeps its
    direction; with none, it is an equality. A risk level that a vague word set ("low risk" = ≤ 2) becomes the
    level named ("change the risk level to 3"): the direction was the definition's, not the user's."""
    for index in range(len(conditions) - 1, -1, -1):
        old = conditions[index]
        if column in (old.column, lx.column_family(old.column)) and old.op in ("gt", "ge", "lt", "le", "eq"):
            op = "eq" if old.column == "risk_level" and old.vague else old.op
            return [
                *conditions[:index],
                old.model_copy(update={"op": op, "value": value, "vague": None}),  # no longer the vague word
                *conditions[index + 1 :],
            ]
    return [*conditions, Condition(column="return_1y" if column == "return" else column, op="eq", value=value)]


def _switch_horizon(fund_filter: FundFilter, column: str) -> FundFilter:
    conditions = [c.model_copy(update={"column": column}) if c.column.startswith("return_") else c
                  for c in fund_filter.conditions]  # fmt: skip
    sort = [k.model_copy(update={"column": column}) if k.column.startswith("return_") else k for k in fund_filter.sort]
    return fund_filter.model_copy(update={"conditions": conditions, "sort": sort})


def contradictions(fund_filter: FundFilter) -> list[str]:
    """Columns whose bounds leave nothing (return > 20 and return < 10), checked before asking the database."""
    lowest: dict[str, tuple[float, bool]] = {}
    highest: dict[str, tuple[float, bool]] = {}
    for c in fund_filter.conditions:
        if not isinstance(c.value, int | float) or isinstance(c.value, bool):
            continue
        value = float(c.value)
        if c.op in LOWER_OPS or c.op == "eq":
            current = lowest.get(c.column)
            if current is None or value > current[0]:
                lowest[c.column] = (value, c.op == "gt")
        if c.op in UPPER_OPS or c.op == "eq":
            current = highest.get(c.column)
            if current is None or value < current[0]:
                highest[c.column] = (value, c.op == "lt")
    found = []
    for column, (low, low_strict) in lowest.items():
        if column in highest:
            high, high_strict = highest[column]
            if low > high or (low == high and (low_strict or high_strict)):
                found.append(column)
    categories = [c.value for c in fund_filter.conditions if c.column == "category" and c.op == "eq"]
    excluded = [c.value for c in fund_filter.conditions if c.column == "category" and c.op == "ne"]
    if any(category in excluded for category in categories):
        found.append("category")
    return found


def _clarification(reading: Reading, merged: FundFilter | None, shown: list[str]) -> Clarification | None:
    if reading.unknown_names:
        return "unknown_name"
    if reading.unknown or (reading.bare and not (merged and merged.conditions)):
        return "unknown_words"
    if reading.unsupported:
        return "unsupported"
    if reading.promises:
        return "promise"
    if reading.column_comparison:
        return "column_comparison"
    if reading.compare and not (reading.codes or shown):
        return "nothing_shown"
    # "top 5", "the worst 5?" (not the "worst" of "worst drawdown under 5%", a condition)
    end = reading.natural is not None and (reading.limit is not None or not reading.conditions)
    ranking = reading.wants_best_without_measure or end
    if ranking and not (merged and merged.sort):
        return "best_without_measure"
    if reading.is_empty:
        return "nothing_understood"
    return None


class FundScreener:
    """Reading -> filter -> rows, one message at a time; the state carries the filter between messages."""

    def __init__(self, engine: Engine, understander: FundUnderstander, page: int = DEFAULT_PAGE) -> None:
        self.engine = engine
        self.understander = understander
        self.page = page

    def new_state(self) -> DialogueState:
        return DialogueState(scenario="funds")

    def handle(self, state: DialogueState, message: str) -> tuple[DialogueState, TurnOutcome]:
        reading = self.understander.understand(message, state)
        state = state.model_copy(deep=True)
        state.turn += 1
        state.language = reading.language
        previous = filter_of(state)
        merged = merge(previous, reading, state.shown)
        clarification = _clarification(reading, merged, state.shown)
        if clarification is not None:
            if clarification == "best_without_measure":
                state.extras["filter"] = merged.model_dump()  # keep the category etc. for the answer to come
            return state, TurnOutcome(reading.language, previous, None, reading, clarification)
        dropped: list[Condition] = []
        switched = previous is not None and previous.category() not in (None, merged.category())
        if switched and merged.category() is not None:
            merged, dropped = self._keep_compatible(merged, reading)
        contradictory = contradictions(merged)
        result = run(self.engine, merged, max_rows=self.page)
        state.extras["filter"] = merged.model_dump()
        state.shown = [row["code"] for row in result.rows]
        outcome = TurnOutcome(
            reading.language, merged, result, reading, None, contradictory, dropped, bool(merged.codes)
        )
        return state, outcome

    def _keep_compatible(self, merged: FundFilter, reading: Reading) -> tuple[FundFilter, list[Condition]]:
        """On a category switch, a carried-over condition no fund of the new category meets on its own ("low
        risk" for equity funds) is dropped and named in the answer, instead of silently answering "none"."""
        category = [c for c in merged.conditions if c.column == "category"]
        kept: list[Condition] = []
        dropped: list[Condition] = []
        for condition in merged.conditions:
            if condition.column == "category" or condition in reading.conditions:
                kept.append(condition)
                continue
            alone = FundFilter(conditions=[*category, condition], limit=1)
            (kept if run(self.engine, alone).count else dropped).append(condition)
        return merged.model_copy(update={"conditions": kept}), dropped
