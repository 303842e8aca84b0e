"""How the filings skills word what they computed: a value with its unit and scale ("USD 1,577.00 million"), the
metric sentence, the inputs it read (each cited), the name of a period, and the "Yes: "/"No: " of a yes/no question
settled by the number."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from luodi.knowledge.extractors import ANNUAL, Fact
from luodi.packs.filings.metrics import MetricResult
from luodi.packs.filings.periods import period_code
from luodi.tools.calculator import format_number

_POLAR = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|had)\b", re.I)
_POSITIVE_WORDS = re.compile(r"\b(?:positive|grow|grew|growth|increase[sd]?|rise|rose|improve[sd]?)\b", re.I)
_NEGATIVE_WORDS = re.compile(r"\b(?:negative|decrease[sd]?|decline[sd]?|fall|fell|shrink|shrank|drop(?:ped)?)\b", re.I)
STATEMENT_NAMES = {"income": "income statement", "balance": "balance sheet", "cashflow": "cash-flow statement"}

SCALE_DIVISORS = {"thousands": Fraction(10**3), "millions": Fraction(10**6), "billions": Fraction(10**9)}


def format_value(value: Fraction, unit: str, scale: str, places: int) -> str:
    """A value in its unit: an amount in `scale` ("millions") with grouped digits, a percentage, points, days."""
    if unit == "usd":
        amount = format_number(value / SCALE_DIVISORS[scale], places)
        return f"USD {_group(amount)} {scale[:-1]}"
    if unit == "percent":
        return f"{format_number(value, places)}%"
    if unit == "points":
        return f"{format_number(value, places)} percentage points"
    if unit == "days":
        return f"{format_number(value, places)} days"
    return format_number(value, places)


def _group(number: str) -> str:
    whole, _, fraction = number.partition(".")
    grouped = f"{int(Decimal(whole)):,}" if whole.lstrip("-").isdigit() else whole
    if whole.startswith("-") and not grouped.startswith("-"):
        grouped = "-" + grouped
    return f"{grouped}.{fraction}" if fraction else grouped


def period_name(year: int, period: str = ANNUAL) -> str:
    """"FY2023", or the interim period in front of its fiscal year: "Q2 FY2023", "6M FY2023"."""
    code = period_code(period)
    return f"FY{year}" if code == ANNUAL else f"{code} FY{year}"


def metric_sentence(result: MetricResult, subject: str, scale: str, places: int, period: str = ANNUAL) -> str:
    shown = result.years if result.aggregation != "value" else result.years[-1:]
    years = "-".join(period_name(y, period) for y in shown)
    name = result.metric.name.replace("_", " ")
    if result.aggregation == "average":
        name = f"{len(result.years)}-year average {name}"
    elif result.aggregation == "change":
        name = f"year-over-year change in {name}"
    elif result.aggregation == "cagr":
        name = f"compound annual growth rate of {name}"
    value = format_value(result.value, result.unit, scale, places)
    return f"{value} is the {years} {name} of {subject}".strip()


def printed_label(fact: Fact) -> str:
    """A row's label without its dot leaders."""
    return re.sub(r"\.{2,}.*$", "", " ".join(fact.label.split()))


def inputs_sentence(inputs: dict[tuple[str, int], Fact], citation_index: dict[tuple[str, int], int]) -> str:
    parts = []
    for (key, year), fact in sorted(inputs.items(), key=lambda item: (item[0][0], -item[0][1])):
        marker = f" [{citation_index[(key, year)]}]" if (key, year) in citation_index else ""
        amount = format_number(Fraction(str(fact.value)), None)
        scale = {1e3: " thousand", 1e6: " million", 1e9: " billion"}.get(fact.scale, "")
        parts.append(f"{printed_label(fact)} {period_name(year, fact.period)}: {amount}{scale}{marker}")
    return "; ".join(parts)


def polar_answer(question: str, result: MetricResult) -> str | None:
    """For a yes/no question: "Yes: " or "No: " when it asks whether the value is positive or negative, or
    whether it grew or fell between two years; None when the number alone does not settle it (a yes/no
    question gets a yes or no, or an abstention, never an unrelated figure). "" for other questions."""
    if not _POLAR.search(question):
        return ""
    signs = re.search(r"\b(positive|negative)\b", question, re.I)
    if signs:
        asks_up = signs.group(1).lower() == "positive"
    elif result.aggregation == "change":
        up, down = _POSITIVE_WORDS.search(question), _NEGATIVE_WORDS.search(question)
        if bool(up) == bool(down):
            return None
        asks_up = bool(up)
    else:
        return None
    if result.value == 0:
        return None
    holds = result.value > 0 if asks_up else result.value < 0
    return "Yes: " if holds else "No: "
