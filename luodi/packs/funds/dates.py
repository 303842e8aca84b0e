"""Inception dates and ages: "older than 3 years", "成立于2019年", "after June 2020" as conditions on
`inception_date` (an age is a date before the as-of date)."""

from __future__ import annotations

import re
from datetime import date

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.normalize import Text
from luodi.packs.funds.query import Condition
from luodi.packs.funds.vague import months_before

DATE_WORDS = lx.DATE_WORDS  # the words of a year or a month by the condition they make: words/*.yaml `dates`

MONTHS = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"  # noqa: E501


MONTH_NUMBERS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}  # fmt: skip


# ages: "older than 3 years", "3+ years of track record", "成立满三年", "in the past 2 years" (with a founding word)
FOUNDED = lx.alternation(lx.COLUMN_WORDS["inception_date"] + lx.COLUMN_WORDS["age"])
_COMPARATORS = lx.alternation([w for op in ("gt", "lt", "ge", "le") for w in lx.PREFIX_COMPARATORS[op]])
_HISTORY = r"(?: old| of (?:history|track record)|'? track record| history)"
_ZH_OPS = r"超过|不满|满|不到|不足|未满|至少|不少于|少于|大于|小于|不超过"
_EN_OPS = r"longer than|shorter than|more than|less than|over|under|at least|at most"
_EN_UNIT = r"(?P<u>years?|yrs?|months?)"
_ZH_UNIT = r"(?P<u>个月|月|周年|年)"
AGE_PATTERNS: tuple[tuple[str, str | None], ...] = (
    (rf"(?P<op>older|younger|newer) than (?P<n>\d+) {_EN_UNIT}", None),
    (rf"(?P<op>{_COMPARATORS})\s*(?:an? )?(?P<n>\d+)[\s-]*{_EN_UNIT}{_HISTORY}", None),
    (rf"(?P<n>\d+)\s*\+\s*{_EN_UNIT}{_HISTORY}?", "ge"),
    (
        rf"(?:{FOUNDED})\s*(?:了|时间|以来|已经|已)?\s*(?P<op>{_ZH_OPS})\s*(?P<n>\d+)\s*{_ZH_UNIT}(?P<post>以上|以下|以内)?",
        None,
    ),
    (rf"(?:{FOUNDED})\s*(?:了|时间)?\s*(?P<n>\d+)\s*{_ZH_UNIT}(?P<post>以上|以下|以内|多)", None),
    (rf"(?:{FOUNDED})\s+(?:of\s+|is\s+|for\s+)?(?P<op>{_EN_OPS})\s*(?P<n>\d+)\s*{_EN_UNIT}", None),
    (rf"(?:in|within|over) the (?:last|past) (?P<n>\d+) {_EN_UNIT}", "lt"),
    (rf"(?:近|最近|过去)(?P<n>\d+){_ZH_UNIT}(?:内|以内|里)?(?:新)?成立", "lt"),
)
# years, months and days: "before March 2019", "2020年6月以后", "2019 or later", "2015-2018", "成立于2019年"
YEAR_PATTERNS = (
    rf"(?P<op>before|prior to|earlier than|after|later than|since|in|from|during)\s+(?P<month>{MONTHS})\.?\s+(?P<y>(?:19|20)\d\d)",  # noqa: E501
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]\s*(?P<post>以前|之前|前|以后|之后|后|以来|起)?",  # noqa: E501
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>\d{1,2})\s*月(?:份)?\s*(?P<post>以前|之前|前|以后|之后|后|以来|起)?",
    r"(?:in\s+)?(?P<y>(?:19|20)\d\d)\s*(?P<post>or later|or after|onwards?|and later|and after|or earlier|or before|and earlier|and before|年?及以后|年?及之后|年?及以前|年?及之前)",  # noqa: E501
    r"(?:between\s+|from\s+|在)?(?P<y>(?:19|20)\d\d)\s*年?\s*(?:and|to|-|~|到|至|和)\s*(?P<y2>(?:19|20)\d\d)\s*年?(?:之间|期间|间)?",
    r"(?P<op>before|prior to|earlier than|until|by|after|later than|since|in|from|during)\s+(?P<y>(?:19|20)\d\d)(?P<md>-\d\d-\d\d)?",  # noqa: E501
    r"(?P<y>(?:19|20)\d\d)(?P<md>-\d\d-\d\d)?\s*年?(?:\d+月)?(?:\d+日)?\s*(?P<post>以前|之前|前|以后|之后|后|以来|起|当年|内)?\s*(?:成立|设立|发行)?",  # noqa: E501
    r"(?:成立|设立|发行)(?:于|在)?\s*(?P<y>(?:19|20)\d\d)(?P<md>-\d\d-\d\d)?\s*年?\s*(?P<post>以前|之前|前|以后|之后|后|以来)?",  # noqa: E501
)


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
        if word in DATE_WORDS["before"]:
            return Condition(column="inception_date", op="lt", value=first)
        if word in DATE_WORDS["after"]:
            return Condition(column="inception_date", op="gt", value=last)
        if word in DATE_WORDS["since"]:
            return Condition(column="inception_date", op="ge", value=first)
        return Condition(column="inception_date", op="between", value=first, upper=last)
    if groups.get("y2"):
        start, end = sorted((year, int(groups["y2"] or 0)))
        return Condition(column="inception_date", op="between", value=f"{start}-01-01", upper=f"{end}-12-31")
    exact = f"{year}{groups['md']}" if groups.get("md") else None
    word = groups.get("op") or groups.get("post") or ""
    if word in DATE_WORDS["before"]:
        return Condition(column="inception_date", op="lt", value=exact or f"{year}-01-01")
    if word.endswith(DATE_WORDS["or_earlier"]):  # "2019 or earlier", "2019年及以前"
        return Condition(column="inception_date", op="le", value=f"{year}-12-31")
    if word.endswith(DATE_WORDS["or_later"]):
        return Condition(column="inception_date", op="ge", value=f"{year}-01-01")
    if word in DATE_WORDS["until"]:
        return Condition(column="inception_date", op="le", value=exact or f"{year}-12-31")
    if word in DATE_WORDS["after"]:
        return Condition(column="inception_date", op="gt", value=exact or f"{year}-12-31")
    if word in DATE_WORDS["since"]:
        return Condition(column="inception_date", op="ge", value=exact or f"{year}-01-01")
    if (word in DATE_WORDS["during"] or not word) and not exact:
        return Condition(column="inception_date", op="between", value=f"{year}-01-01", upper=f"{year}-12-31")
    if exact:
        return Condition(column="inception_date", op="eq", value=exact)
    return None


