"""Standard financial metrics with named formulas, computed exactly from extracted statement line items.

Each metric is a formula over canonical line items (see luodi.packs.filings.statements.LINE_ITEMS) for a
fiscal year; averages of balances use the year and the year before. Any metric can be taken as a
multi-year average, a year-over-year change or a compound annual growth rate. The result records every
line item it used, so the answer can cite the statement rows behind the number.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from luodi.knowledge.extractors import Fact

Unit = Literal["usd", "percent", "points", "ratio", "days"]


class MissingLineItem(LookupError):
    """A line item the formula needs is not in the extracted statements."""


# costs some income statements print in parentheses as deductions ("Cost of sales (58,762)"): the amount of a
# cost is never negative, so a gross margin is not computed over revenue plus costs
COSTS = frozenset({"cogs", "sga"})
# expenses that may truly change sign (a tax benefit, net interest income): negative on a page that prints its
# costs as deductions means an expense, elsewhere it means the opposite of one
SIGNED_EXPENSES = frozenset({"income_tax", "interest_expense"})


@dataclass
class Inputs:
    """Line items by (key, fiscal year), in currency units; records which ones a formula read."""

    facts: dict[tuple[str, int], Fact]
    used: dict[tuple[str, int], Fact] = field(default_factory=dict)

    def __call__(self, key: str, year: int) -> Fraction:
        fact = self.facts.get((key, year))
        if fact is None:
            raise MissingLineItem(f"{key.replace('_', ' ')} for FY{year}")
        self.used[(key, year)] = fact
        amount = Fraction(str(fact.value)) * Fraction(str(fact.scale))
        if key in COSTS or (key in SIGNED_EXPENSES and self._prints_costs_negative(fact)):
            return abs(amount)
        return amount

    def _prints_costs_negative(self, fact: Fact) -> bool:
        """Whether the page `fact` comes from prints its costs as negative deductions ("Cost of sales (58,762)")."""
        return any(other.key in COSTS and other.page == fact.page and other.statement == fact.statement
                   and other.value < 0 for other in self.facts.values())

    def average(self, key: str, year: int) -> Fraction:
        return (self(key, year) + self(key, year - 1)) / 2


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction:
    if denominator == 0:
        raise MissingLineItem("a zero denominator")
    return numerator / denominator


# "net earnings as a percent of sales" is the net margin in the words of a statement's percent-of-sales column
_OF_SALES = r" as a (?:percent(?:age)?|%|share) of (?:net )?(?:sales|revenues?)"


@dataclass(frozen=True)
class Metric:
    name: str
    formula: str
    unit: Unit
    aliases: tuple[str, ...]
    compute: Callable[[Inputs, int], Fraction]
    composite: bool = True


def _item(key: str, absolute: bool = False) -> Callable[[Inputs, int], Fraction]:
    # outflows print in parentheses; "capital expenditure" and "dividends paid" are asked as amounts
    return lambda v, y: abs(v(key, y)) if absolute else v(key, y)


def _ebitda(v: Inputs, y: int) -> Fraction:
    return v("operating_income", y) + v("depreciation_amortization", y)


def _dio(v: Inputs, y: int) -> Fraction:
    return 365 * _ratio(v.average("inventory", y), v("cogs", y))


def _dso(v: Inputs, y: int) -> Fraction:
    return 365 * _ratio(v.average("accounts_receivable", y), v("revenue", y))


def _dpo(v: Inputs, y: int) -> Fraction:
    purchases = v("cogs", y) + v("inventory", y) - v("inventory", y - 1)
    return 365 * _ratio(v.average("accounts_payable", y), purchases)


HUNDRED = Fraction(100)
_SHARE_OF = r"(?:%|percent(?:age)?)(?: of)?"
LINE_ITEM_METRICS = [
    Metric("revenue", "revenue", "usd", (r"total revenues?", r"net revenues?", r"revenues?", r"net sales",
                                         r"top ?line", r"sales"), _item("revenue"), False),
    Metric("cogs", "cost of goods sold", "usd", (r"cogs", r"cost of goods sold", r"cost of sales",
                                                 r"cost of revenues?"), _item("cogs"), False),
    Metric("operating_income", "operating income", "usd",
           (r"operating income", r"operating profit", r"income from operations", r"ebit\b"), _item("operating_income"),
           False),
    Metric("net_income", "net income", "usd", (r"net income", r"net earnings", r"net profit"), _item("net_income"),
           False),
    Metric("total_current_assets", "total current assets", "usd", (r"(?:total )?current assets",),
           _item("total_current_assets"), False),
    Metric("total_current_liabilities", "total current liabilities", "usd", (r"(?:total )?current liabilities",),
           _item("total_current_liabilities"), False),
    Metric("total_assets", "total assets", "usd", (r"total assets",), _item("total_assets"), False),
    Metric("ppe_net", "property, plant and equipment, net", "usd",
           (r"(?:net )?pp&?n?e", r"ppne", r"property,? plant,? (?:and|&) equipment", r"fixed assets"),
           _item("ppe_net"), False),
    Metric("inventory", "inventories", "usd", (r"inventor(?:y|ies)",), _item("inventory"), False),
    Metric("accounts_receivable", "accounts receivable", "usd",
           (r"accounts receivables?", r"(?:net )?ar\b", r"(?:net |trade )receivables?"),
           _item("accounts_receivable"), False),
    Metric("accounts_payable", "accounts payable", "usd", (r"accounts payable",), _item("accounts_payable"), False),
    Metric("operating_cash_flow", "net cash provided by operating activities", "usd",
           (r"cash (?:flows? )?from operations", r"operating cash flows?(?! ratio)",
            r"(?:net )?cash (?:flows? )?(?:provided by |generated by |from )operating activities"),
           _item("operating_cash_flow"), False),
    Metric("investing_cash_flow", "net cash from investing activities", "usd",
           (r"(?:net )?cash (?:flows? )?(?:from|used in|provided by) investing activities", r"investing cash flows?"),
           _item("investing_cash_flow"), False),
    Metric("financing_cash_flow", "net cash from financing activities", "usd",
           (r"(?:net )?cash (?:flows? )?(?:from|used in|provided by) financing activities", r"financing cash flows?"),
           _item("financing_cash_flow"), False),
    Metric("capex", "|purchases of property, plant and equipment|", "usd",
           (r"capital expenditures?", r"capex"), _item("capex", absolute=True), False),
    Metric("depreciation_amortization", "depreciation and amortization", "usd",
           (r"depreciation and amortization", r"d&a"), _item("depreciation_amortization"), False),
    Metric("dividends_paid", "|cash dividends paid|", "usd", (r"dividends paid", r"cash dividends"),
           _item("dividends_paid", absolute=True), False),
    Metric("interest_expense", "interest expense", "usd", (r"interest expense",), _item("interest_expense"), False),
    Metric("total_liabilities", "total liabilities", "usd", (r"total liabilities",), _item("total_liabilities"), False),
    Metric("total_equity", "total shareholders' equity", "usd",
           (r"(?:total )?(?:shareholders'?|stockholders'?|shareowners'?) equity", r"total equity"),
           _item("total_equity"), False),
    Metric("cash", "cash and cash equivalents", "usd", (r"cash and (?:cash )?equivalents",), _item("cash"), False),
    Metric("sga", "selling, general and administrative expense", "usd",
           (r"selling, general,? and administrative", r"sg&a"), _item("sga"), False),
    Metric("pretax_income", "income before income taxes", "usd",
           (r"(?:income|earnings) before (?:income )?taxes", r"pre-?tax income"), _item("pretax_income"), False),
]
COMPOSITE_METRICS = [
    Metric("gross_margin", "(revenue - cost of goods sold) / revenue x 100", "percent",
           (r"gross (?:profit )?margin", rf"gross profit{_OF_SALES}"),
           lambda v, y: _ratio(v("revenue", y) - v("cogs", y), v("revenue", y)) * HUNDRED),
    Metric("operating_margin", "operating income / revenue x 100", "percent",
           (r"operating (?:income )?(?:% )?margin", r"operating profit margin",
            rf"operating (?:income|profit){_OF_SALES}"),
           lambda v, y: _ratio(v("operating_income", y), v("revenue", y)) * HUNDRED),
    Metric("net_profit_margin", "net income / revenue x 100", "percent",
           (r"net (?:profit |income )?(?:% )?margin", r"profit margin", rf"net (?:income|earnings|profit){_OF_SALES}"),
           lambda v, y: _ratio(v("net_income", y), v("revenue", y)) * HUNDRED),
    Metric("cogs_margin", "cost of goods sold / revenue x 100", "percent",
           (r"(?:cogs|cost of goods sold|cost of sales)(?: as a)? (?:%|percent(?:age)?) (?:of|margin)",
            r"(?:cogs|cost of goods sold) % margin"),
           lambda v, y: _ratio(v("cogs", y), v("revenue", y)) * HUNDRED),
    Metric("ebitda_less_capex", "operating income + depreciation and amortization - capital expenditure", "usd",
           (r"ebitda (?:less|minus) (?:capex|capital expenditures?)",),
           lambda v, y: _ebitda(v, y) - abs(v("capex", y))),
    Metric("ebitda_margin", "(operating income + depreciation and amortization) / revenue x 100", "percent",
           (r"ebitda (?:% )?margin",), lambda v, y: _ratio(_ebitda(v, y), v("revenue", y)) * HUNDRED),
    Metric("ebitda", "operating income + depreciation and amortization (cash-flow statement)", "usd",
           (r"ebitda",), _ebitda),
    Metric("operating_cash_flow_ratio", "cash from operations / total current liabilities", "ratio",
           (r"operating cash flow ratio",),
           lambda v, y: _ratio(v("operating_cash_flow", y), v("total_current_liabilities", y))),
    Metric("current_ratio", "total current assets / total current liabilities", "ratio",
           (r"current ratio", r"working capital ratio"),
           lambda v, y: _ratio(v("total_current_assets", y), v("total_current_liabilities", y))),
    Metric("working_capital", "total current assets - total current liabilities", "usd",
           (r"working capital(?! ratio)",),
           lambda v, y: v("total_current_assets", y) - v("total_current_liabilities", y)),
    Metric("quick_ratio", "(cash + short-term investments + accounts receivable) / total current liabilities",
           "ratio", (r"quick ratio", r"acid[- ]test"),
           lambda v, y: _ratio(v("cash", y) + v("short_term_investments", y) + v("accounts_receivable", y),
                               v("total_current_liabilities", y))),
    Metric("fixed_asset_turnover", "revenue / average PP&E (this and prior year end)", "ratio",
           (r"fixed asset turnover",), lambda v, y: _ratio(v("revenue", y), v.average("ppe_net", y))),
    Metric("asset_turnover", "revenue / average total assets (this and prior year end)", "ratio",
           (r"(?:total )?asset turnover",), lambda v, y: _ratio(v("revenue", y), v.average("total_assets", y))),
    Metric("inventory_turnover", "cost of goods sold / average inventory", "ratio",
           (r"inventory turnover", r"times .{0,40}\bsold (?:its|their) inventory"),
           lambda v, y: _ratio(v("cogs", y), v.average("inventory", y))),
    Metric("receivables_turnover", "revenue / average accounts receivable", "ratio",
           (r"receivables? turnover",), lambda v, y: _ratio(v("revenue", y), v.average("accounts_receivable", y))),
    Metric("dio", "365 x average inventory / cost of goods sold", "days",
           (r"days inventory outstanding", r"\bdio\b", r"days in inventory"), _dio),
    Metric("dso", "365 x average accounts receivable / revenue", "days",
           (r"days sales outstanding", r"\bdso\b"), _dso),
    Metric("dpo", "365 x average accounts payable / (cost of goods sold + change in inventory)", "days",
           (r"days payables? outstanding", r"\bdpo\b"), _dpo),
    Metric("cash_conversion_cycle", "DIO + DSO - DPO", "days", (r"cash conversion cycle", r"\bccc\b"),
           lambda v, y: _dio(v, y) + _dso(v, y) - _dpo(v, y)),
    Metric("retention_ratio", "(net income - cash dividends paid) / net income", "ratio",
           (r"retention ratio", r"plowback ratio"),
           lambda v, y: _ratio(v("net_income", y) - abs(v("dividends_paid", y)), v("net_income", y))),
    Metric("payout_ratio", "cash dividends paid / net income", "ratio", (r"(?:dividend )?payout ratio",),
           lambda v, y: _ratio(abs(v("dividends_paid", y)), v("net_income", y))),
    Metric("return_on_assets", "net income / average total assets x 100", "percent",
           (r"return on (?:total )?assets", r"\broa\b"),
           lambda v, y: _ratio(v("net_income", y), v.average("total_assets", y)) * HUNDRED),
    Metric("return_on_equity", "net income / average total equity x 100", "percent",
           (r"return on (?:shareholders'? |stockholders'? )?equity", r"\broe\b"),
           lambda v, y: _ratio(v("net_income", y), v.average("total_equity", y)) * HUNDRED),
    Metric("interest_coverage", "operating income / |interest expense|", "ratio", (r"interest coverage",),
           lambda v, y: _ratio(v("operating_income", y), abs(v("interest_expense", y)))),
    Metric("free_cash_flow", "cash from operations - capital expenditure", "usd",
           (r"free cash flow", r"\bfcf\b"), lambda v, y: v("operating_cash_flow", y) - abs(v("capex", y))),
    Metric("gross_profit", "revenue - cost of goods sold", "usd", (r"gross profit(?! margin)",),
           lambda v, y: v("revenue", y) - v("cogs", y)),
    Metric("effective_tax_rate", "income tax expense / income before income taxes x 100", "percent",
           (r"effective (?:income )?tax rate",),
           lambda v, y: _ratio(v("income_tax", y), v("pretax_income", y)) * HUNDRED),
    # "debt-to-equity" is left out on purpose: filings and analysts define debt in several ways
    Metric("liabilities_to_equity", "total liabilities / total shareholders' equity", "ratio",
           (r"(?:total )?liabilities[- ]to[- ](?:shareholders'? )?equity",),
           lambda v, y: _ratio(v("total_liabilities", y), v("total_equity", y))),
    Metric("cash_ratio", "cash and cash equivalents / total current liabilities", "ratio", (r"cash ratio",),
           lambda v, y: _ratio(v("cash", y), v("total_current_liabilities", y))),
    Metric("capex_to_revenue", "capital expenditure / revenue x 100", "percent",
           (rf"(?:capex|capital expenditures?) (?:as an? |to )?{_SHARE_OF} (?:total )?revenue", r"capital intensity"),
           lambda v, y: _ratio(abs(v("capex", y)), v("revenue", y)) * HUNDRED),
    Metric("da_to_revenue", "depreciation and amortization / revenue x 100", "percent",
           (rf"(?:d&a|depreciation and amortization)(?: \(.{{0,40}}\))? (?:as an? |to )?{_SHARE_OF} "
            r"(?:total )?revenue",),
           lambda v, y: _ratio(v("depreciation_amortization", y), v("revenue", y)) * HUNDRED),
    Metric("sga_to_revenue", "selling, general and administrative expense / revenue x 100", "percent",
           (rf"(?:sg&a|selling, general,? and administrative(?: expenses?)?) (?:as an? |to )?{_SHARE_OF} "
            r"(?:total |net )?(?:revenue|sales)",),
           lambda v, y: _ratio(v("sga", y), v("revenue", y)) * HUNDRED),
]
METRICS = {m.name: m for m in LINE_ITEM_METRICS + COMPOSITE_METRICS}
# the cash-flow statement's three sections and the line items holding their totals
CASH_FLOW_SECTIONS = {"operating": "operating_cash_flow", "investing": "investing_cash_flow",
                      "financing": "financing_cash_flow"}


def find_metric(question: str) -> Metric | None:
    """The metric a question asks for: a named ratio, margin or composite if it names one (the first such
    mention, the longest alias at that place), else the first line item it names."""
    lowered = question.lower().replace("’", "'")
    for group in (COMPOSITE_METRICS, LINE_ITEM_METRICS):
        found: list[tuple[int, int, Metric]] = []
        for metric in group:
            for alias in metric.aliases:
                match = re.search(rf"(?<![a-z]){alias}", lowered)
                if match:
                    found.append((match.start(), -len(match.group(0)), metric))
        if found:
            return min(found, key=lambda f: (f[0], f[1]))[2]
    return None


Aggregation = Literal["value", "average", "change", "cagr"]


@dataclass(frozen=True)
class MetricResult:
    metric: Metric
    aggregation: Aggregation
    years: tuple[int, ...]
    value: Fraction
    unit: Unit
    inputs: dict[tuple[str, int], Fact]
    per_year: dict[int, Fraction]

    @property
    def formula(self) -> str:
        base = self.metric.formula
        if self.aggregation == "average":
            return f"mean over FY{self.years[0]}-FY{self.years[-1]} of [{base}]"
        if self.aggregation == "change" and self.metric.unit == "percent":
            return f"[{base}] FY{self.years[-1]} - [{base}] FY{self.years[0]} (percentage points)"
        if self.aggregation == "change":
            return f"([{base}] FY{self.years[-1]} / [{base}] FY{self.years[0]} - 1) x 100"
        if self.aggregation == "cagr":
            n = self.years[-1] - self.years[0]
            return f"(([{base}] FY{self.years[-1]} / [{base}] FY{self.years[0]})^(1/{n}) - 1) x 100"
        return base


def compute_metric(metric: Metric, aggregation: Aggregation, years: tuple[int, ...],
                   facts: dict[tuple[str, int], Fact]) -> MetricResult:
    """Evaluate a metric for the given fiscal years. Raises MissingLineItem when an input is absent."""
    inputs = Inputs(facts)
    per_year = {year: metric.compute(inputs, year) for year in years}
    first, last = per_year[years[0]], per_year[years[-1]]
    unit: Unit = metric.unit
    if aggregation == "average":
        value = sum(per_year.values(), Fraction(0)) / len(per_year)
    elif aggregation == "change" and metric.unit == "percent":
        # a margin or rate changes by percentage points: 20.8% to 19.1% is -1.7 points, not -8.2%
        value, unit = last - first, "points"
    elif aggregation == "change":
        value, unit = _ratio(last - first, abs(first)) * HUNDRED, "percent"
    elif aggregation == "cagr":
        if first <= 0 or last <= 0:
            raise MissingLineItem("positive start and end values for a growth rate")
        periods = years[-1] - years[0]
        value = Fraction((float(last) / float(first)) ** (1 / periods) - 1) * HUNDRED
        unit = "percent"
    else:
        value = last
    return MetricResult(metric, aggregation, years, value, unit, dict(inputs.used), per_year)


@dataclass(frozen=True)
class Series:
    """A metric for every consecutive fiscal year the statements allow, ending at the latest one."""

    metric: Metric
    values: dict[int, Fraction]  # ascending fiscal years
    inputs: dict[tuple[str, int], Fact]

    def changes(self) -> dict[int, Fraction]:
        """The change into each year from the year before: percentage points for a rate (a margin that moves
        from 22.5% to 21.4% changed by 1.1 points), percent for an amount."""
        years = list(self.values)
        out = {}
        for before, year in zip(years, years[1:], strict=False):
            first, last = self.values[before], self.values[year]
            out[year] = last - first if self.metric.unit == "percent" else _ratio(last - first, abs(first)) * HUNDRED
        return out


def metric_series(metric: Metric, facts: dict[tuple[str, int], Fact], through: int | None = None) -> Series:
    """The metric for each fiscal year up to `through` that the facts cover; raises MissingLineItem when fewer
    than two consecutive years can be computed (a trend needs two)."""
    values: dict[int, Fraction] = {}
    inputs: dict[tuple[str, int], Fact] = {}
    for year in sorted({y for _, y in facts if through is None or y <= through}, reverse=True):
        try:
            result = compute_metric(metric, "value", (year,), facts)
        except MissingLineItem:
            if values:  # the run of consecutive years ends here
                break
            continue
        if values and year != min(values) - 1:
            break
        values[year] = result.value
        inputs.update(result.inputs)
    if len(values) < 2:
        raise MissingLineItem(f"two consecutive years of {metric.name.replace('_', ' ')}")
    return Series(metric, dict(sorted(values.items())), inputs)
