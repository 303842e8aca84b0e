"""Values and comparisons next to a column word: "above 5%", "0.15%的管理费", "risk level 3 or 4", "no purchase
fee"; with their units scaled to the column ("5 billion" = 50 亿) and turned into typed conditions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.dates import inception_condition, op_of
from luodi.packs.funds.query import Condition

VALUE = rf"(?P<num>{lx.NUMBER})\s*(?P<unit>{lx.UNIT})?"


@dataclass
class Mention:
    family: str  # a column, or "return" / "age" / "company" / "manager" / "category"
    start: int
    end: int
    column: str | None = None  # resolved column (returns get theirs from a horizon)
    used: bool = False
    found: Found | None = None  # the comparison it took, for a figure listed with it ("A and B below 5%")


Found = tuple[str, float, str, float | None, tuple[int, int]]


def _value_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for template in lx.BETWEEN:
        source = template.format(num=lx.NUMBER, unit=lx.UNIT) + rf"\s*(?P<unit>{lx.UNIT})?(?:\s*之间)?"
        patterns.append(("between", re.compile(source)))
    for op in ("ge", "le"):
        postfix = lx.alternation(lx.POSTFIX_COMPARATORS[op])
        patterns.append((op, re.compile(rf"(?:在|为|是|of|at|is|are)?\s*{VALUE}\s*(?:{postfix})(?![a-z])")))
    for op in ("ge", "le", "gt", "lt", "ne", "eq"):
        prefix = lx.alternation(lx.PREFIX_COMPARATORS[op])
        patterns.append((op, re.compile(rf"(?<![a-z])(?:{prefix})(?![a-z])\s*(?:a |an |of |the |just )?\s*{VALUE}")))
    return patterns


VALUE_PATTERNS = _value_patterns()
# units that make a number next to a column word its value with no comparator ("起购金额1万元", "0.15%的管理费")
BARE_UNITS = lx.BARE_UNITS
RANGE_PATTERNS = [pattern for op, pattern in VALUE_PATTERNS if op == "between"]


def find_value(text: str, start: int, end: int, after: bool, allow_time: bool = True) -> Found | None:
    """The first comparison in text[start:end] (after a column word), or the last (before one). Without
    `allow_time`, "over 3 years" is a horizon, not a value."""
    segment = text[start:end]
    best: tuple[int, Found] | None = None
    for op, pattern in VALUE_PATTERNS:
        for match in pattern.finditer(segment):
            groups = match.groupdict()
            number = parse_number(groups.get("num") or groups.get("a"))
            if number is None:
                continue
            upper = parse_number(groups.get("b")) if op == "between" else None
            unit = groups.get("unit") or groups.get("ua") or ""
            if not allow_time and TIME_UNIT.match(unit):
                continue
            found: Found = (op, number, unit, upper, (start + match.start(), start + match.end()))
            position = match.start() if after else -match.end()
            if after and segment[: match.start()].strip(" :：-") and op == "eq" and len(segment[: match.start()]) > 12:
                continue  # "is"/"of" far from the column word is not its value
            if best is None or position < best[0]:
                best = (position, found)
            break
    if best is None and not after:
        # "a 1.5% purchase fee", "0.15%的管理费": a value right before the column word is that value
        before = re.search(rf"(?<![\d.]){VALUE}\s*(?:的)?\s*$", segment)
        if before and before.group("unit") in BARE_UNITS:
            number = float(before.group("num"))
            return ("eq", number, before.group("unit"), None, (start + before.start(), start + before.end()))
    if best is None:
        bare = re.match(rf"\s*[:：]?\s*{VALUE}", segment) if after else None
        bare = bare or (
            re.match(rf"\s*(?:just|only|of just|as little as|仅有|仅为|仅|只有|只要|只)\s*{VALUE}", segment)
            if after
            else None
        )
        if bare and bare.group("unit") in BARE_UNITS:
            return ("eq", float(bare.group("num")), bare.group("unit"), None, (start, start + bare.end()))
        return None
    return best[1]


SIGN_WORDS = {
    "lt": r"(?:为|是)?负(?:值|数|收益|回报)?|negative|in the red|below zero|亏损|亏钱|下跌|lost money|losing money",
    "gt": r"(?:为|是)?正(?:值|数|收益|回报)?|positive|in the black|above zero|赚钱|盈利|上涨|made money",
}


# an exclusion reaches a fee only through "those with" ("exclude those with a fee"), never as "exclude fee"
HAVING = r"\s+(?:(?:the\s+)?(?:those|ones|funds)\s*)?(?:with|having|that (?:have|charge)|charging)\s*(?:an?\s+|any\s+)?"

ZERO_AFTER = r"(?:is |of |at |为|是)?(?:zero|nil|none|free|0|零)(?![\d.])"


# "no purchase fee", "免申购费": a fee of zero said before the fee
ZERO_BEFORE = r"(?<![a-z])(?:no|zero|without(?: a| any)?|free of|免|零|0|没有|不收|无)\s*$"


COMPARATOR_WORDS = lx.alternation([w for op in ("gt", "ge", "lt", "le") for w in lx.PREFIX_COMPARATORS[op]])


OPPOSITE = {"eq": "ne", "gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}


TIME_UNIT = re.compile(r"years?|yrs?|年|months?|个?月")


def value_of(text: str, mention: Mention, before_start: int, window: int) -> Found | None:
    """The comparison that belongs to a column word: right before it, after it, said in words, or before it. A
    value whose unit names another column ("low-risk funds of at least 1 billion") is not this word's."""
    dated = mention.column == "inception_date"
    found = (
        adjacent_value(text, before_start, mention.start)
        or find_value(text, mention.end, window, after=True, allow_time=dated)
        or word_value(text, mention, window, before_start)
        or find_value(text, before_start, mention.start, after=False, allow_time=dated)
    )
    if found is None:
        return None
    # the window may have cut the unit short ("at least 1 billi"): read it again past the window
    whole = find_value(text, found[4][0], min(len(text), found[4][1] + 12), after=True)
    implied = column_of_unit(whole[2] if whole is not None else found[2])
    # a NAV is in yuan too ("单位净值高于3元"), though yuan alone speaks of the minimum purchase
    fits = implied in (None, mention.column) or (mention.column == "nav" and implied == "min_purchase_cny")
    return found if fits else None


