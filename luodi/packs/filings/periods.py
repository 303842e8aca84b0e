"""Interim statement columns: three-, six-, nine- and twelve-month periods of 10-Qs and earnings releases.

A column is an interim period only when the page says so ("Three Months Ended July 2, 2023", "SECOND
QUARTER", "13 Weeks Ended") and its printed years line up with the page's amount columns. The latest
printed year is the document's fiscal year, earlier ones count back from it; a three-month column is a
fiscal quarter only when the page or the document states which (an ordinal quarter, a six- or nine-month
year-to-date column beside it, or "2023Q2" in the title), and they agree. Facts from these columns carry
their period code ("Q2", "6M") and never the annual one: a quarter is not a fiscal year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from luodi.knowledge.extractors import Fact
from luodi.packs.filings.statements import (
    _YEAR,
    Row,
    _columns,
    _split_values,
    classify_page,
    match_line_item,
    page_scale,
    parse_rows,
    printed_sign,
)

_DURATION = re.compile(r"\b(three|six|nine|twelve)\s+months\b|\b(\d{1,2})\s+weeks\b"
                       r"|\b(first|second|third|fourth)\s+quarter\b|\bquarter\s+ended\b", re.I)
_WORD_MONTHS = {"three": 3, "six": 6, "nine": 9, "twelve": 12}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# a label-only line anywhere on the page that names a column group ("SECOND QUARTER" printed under the table)
_STANDALONE = re.compile(r"\s*(?:(?:first|second|third|fourth)\s+quarter|(?:three|six|nine|twelve)\s+months"
                         r"|(?:(?:19|20)\d\d\s*)+)\s*", re.I)
_DATE = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+(?:19|20)\d\d"
                   r"|\b\d{1,2}/\d{1,2}/(?:19|20)\d\d", re.I)
_TITLE_QUARTER = re.compile(r"(?:19|20)\d\d\s*q([1-4])(?![a-z0-9])|\bq([1-4])\s*(?:fy)?\s*(?:19|20)\d\d", re.I)
# columns that alternate amounts with their percent of sales ("Amount | Percent to Sales")
_AMOUNT_AND_PERCENT = re.compile(r"\bamount\b.{0,40}\bto\s+sales\b", re.I)
MIN_LINE_ITEMS = 3  # a page naming fewer canonical line items is a note or summary, not the statement


@dataclass(frozen=True)
class Period:
    months: int
    fiscal_year: int
    quarter: int | None  # the fiscal quarter a three-month column is, when stated
    end: str  # the column's end as printed: "July 2, 2023", "3/25/2023" or the year

    @property
    def code(self) -> str:
        """"Q2" for a stated quarter, else the length: "3M" (a quarter not known), "6M", "9M", "12M"."""
        return f"Q{self.quarter}" if self.months == 3 and self.quarter else f"{self.months}M"

    def label(self) -> str:
        return f"{self.code}:{self.end}"


def period_code(period: str) -> str:
    """The code part of a fact's stored period ("Q2:July 2, 2023" -> "Q2")."""
    return period.split(":", 1)[0]


def period_end_year(period: str) -> int | None:
    """The calendar year a fact's stored period ends in ("Q2:December 31, 2022" -> 2022), when it is printed."""
    ended = re.search(r"((?:19|20)\d\d)\s*$", period.split(":", 1)[-1]) if ":" in period else None
    return int(ended.group(1)) if ended else None


def stated_quarter(title: str) -> int | None:
    """The fiscal quarter a document's title states ("AMCOR_2023Q2_10Q", "Q1 FY2023 results")."""
    match = _TITLE_QUARTER.search(title)
    return int(match.group(1) or match.group(2)) if match else None


def _months(match: re.Match[str]) -> tuple[int, int | None] | None:
    """(months, quarter) of a duration phrase; None for a week count that is no quarter multiple."""
    words, weeks, ordinal = match.group(1), match.group(2), match.group(3)
    if words:
        return _WORD_MONTHS[words.lower()], None
    if ordinal:
        return 3, _ORDINALS[ordinal.lower()]
    if weeks is None:
        return 3, None  # "quarter ended"
    for months, low, high in ((3, 12, 14), (6, 24, 27), (9, 36, 40), (12, 52, 53)):
        if low <= int(weeks) <= high:
            return months, None
    return None


