"""The filings pack's skills (see `luodi.grounding.skills` for the contract): metrics computed by named formulas
from the extracted statements, for fiscal years or quarters; whether a metric stayed stable; an amount read from
the row a question names; which cash-flow section had the highest or lowest net flow; and passages of the
filings of the company a question names. Each cites the statement rows it read.

They read the facts of the `statements` extractor (`extractor.py`): configure both for an assistant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction

from luodi.contracts import Evidence, ToolCall
from luodi.grounding.builtin import PassageRetrieval
from luodi.grounding.skills import Draft, Scope, Skill
from luodi.knowledge.extractors import ANNUAL, Fact
from luodi.knowledge.store import DocumentRecord, StoredFact
from luodi.packs.filings.documents import (
    by_relevance,
    calendar_quarter,
    cited_inputs,
    company_filter,
    fact_citation,
    period_facts,
    scope_documents,
    statement_rows,
    target_year,
)
from luodi.packs.filings.metrics import (
    CASH_FLOW_SECTIONS,
    MetricResult,
    MissingLineItem,
    Series,
    compute_metric,
    find_metric,
    metric_series,
)
from luodi.packs.filings.phrasing import (
    SCALE_DIVISORS,
    STATEMENT_NAMES,
    format_value,
    inputs_sentence,
    metric_sentence,
    polar_answer,
    printed_label,
)
from luodi.packs.filings.question import (
    FinancialQuestion,
    asked_quarter,
    asks_line_item,
    compared_sections,
    currency_scale,
    named_line_item,
    named_statement,
    parse_financial_question,
    question_years,
    stability_threshold,
)
from luodi.tools.calculator import format_number, requested_places

# questions asking for reasons or narrative are answered from passages even when they name a metric
_NARRATIVE = re.compile(
    r"^\s*(?:what\s+drove|why|explain|how\s+did|describe|which|who|where|what\s+(?:are|were)\s+the\s+"
    r"(?:main|major|key|primary))|\bthere\s+any\b|\breported\s+any\b",
    re.IGNORECASE,
)
# a question about a quarter or half is answered only from columns marked as that period
_QUARTERLY = re.compile(r"\bq[1-4]\b|quarter|three months|six months|nine months|\bh[12]\b|half[- ]year", re.I)
# formulas over 365 days or averaged balances are annual: a quarter's flows do not fit them
_ANNUAL_ONLY = re.compile(r"365|average")
# formulas here are over reported (GAAP) line items; "adjusted" measures are the company's own non-GAAP ones
_ADJUSTED = re.compile(r"(?<!un)adjusted\b", re.I)
_FISCAL = re.compile(r"\bfy|\bfiscal\b", re.I)


@dataclass(frozen=True)
class FinancialMetric:
    """A named metric (capital expenditure, fixed asset turnover …) of fiscal years, computed by its formula."""

    name: str = "financial_metric"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        if _NARRATIVE.search(question) or _QUARTERLY.search(question):
            return None
        documents = scope_documents(question, scope.knowledge, scope.where)
        default_year = documents[0].period_year if len(documents) == 1 else None
        parsed = parse_financial_question(question, default_year)
        if parsed is None:
            return None
        if _ADJUSTED.search(question):
            return _metric_error(parsed, "adjusted (non-GAAP) measures are not computed from the reported statements")
        if not documents:  # a metric was asked of a company or filing the knowledge base does not hold
            return _metric_error(parsed, "no filing of the company asked about")
        missing = ""
        for document in by_relevance(documents, max(parsed.years)):
            facts = period_facts(scope.knowledge, document)
            try:
                result = compute_metric(parsed.metric, parsed.aggregation, parsed.years, facts)
            except MissingLineItem as exc:
                missing = str(exc)
                continue
            return metric_draft(question, scope, parsed, result, document)
        return _metric_error(parsed, f"missing {missing}")


@dataclass(frozen=True)
class QuarterMetric:
    """A metric of one fiscal quarter (or its change against the same quarter a year before), from columns the
    filing itself marks as that quarter; only formulas over the quarter's own flows (no day counts, no averaged
    balances, no adjusted measures). None, and so no quarter answer, when the period is not clear."""

    name: str = "quarter_metric"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        if _NARRATIVE.search(question) or not _QUARTERLY.search(question):
            return None
        asked = asked_quarter(question)
        parsed = parse_financial_question(question)
        if asked is None or parsed is None or _ADJUSTED.search(question) or _ANNUAL_ONLY.search(parsed.metric.formula):
            return None
        quarter, years = asked
        if len(years) != (2 if parsed.aggregation == "change" else 1) or parsed.aggregation in ("average", "cagr"):
            return None
        parsed = replace(parsed, years=years)
        period = f"Q{quarter}"
        for document in by_relevance(scope_documents(question, scope.knowledge, scope.where), max(years)):
            facts = period_facts(scope.knowledge, document, period)
            try:
                result = compute_metric(parsed.metric, parsed.aggregation, years, facts)
            except MissingLineItem:
                continue
            if not _FISCAL.search(question) and not all(calendar_quarter(f) for f in result.inputs.values()):
                return None  # "Q2 of 2023" of a company whose fiscal year is not the calendar year: which one?
            return metric_draft(question, scope, parsed, result, document, period)
        return None


@dataclass(frozen=True)
class MetricStability:
    """Whether a metric stayed within the yearly change a question allows, over the years the statements show."""

    name: str = "metric_stability"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        threshold = stability_threshold(question)
        metric = find_metric(question) if threshold is not None else None
        if metric is None or threshold is None or _QUARTERLY.search(question):
            return None
        documents = scope_documents(question, scope.knowledge, scope.where)
        years, _ = question_years(question)
        through = max(years) if years else None
        tool = ToolCall(name="metric_stability",
                        arguments={"metric": metric.name, "threshold": str(threshold), "through": through},
                        error="no filing of the company asked about")
        latest = through or max((d.period_year or 0 for d in documents), default=0)
        for document in by_relevance(documents, latest):
            try:
                series = metric_series(metric, period_facts(scope.knowledge, document), through)
            except MissingLineItem as exc:
                tool.error = f"missing {exc}"
                continue
            tool.error = None
            return _stability_draft(question, scope, document, series, threshold, tool)
        return Draft(text="", tool_calls=[tool])


@dataclass(frozen=True)
class StatementLineItem:
    """An amount a statement prints on a row of its own that no named formula covers ("restructuring"), read from
    the row the question names, for the one fiscal year it asks about."""

    name: str = "statement_line_item"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        if not asks_line_item(question) or find_metric(question) is not None:
            return None
        documents = scope_documents(question, scope.knowledge, scope.where)
        years, _ = question_years(question)
        if len(set(years)) > 1:  # "in FY2022 and FY2021": more than one amount asked for
            return None
        year = target_year(question, documents)
        statement = named_statement(question)
        for document in by_relevance(documents, year or 0) if year else []:
            rows = [f for f in statement_rows(scope.knowledge, document) if statement in (None, f.statement)]
            label = named_line_item(question, sorted({f.label for f in rows}), document.company)
            chosen = {f.value: f for f in rows if f.label == label and f.year == year}
            # two rows so labelled that print different amounts are not one answer; an amount in parentheses
            # is a credit on one statement and an expense on another, so its sign cannot be told from the row
            if len(chosen) == 1 and min(chosen) >= 0:
                return _line_item_draft(question, scope, document, next(iter(chosen.values())))
        return None


@dataclass(frozen=True)
class CashFlowSections:
    """Which of the operating, investing and financing sections had the highest (or lowest) net cash flow."""

    name: str = "cash_flow_sections"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        most = compared_sections(question)
        if most is None or _QUARTERLY.search(question):  # annual statements only: a quarter is not a fiscal year
            return None
        documents = scope_documents(question, scope.knowledge, scope.where)
        year = target_year(question, documents)
        tool = ToolCall(name="cash_flow_sections", arguments={"year": year, "asks": "highest" if most else "lowest"},
                        error=f"the operating, investing and financing totals for FY{year} are not in the statements")
        if year is None:
            return Draft(text="", tool_calls=[tool])
        for document in by_relevance(documents, year):
            facts = period_facts(scope.knowledge, document)
            found = {name: facts[key, year] for name, key in CASH_FLOW_SECTIONS.items() if (key, year) in facts}
            if len(found) == len(CASH_FLOW_SECTIONS):
                tool.error = None
                return _sections_draft(question, scope, document, found, most, tool)
        return Draft(text="", tool_calls=[tool])


def metric_draft(question: str, scope: Scope, parsed: FinancialQuestion, result: MetricResult,
                 document: DocumentRecord, period: str = ANNUAL) -> Draft:
    evidence, citations, index = cited_inputs(scope.knowledge, document, result.inputs)
    value = format_value(result.value, result.unit, parsed.scale, parsed.places)
    subject = document.company or document.title
    tool = ToolCall(
        name="financial_metric",
        arguments={**_arguments(parsed), "document": document.title},
        output={
            "value": value,
            "exact": str(float(result.value)),
            "formula": result.formula,
            "per_year": {str(y): str(float(v)) for y, v in result.per_year.items()},
        },
    )
    tool_evidence = Evidence(id="tool:financial_metric", kind="tool", source="financial_metric",
                             text=f"{result.metric.name} = {value}; formula: {result.formula}")
    polar = polar_answer(question, result)
    if polar is None:
        tool.error = "a yes/no question that the computed metric alone does not settle"
        return Draft(text="", tool_calls=[tool])
    text = (
        f"{polar}{metric_sentence(result, subject, parsed.scale, parsed.places, period)}. "
        f"Formula: {result.formula}. Inputs from the {document.title} statements: "
        f"{inputs_sentence(result.inputs, index)}."
    )
    return Draft(text=text, evidence=[*evidence, tool_evidence], citations=citations, tool_calls=[tool],
                 tool_value=value, value=value)


def _stability_draft(question: str, scope: Scope, document: DocumentRecord, series: Series, threshold: Fraction,
                     tool: ToolCall) -> Draft:
    changes = series.changes()
    largest = max(abs(change) for change in changes.values())
    if abs(largest - threshold) <= threshold / 10:  # "roughly 2%": 1.9 or 2.1 points is not settled either way
        tool.error = "the largest yearly change is too close to the threshold to call"
        return Draft(text="", tool_calls=[tool])
    places = requested_places(question) or 1
    unit = series.metric.unit
    change_unit = "points" if unit == "percent" else "percent"
    values = ", ".join(f"{format_value(v, unit, 'millions', places)} in FY{y}" for y, v in series.values.items())
    moves = ", ".join(f"{format_value(c, change_unit, 'millions', places)} into FY{y}" for y, c in changes.items())
    tool.output = {"values": values, "changes": moves, "largest_change": format_number(largest, places)}
    tool_evidence = Evidence(id="tool:metric_stability", kind="tool", source=tool.name,
                             text=f"{values}; {moves}; largest {tool.output['largest_change']}; "
                                  f"formula: {series.metric.formula}")
    evidence, citations, index = cited_inputs(scope.knowledge, document, series.inputs)
    verdict = "Yes" if largest < threshold else "No"
    name = series.metric.name.replace("_", " ")
    text = (f"{verdict}: the {name} of {document.company or document.title} was {values}; the yearly changes "
            f"were {moves}, against the {format_number(threshold, None)}% the question allows. "
            f"Formula: {series.metric.formula}. Inputs from the {document.title} statements: "
            f"{inputs_sentence(series.inputs, index)}.")
    return Draft(text=text, evidence=[*evidence, tool_evidence], citations=citations, tool_calls=[tool],
                 value=verdict)


def _line_item_draft(question: str, scope: Scope, document: DocumentRecord, fact: Fact) -> Draft | None:
    found = fact_citation(StoredFact(document.doc_id, fact), scope.knowledge.store)
    if found is None:
        return None
    evidence, citation = found
    scale = currency_scale(question)
    places = requested_places(question)
    if places is None:  # as printed when the question's scale is the page's or finer, else to cents of it
        places = 0 if SCALE_DIVISORS[scale] <= Fraction(str(fact.scale)) else 2
    value = format_value(Fraction(str(fact.value)) * Fraction(str(fact.scale)), "usd", scale, places)
    label = printed_label(fact)
    tool = ToolCall(name="statement_line_item",
                    arguments={"document": document.title, "row": label, "year": fact.year, "scale": scale},
                    output=value)
    tool_evidence = Evidence(id="tool:statement_line_item", kind="tool", source=tool.name,
                             text=f"{label} FY{fact.year} = {value}")
    text = (f"{value} is the FY{fact.year} {label} of {document.company or document.title}, as printed on its own "
            f"row of the {STATEMENT_NAMES[fact.statement]} [1].")
    return Draft(text=text, evidence=[evidence, tool_evidence], citations=[citation], tool_calls=[tool],
                 tool_value=value, value=value)


def _sections_draft(question: str, scope: Scope, document: DocumentRecord, found: dict[str, Fact], most: bool,
                    tool: ToolCall) -> Draft:
    amounts = {name: Fraction(str(f.value)) * Fraction(str(f.scale)) for name, f in found.items()}
    chosen = (max if most else min)(amounts, key=lambda name: amounts[name])
    evidence, citations, index = cited_inputs(scope.knowledge, document,
                                              {(f.key, f.year): f for f in found.values()})
    scale = currency_scale(question)
    places = requested_places(question) or (2 if scale == "billions" else 0)
    listed = "; ".join(
        f"{name} activities {format_value(amounts[name], 'usd', scale, places)}"
        + (f" [{index[(f.key, f.year)]}]" if (f.key, f.year) in index else "")
        for name, f in found.items()
    )
    tool.output = {name: format_value(amount, "usd", scale, places) for name, amount in amounts.items()}
    year = next(iter(found.values())).year
    # stated as the net amount the question ranks by, whatever words it used for inflows and outflows
    end = "highest" if most else "lowest"
    text = (f"In FY{year}, {chosen} activities had the {end} net cash flow of the three sections of the cash-flow "
            f"statement of {document.company or document.title} (a negative amount is net cash used): {listed}.")
    tool_evidence = Evidence(id="tool:cash_flow_sections", kind="tool", source=tool.name,
                             text="; ".join(f"{n}: {v}" for n, v in tool.output.items()))
    return Draft(text=text, evidence=[*evidence, tool_evidence], citations=citations, tool_calls=[tool],
                 value=chosen)


def _metric_error(parsed: FinancialQuestion, error: str) -> Draft:
    return Draft(text="", tool_calls=[ToolCall(name="financial_metric", arguments=_arguments(parsed), error=error)])


def _arguments(parsed: FinancialQuestion) -> dict[str, object]:
    return {
        "metric": parsed.metric.name,
        "aggregation": parsed.aggregation,
        "years": list(parsed.years),
        "scale": parsed.scale,
        "places": parsed.places,
    }


# what the pack contributes; `passages` narrowed to the filings of the company a question names
FILINGS_SKILLS: tuple[Skill, ...] = (
    CashFlowSections(),
    MetricStability(),
    QuarterMetric(),
    FinancialMetric(),
    StatementLineItem(),
    PassageRetrieval(name="filing_passages", narrow=company_filter),
)