def op_of(word: str) -> str | None:
    for op, phrases in lx.PREFIX_COMPARATORS.items():
        if op != "eq" and re.fullmatch(lx.alternation(phrases), word):
            return op
    return None


def date_conditions(text: Text, as_of: date, refine: bool) -> list[Condition]:
    """Ages ("older than 3 years", "成立满三年") first, then years and days ("since 2019", "2020年6月以后"); a bare
    year is a date only in a question about funds or in a refinement ("make that after 2020")."""
    found = _ages(text, as_of)
    if re.search(FOUNDED + r"|\bfunds?\b|基金", text.value) or refine:
        found += _years(text)
    return found


def _ages(text: Text, as_of: date) -> list[Condition]:
    found: list[Condition] = []
    for pattern, fixed in AGE_PATTERNS:
        for match in text.finditer(pattern):
            groups = match.groupdict()
            op = fixed or age_op(groups.get("op"), groups.get("post"))
            if op is None or (fixed == "lt" and not re.search(FOUNDED, text.value)):
                continue  # "over the past 3 years" alone is a return horizon, not an age
            months = int(groups["n"]) * (1 if re.match(r"month|个?月", groups["u"]) else 12)
            found.append(age_condition(op, months, as_of))
            text.consume(*match.span())
    return found


def _years(text: Text) -> list[Condition]:
    found: list[Condition] = []
    for pattern in YEAR_PATTERNS:
        for match in text.finditer(pattern):
            condition = year_condition(match.groupdict())
            if condition is not None:
                found.append(condition)
                text.consume(*match.span())
    return found