def _header_lines(text: str) -> list[str]:
    """Lines above the first row of amounts, and standalone column-group lines anywhere on the page."""
    lines = text.splitlines()
    top: list[str] = []
    for line in lines[:25]:
        _, values = _split_values(line)
        if values and not all(_YEAR.match(f"{v:g}") or 0 < v <= 31 for v in values):
            break
        top.append(line)
    return top + [line for line in lines[len(top):] if _STANDALONE.fullmatch(line)]


def interim_periods(text: str, fiscal_year: int, quarter_hint: int | None) -> tuple[list[Period], bool] | None:
    """The periods of an interim statement page's amount columns, and whether amounts alternate with percents
    of sales; None when the page is not interim or its columns cannot all be told."""
    header = "\n".join(_header_lines(text))
    durations = [d for d in (_months(m) for m in _DURATION.finditer(header)) if d]
    if not durations or re.search(r"\b[1-4]q\d\d\b", header, re.I):  # "2Q22 1Q22 4Q21": a quarterly summary
        return None
    flat = " ".join(header.split())
    ends = [m.group(0) for m in _DATE.finditer(flat)]
    years = [int(y) for y in re.findall(r"\b((?:19|20)\d\d)\b", " ".join(_DATE.sub(" ", flat).split()))]
    years = [int(re.findall(r"(?:19|20)\d\d", e)[0]) for e in ends] + years if ends else years
    ends = ends or [str(y) for y in years]
    rows = parse_rows(text)
    paired = bool(_AMOUNT_AND_PERCENT.search(flat))
    count = len(re.findall(r"\bamount\b", flat, re.I)) if paired else _columns(rows)
    if not count or len(years) != count or len(ends) != count or count % len(durations):
        return None
    quarters = {q for _, q in durations if q} | {months // 3 for months, _ in durations if months > 3}
    if quarter_hint:
        quarters.add(quarter_hint)
    quarter = quarters.pop() if len(quarters) == 1 else None
    width = count // len(durations)
    latest = max(years)
    periods = [Period(durations[i // width][0], fiscal_year - (latest - year), quarter, end)
               for i, (year, end) in enumerate(zip(years, ends, strict=True))]
    return periods, paired


def _row_amounts(row: Row, count: int, paired: bool) -> list[float] | None:
    if paired:  # amount, percent, amount, percent[, change]
        return [row.values[2 * i] for i in range(count)] if len(row.values) >= 2 * count else None
    return row.values[-count:] if len(row.values) >= count else None


def interim_page_facts(number: int, text: str, statement: str, fiscal_year: int, quarter_hint: int | None,
                       default_scale: float) -> list[Fact]:
    """The canonical line items of one interim income or cash-flow statement page, each with its period."""
    layout = interim_periods(text, fiscal_year, quarter_hint)
    if layout is None:
        return []
    periods, paired = layout
    scale = (page_scale(text) or (default_scale, ""))[0]
    best: dict[tuple[str, str], tuple[int, Fact]] = {}
    for row in parse_rows(text):
        match = match_line_item(row.label, statement)
        amounts = _row_amounts(row, len(periods), paired) if match else None
        if match is None or amounts is None:
            continue
        key, rank = match
        sign = printed_sign(row.label)  # as for annual facts: "Benefit (provision)" rows are negated
        for period, value in zip(periods, amounts, strict=True):
            fact = Fact(statement, key, row.label, period.fiscal_year, sign * value, scale, number, row.start,
                        row.end, period.label())
            slot = (key, fact.period)
            if slot not in best or rank < best[slot][0]:
                best[slot] = (rank, fact)
    facts = [fact for _, fact in best.values()]
    return facts if len({f.key for f in facts}) >= MIN_LINE_ITEMS else []


def extract_interim_facts(pages: list[str], fiscal_year: int | None, quarter_hint: int | None,
                          default_scale: float) -> list[Fact]:
    """Interim facts of every income and cash-flow statement page; a line item two pages print differently
    for the same period is left out rather than chosen."""
    if fiscal_year is None:
        return []
    found: dict[tuple[str, str, int], Fact] = {}
    conflicting: set[tuple[str, str, int]] = set()
    for number, text in enumerate(pages, start=1):
        statement = classify_page(text)
        if statement not in ("income", "cashflow"):
            continue
        for fact in interim_page_facts(number, text, statement, fiscal_year, quarter_hint, default_scale):
            slot = (fact.key, period_code(fact.period), fact.year)
            if slot in found and found[slot].value != fact.value:
                conflicting.add(slot)
            found.setdefault(slot, fact)
    return [fact for slot, fact in found.items() if slot not in conflicting]