def oriented(text: str, mention: Mention, found: Found) -> Found:
    """The comparison's direction with what surrounds it: a negation before it flips it ("不要风险等级4的",
    "exclude those with risk level 5", "did not go up more than 10%"); a comparator left before the column word
    gives an "of" value its direction ("trading below a NAV of 0.5")."""
    op, number, unit, upper, span = found
    if op == "eq" and span[0] >= mention.end:
        dangling = re.search(rf"(?<![a-z])(?P<op>{COMPARATOR_WORDS})\s+(?:an?\s+|the\s+)?$", text[: mention.start])
        op = op_of(dangling.group("op")) or op if dangling else op
    negated = lx.negated_before(text[: min(span[0], mention.start)], lx.THOSE_WITH) or (
        mention.family in ("return", "max_drawdown_3y")
        and span[0] >= mention.end
        and lx.negated_before(text[: mention.start], lx.NEGATION_GAP, verbs=True)
    )  # "did not go up more than 10%", "没有涨超过10%": the figure said as a verb, negated
    if op in OPPOSITE and negated:
        op = OPPOSITE[op]
    return (op, number, unit, upper, span)


def adjacent_value(text: str, start: int, end: int) -> Found | None:
    """ "at least a 0.5 Sharpe and at most 10% volatility", "a 0.15% management fee and more than 20bn in assets":
    a comparison or a value with its unit right before the column word is its own, even when another comparison
    follows it (that one belongs to the next word)."""
    found = find_value(text, start, end, after=False)
    if found is None or text[found[4][1] : end].strip(" -"):
        return None
    return None if found[0] == "eq" and found[2] != "%" else found


