"""Inception dates and ages: "older than 3 years", "成立于2019年", "after June 2020" as conditions on
`inception_date` (an age is a date before the as-of date)."""

from __future__ import annotations

import re
from datetime import date

from luodi.scenarios.funds import lexicon as lx
from luodi.scenarios.funds.query import Condition
from luodi.scenarios.funds.vague import months_before

MONTHS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"  # noqa: E501


MONTH_NUMBERS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}  # fmt: skip


def inception_condition(op: str, number: float, unit: str, upper: float | None, as_of: date) -> Condition | None:
    if 1900 <= number <= 2100 and op == "between" and upper is not None:
        return Condition(
            column="inception_date", op="between", value=f"{int(number)}-01-01", upper=f"{int(upper)}-12-31"
        )
    if 1900 <= number <= 2100:
        return year_condition({"op": {"gt": "after", "ge": "since", "lt": "before", "le": "until"}.get(op, "in"),
                                "y": str(int(number))})  # fmt: skip
    months = 1 if re.match(r"month|个?月", unit) else 12 if unit.startswith(("year", "yr", "年")) or unit == "" else 0
    if months and op in ("gt", "ge", "lt", "le"):
        return age_condition(op, int(number) * months, as_of)
    return None


def age_op(word: str | None, post: str | None) -> str | None:
    """The comparison on a fund's age: "成立5年以上" (ge), "older than" (gt), "成立不满1年" (lt)."""
    if post in ("以上", "多"):
        return "ge" if word in (None, "满", "至少", "不少于") else "gt"
    if post in ("以下", "以内"):
        return "le"
    if word is None:
        return None
    age_words = {"older": "gt", "younger": "lt", "newer": "lt", "满": "ge", "不满": "lt"}
    return age_words.get(word) or op_of(word)


def age_condition(op: str, months: int, as_of: date) -> Condition:
    """Older than N months = founded before the as-of date minus N months (a bigger age is an earlier date)."""
    cutoff = months_before(as_of, months).isoformat()
    flipped = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}[op]
    return Condition(column="inception_date", op=flipped, value=cutoff)  # type: ignore[arg-type]


def month_bounds(year: int, month: int) -> tuple[str, str]:
    last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).day
    return f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last:02d}"


def year_condition(groups: dict[str, str | None]) -> Condition | None:
    year = int(groups["y"] or 0)
    if groups.get("d"):  # "2019年1月1日之前": an exact day, as "2019-01-01"
        groups = {**groups, "md": f"-{int(groups['m2'] or 1):02d}-{int(groups['d'] or 1):02d}"}
    month_name = groups.get("month")
    month = MONTH_NUMBERS[month_name[:3]] if month_name else int(groups.get("m") or 0)
    if 1 <= month <= 12:  # "after June 2020", "2020年6月以后": the month's first or last day
        first, last = month_bounds(year, month)
        word = groups.get("op") or groups.get("post") or ""
        if word in ("before", "prior to", "earlier than", "以前", "之前", "前"):
            return Condition(column="inception_date", op="lt", value=first)
        if word in ("after", "later than", "以后", "之后", "后"):
            return Condition(column="inception_date", op="gt", value=last)
        if word in ("since", "from", "以来", "起"):
            return Condition(column="inception_date", op="ge", value=first)
        return Condition(column="inception_date", op="between", value=first, upper=last)
    if groups.get("y2"):
        start, end = sorted((year, int(groups["y2"] or 0)))
        return Condition(column="inception_date", op="between", value=f"{start}-01-01", upper=f"{end}-12-31")
    exact = f"{year}{groups['md']}" if groups.get("md") else None
    word = groups.get("op") or groups.get("post") or ""
    if word in ("before", "prior to", "earlier than", "以前", "之前", "前"):
        return Condition(column="inception_date", op="lt", value=exact or f"{year}-01-01")
    if word in ("or earlier", "or before", "and earlier", "and before") or word.endswith(("及以前", "及之前")):
        return Condition(column="inception_date", op="le", value=f"{year}-12-31")
    if word in ("or later", "or after", "onward", "onwards", "and later", "and after") or word.endswith(
        ("及以后", "及之后")
    ):
        return Condition(column="inception_date", op="ge", value=f"{year}-01-01")
    if word in ("until", "by"):
        return Condition(column="inception_date", op="le", value=exact or f"{year}-12-31")
    if word in ("after", "later than", "以后", "之后", "后"):
        return Condition(column="inception_date", op="gt", value=exact or f"{year}-12-31")
    if word in ("since", "from", "以来", "起"):
        return Condition(column="inception_date", op="ge", value=exact or f"{year}-01-01")
    if word in ("in", "during", "当年", "内", "") and not exact:
        return Condition(column="inception_date", op="between", value=f"{year}-01-01", upper=f"{year}-12-31")
    if exact:
        return Condition(column="inception_date", op="eq", value=exact)
    return None


def op_of(word: str) -> str | None:
    for op, phrases in lx.PREFIX_COMPARATORS.items():
        if op != "eq" and re.fullmatch(lx.alternation(phrases), word):
            return op
    return None