def word_value(text: str, mention: Mention, window_end: int, before_start: int) -> Found | None:
    """Values said in words: "negative 1-year return", "收益为负", "no purchase fee", "fee of zero", "risk level 3"."""
    after = text[mention.end : window_end]
    before = text[before_start : mention.start]
    column = mention.column or ""
    if column.startswith("return_") or column == "sharpe_3y":
        for op, words in SIGN_WORDS.items():
            found = re.match(rf"\s*(?:都|均|全都|全|皆|both |all )?(?:{words})", after)
            if found:
                return (op, 0.0, "", None, (mention.end, mention.end + found.end()))
            found = re.search(rf"(?<![a-z])(?:{words})(?:\s+[\w-]+){{0,2}}\s*$", before)
            if found:
                return (op, 0.0, "", None, (before_start + found.start(), mention.start))
    if column.endswith("_fee"):
        found = re.match(rf"\s*{ZERO_AFTER}", after)
        if found:
            return ("eq", 0.0, "", None, (mention.end, mention.end + found.end()))
        # "exclude those with a purchase fee": keep the funds that charge none
        found = re.search(ZERO_BEFORE, before) or lx.negation_before(before, HAVING)
        if found:
            return ("eq", 0.0, "", None, (before_start + found.start(), mention.start))
    if column == "risk_level":
        listed = re.match(
            r"\s*(?:of |is |at |=|为|是)?\s*([1-5](?:\s*(?:or|and|,|、|或|和|及)\s*[1-5])+)(?![\d.%])", after
        )
        if listed:
            levels = sorted({int(d) for d in re.findall(r"[1-5]", listed.group(1))})
            return ("in", float(levels[0]), ",".join(map(str, levels)), None, (mention.end, mention.end + listed.end()))
        # any level, so "risk level 7" gets its honest empty answer rather than "7 funds"
        found = re.match(r"\s*(?:of |is |at |=|为|是)?\s*(\d{1,2})(?![\d.%])", after)
        if found:
            return ("eq", float(found.group(1)), "", None, (mention.end, mention.end + found.end()))
    return None


def parse_number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def column_of_unit(unit: str) -> str | None:
    """A number's unit can name its column when no column word does: "larger than 100亿" is a size."""
    unit = unit.strip()
    if unit in lx.SIZE_UNITS or unit.strip("()").startswith("100m"):
        return "size_cny_100m"
    if unit in lx.MONEY_UNITS:
        return "min_purchase_cny"
    return None


def scaled(column: str, number: float, unit: str) -> float:
    unit = unit.strip()
    if column == "size_cny_100m":
        factors = {"万亿": 10000, "billion": 10, "bn": 10, "million": 0.01, "mn": 0.01, "万": 1e-4, "万元": 1e-4,
                   "元": 1e-8, "yuan": 1e-8, "rmb": 1e-8, "cny": 1e-8, "块": 1e-8}  # fmt: skip
        return round(number * factors.get(unit, 1), 8)
    if column == "min_purchase_cny":
        factors = {"万": 1e4, "万元": 1e4, "千": 1e3, "千元": 1e3, "k": 1e3}
        return number * factors.get(unit, 1)
    if column == "max_drawdown_3y":
        return abs(number)  # drawdowns are stored as positive percentages
    if re.fullmatch(r"bps?|basis points?|个?基点", unit):
        return number / 100
    if unit in lx.MULTIPLE_UNITS and column.startswith("return_"):
        return number * 100  # "涨了一倍" is a 100% gain
    return number


# figures in money or units: a percentage ("price swings under 15%") cannot be one of them
NOT_PERCENT = ("nav", "size_cny_100m", "min_purchase_cny", "risk_level")


def unit_fits(column: str, unit: str) -> bool:
    return not (column in NOT_PERCENT and unit.strip() in lx.PERCENT_UNITS)


def make_condition(
    column: str, op: str, number: float, unit: str, upper: float | None, as_of: date
) -> Condition | None:
    if column == "inception_date":
        return inception_condition(op, number, unit, upper, as_of)
    if column in ("purchase_open", "redemption_open"):
        return None
    if op == "in":
        return Condition(column=column, op="in", value=[int(level) for level in unit.split(",")])
    value = scaled(column, number, unit)
    if column == "risk_level":
        value = int(value) if value == int(value) else value
    if op == "between" and upper is not None:
        high = scaled(column, upper, unit)
        low, high = sorted((value, high))
        return Condition(column=column, op="between", value=low, upper=high)
    return Condition(column=column, op=op, value=value)  # type: ignore[arg-type]
