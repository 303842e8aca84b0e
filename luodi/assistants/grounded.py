"""The grounded assistant: answers from a knowledge base, numbers from tools, everything verified.

understand (deterministic parsing: metric, years, company, expression, dates) -> act (compute a financial
metric from extracted statements, calculate, do date arithmetic, aggregate a table, or retrieve passages)
-> compose (template, phrased by the small model where it helps) -> verify (repair, or abstain).
The small model never supplies a fact: what it writes is checked against passages and tool outputs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

from luodi.assistants.base import AnswerDelta, AssistantContext, KindOptions, Turn, assistant_kind, stream_whole_answer
from luodi.config import AssistantConfig
from luodi.contracts import Answer, Check, Citation, Evidence, TokenUsage, ToolCall, Verification
from luodi.grounding.compose import (
    ABSTAIN_TEXT,
    SCALE_DIVISORS,
    STOPWORDS,
    best_sentences,
    fact_citation,
    format_value,
    inputs_sentence,
    metric_sentence,
    model_phrasing,
    passage_evidence,
)
from luodi.grounding.verify import repair
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.search import SearchFilter
from luodi.knowledge.store import DocumentRecord, StoredFact
from luodi.models.base import BackendUnavailable, BaseModelBackend
from luodi.packs.filings.metrics import (
    CASH_FLOW_SECTIONS,
    MetricResult,
    MissingLineItem,
    Series,
    compute_metric,
    find_metric,
    metric_series,
)
from luodi.packs.filings.periods import period_code, period_end_year
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
    wanted_company,
)
from luodi.packs.filings.statements import ANNUAL, Fact, page_rows
from luodi.tools.calculator import CalculationError, calculate, find_expression, format_number, requested_places
from luodi.tools.dates import date_question
from luodi.tools.tables import TableError, aggregate, table_question

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
_POLAR = re.compile(r"^\s*(?:is|are|was|were|does|do|did|has|have|had)\b", re.I)
_POSITIVE_WORDS = re.compile(r"\b(?:positive|grow|grew|growth|increase[sd]?|rise|rose|improve[sd]?)\b", re.I)
_NEGATIVE_WORDS = re.compile(r"\b(?:negative|decrease[sd]?|decline[sd]?|fall|fell|shrink|shrank|drop(?:ped)?)\b", re.I)
_STATEMENT_NAMES = {"income": "income statement", "balance": "balance sheet", "cashflow": "cash-flow statement"}
MIN_SHARED_WORDS = 3
MIN_SHARED_FRACTION = 0.5


@dataclass
class Draft:
    """What an action produced: the text to verify, its evidence, citations and tool calls."""

    text: str
    evidence: list[Evidence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_value: str | None = None
    fallback: str | None = None  # the deterministic template, used when the phrased draft fails verification
    # False for quoted passages: they may hold the answer but nothing checked that they do, so they are offered
    # as evidence beside an abstention, never as an answer (on FinanceBench dev such quotes answered 0 of 2)
    answers: bool = True
    value: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)


class GroundedAssistant:
    def __init__(
        self,
        name: str,
        config: AssistantConfig,
        knowledge: KnowledgeBase,
        backend: BaseModelBackend | None,
        phrase_with_model: bool = True,
    ) -> None:
        self.name = name
        self.config = config
        self.knowledge = knowledge
        self.backend = backend
        self.phrase_with_model = phrase_with_model

    # the Assistant protocol
    def respond(self, turn: Turn) -> Answer:
        question = next((m.content for m in reversed(turn.messages) if m.role == "user"), "")
        return self.answer(question)

    def stream(self, turn: Turn) -> Iterator[AnswerDelta]:
        return stream_whole_answer(self.respond(turn))

    # the pipeline
    def answer(self, question: str, where: SearchFilter | None = None) -> Answer:
        started = time.perf_counter()
        question_evidence = Evidence(id="question", kind="record", text=question, source="question")
        draft = (
            self._cash_flow_sections(question, where)
            or self._stability(question, where)
            or self._financial(question, where)
            or self._line_item(question, where)
            or self._calculation(question)
            or self._date_arithmetic(question)
            or self._table(question, where)
            or self._retrieval(question, where)
        )
        if draft is None or not draft.text:
            reason = "; ".join(c.error for c in (draft.tool_calls if draft else []) if c.error)
            return _abstain(
                [question_evidence],
                reason or "nothing in the knowledge base or the tools answers this",
                tool_calls=draft.tool_calls if draft else None,
            )
        evidence = [*draft.evidence, question_evidence]
        verified = repair(draft.text, evidence, len(draft.citations), draft.tool_value)
        if verified.verification.status == "abstained" and draft.fallback:
            fallback = repair(draft.fallback, evidence, len(draft.citations), draft.tool_value)
            if fallback.verification.status != "abstained":
                failed = [c for c in verified.verification.checks if not c.supported]
                verified = fallback
                verified.verification = Verification(
                    status="repaired",
                    checks=fallback.verification.checks
                    + [
                        c.model_copy(update={"note": c.note + "; model draft replaced by the template"}) for c in failed
                    ],
                )
        if verified.verification.status == "abstained":
            return _abstain(evidence, "the draft failed verification", verified.verification, draft.tool_calls)
        if not draft.answers:
            return _abstain(evidence, "passages found, but no answer to verify in them", verified.verification,
                            draft.tool_calls, related=(verified.text, draft.citations))
        return Answer(
            text=verified.text,
            citations=draft.citations,
            verification=verified.verification,
            evidence=evidence,
            tool_calls=draft.tool_calls,
            usage=draft.usage,
            state={"value": draft.value, "seconds": round(time.perf_counter() - started, 3)},
        )

    # actions
    def _scope_documents(self, question: str, where: SearchFilter | None) -> list[DocumentRecord]:
        documents = [d for d in self.knowledge.index.documents.values() if where is None or where.admits(d)]
        if where is not None and where.doc_ids is not None:
            return documents
        company = wanted_company(question, sorted({d.company for d in documents if d.company}))
        return [d for d in documents if company and d.company == company]

    def _financial(self, question: str, where: SearchFilter | None) -> Draft | None:
        if _NARRATIVE.search(question):
            return None
        if _QUARTERLY.search(question):
            return self._quarter_financial(question, where)
        documents = self._scope_documents(question, where)
        default_year = documents[0].period_year if len(documents) == 1 else None
        parsed = parse_financial_question(question, default_year)
        if parsed is None:
            return None
        if _ADJUSTED.search(question):
            error = "adjusted (non-GAAP) measures are not computed from the reported statements"
            return Draft(text="", tool_calls=[ToolCall(name="financial_metric", arguments=_arguments(parsed),
                                                       error=error)])
        if not documents:  # a metric was asked of a company or filing the knowledge base does not hold
            return Draft(
                text="",
                tool_calls=[
                    ToolCall(
                        name="financial_metric",
                        arguments=_arguments(parsed),
                        error="no filing of the company asked about",
                    )
                ],
            )
        missing = ""
        for document in _by_relevance(documents, max(parsed.years)):
            facts = self._facts(document)
            try:
                result = compute_metric(parsed.metric, parsed.aggregation, parsed.years, facts)
            except MissingLineItem as exc:
                missing = str(exc)
                continue
            return self._metric_draft(question, parsed, result, document)
        return Draft(
            text="",
            tool_calls=[ToolCall(name="financial_metric", arguments=_arguments(parsed), error=f"missing {missing}")],
        )

    def _facts(self, document: DocumentRecord, period: str = ANNUAL) -> dict[tuple[str, int], Fact]:
        """The document's facts of one kind of period: annual ones never mix with a quarter's."""
        return {(s.fact.key, s.fact.year): s.fact for s in self.knowledge.store.facts(document.doc_id)
                if period_code(s.fact.period) == period}

    def _quarter_financial(self, question: str, where: SearchFilter | None) -> Draft | None:
        """A metric of one fiscal quarter (or its change against the same quarter a year before), from columns
        the filing itself marks as that quarter; only formulas over the quarter's own flows (no day counts, no
        averaged balances, no adjusted measures). None, and so an abstention, when the period is not clear."""
        asked = asked_quarter(question)
        parsed = parse_financial_question(question)
        if asked is None or parsed is None or _ADJUSTED.search(question) or _ANNUAL_ONLY.search(parsed.metric.formula):
            return None
        quarter, years = asked
        if len(years) != (2 if parsed.aggregation == "change" else 1) or parsed.aggregation in ("average", "cagr"):
            return None
        parsed = replace(parsed, years=years)
        period = f"Q{quarter}"
        for document in _by_relevance(self._scope_documents(question, where), max(years)):
            try:
                result = compute_metric(parsed.metric, parsed.aggregation, years, self._facts(document, period))
            except MissingLineItem:
                continue
            if not _FISCAL.search(question) and not all(_calendar_quarter(f) for f in result.inputs.values()):
                return None  # "Q2 of 2023" of a company whose fiscal year is not the calendar year: which one?
            return self._metric_draft(question, parsed, result, document, period)
        return None

    def _cited_inputs(
        self, document: DocumentRecord, inputs: dict[tuple[str, int], Fact]
    ) -> tuple[list[Evidence], list[Citation], dict[tuple[str, int], int]]:
        """The passages holding the statement rows a computation read, a citation of each row, and the
        citation number of each (line item, year)."""
        evidence: dict[str, Evidence] = {}
        citations: list[Citation] = []
        index: dict[tuple[str, int], int] = {}
        for key_year, fact in sorted(inputs.items()):
            found = fact_citation(_stored(document.doc_id, fact), self.knowledge.store)
            if found is None:
                continue
            item, citation = found
            evidence[item.id] = item
            citations.append(citation)
            index[key_year] = len(citations)
        return list(evidence.values()), citations, index

    def _metric_draft(
        self, question: str, parsed: FinancialQuestion, result: MetricResult, document: DocumentRecord,
        period: str = ANNUAL,
    ) -> Draft:
        evidence, citations, index = self._cited_inputs(document, result.inputs)
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
        tool_evidence = Evidence(
            id="tool:financial_metric",
            kind="tool",
            source="financial_metric",
            text=f"{result.metric.name} = {value}; formula: {result.formula}",
        )
        polar = _polar_answer(question, result)
        if polar is None:
            tool.error = "a yes/no question that the computed metric alone does not settle"
            return Draft(text="", tool_calls=[tool])
        text = (
            f"{polar}{metric_sentence(result, subject, parsed.scale, parsed.places, period)}. "
            f"Formula: {result.formula}. Inputs from the {document.title} statements: "
            f"{inputs_sentence(result.inputs, index)}."
        )
        return Draft(
            text=text,
            evidence=[*evidence, tool_evidence],
            citations=citations,
            tool_calls=[tool],
            tool_value=value,
            value=value,
        )

    def _line_item(self, question: str, where: SearchFilter | None) -> Draft | None:
        """An amount a statement prints on a row of its own that no named formula covers ("restructuring"),
        read from the row the question names, for the one fiscal year it asks about."""
        if not asks_line_item(question) or find_metric(question) is not None:
            return None
        documents = self._scope_documents(question, where)
        years, _ = question_years(question)
        if len(set(years)) > 1:  # "in FY2022 and FY2021": more than one amount asked for
            return None
        year = _target_year(question, documents)
        statement = named_statement(question)
        for document in _by_relevance(documents, year or 0) if year else []:
            rows = [f for f in self._statement_rows(document) if statement in (None, f.statement)]
            label = named_line_item(question, sorted({f.label for f in rows}), document.company)
            chosen = {f.value: f for f in rows if f.label == label and f.year == year}
            # two rows so labelled that print different amounts are not one answer; an amount in parentheses
            # is a credit on one statement and an expense on another, so its sign cannot be told from the row
            if len(chosen) == 1 and min(chosen) >= 0:
                return self._line_item_draft(question, document, next(iter(chosen.values())))
        return None

    def _statement_rows(self, document: DocumentRecord) -> list[Fact]:
        """Every row of the statement pages the document's facts were extracted from."""
        pages = {(s.fact.statement, s.fact.page): s.fact.scale for s in self.knowledge.store.facts(document.doc_id)}
        rows: list[Fact] = []
        for (statement, page), scale in sorted(pages.items()):
            text = self.knowledge.store.page_text(document.doc_id, page)
            rows += page_rows(page, text or "", statement, document.period_year, scale)
        return rows

    def _line_item_draft(self, question: str, document: DocumentRecord, fact: Fact) -> Draft | None:
        found = fact_citation(_stored(document.doc_id, fact), self.knowledge.store)
        if found is None:
            return None
        evidence, citation = found
        scale = currency_scale(question)
        places = requested_places(question)
        if places is None:  # as printed when the question's scale is the page's or finer, else to cents of it
            places = 0 if SCALE_DIVISORS[scale] <= Fraction(str(fact.scale)) else 2
        value = format_value(Fraction(str(fact.value)) * Fraction(str(fact.scale)), "usd", scale, places)
        label = re.sub(r"\.{2,}.*$", "", " ".join(fact.label.split()))
        where_printed = _STATEMENT_NAMES[fact.statement]
        tool = ToolCall(name="statement_line_item",
                        arguments={"document": document.title, "row": label, "year": fact.year, "scale": scale},
                        output=value)
        tool_evidence = Evidence(id="tool:statement_line_item", kind="tool", source=tool.name,
                                 text=f"{label} FY{fact.year} = {value}")
        text = (f"{value} is the FY{fact.year} {label} of {document.company or document.title}, as printed on its own "
                f"row of the {where_printed} [1].")
        return Draft(text=text, evidence=[evidence, tool_evidence], citations=[citation], tool_calls=[tool],
                     tool_value=value, value=value)

    def _cash_flow_sections(self, question: str, where: SearchFilter | None) -> Draft | None:
        """Which of the operating, investing and financing sections had the highest (or lowest) net cash flow."""
        most = compared_sections(question)
        if most is None or _QUARTERLY.search(question):  # annual statements only: a quarter is not a fiscal year
            return None
        documents = self._scope_documents(question, where)
        year = _target_year(question, documents)
        tool = ToolCall(name="cash_flow_sections", arguments={"year": year, "asks": "highest" if most else "lowest"},
                        error=f"the operating, investing and financing totals for FY{year} are not in the statements")
        if year is None:
            return Draft(text="", tool_calls=[tool])
        for document in _by_relevance(documents, year):
            facts = self._facts(document)
            found = {name: facts[key, year] for name, key in CASH_FLOW_SECTIONS.items() if (key, year) in facts}
            if len(found) == len(CASH_FLOW_SECTIONS):
                tool.error = None
                return self._sections_draft(question, document, found, most, tool)
        return Draft(text="", tool_calls=[tool])

    def _sections_draft(self, question: str, document: DocumentRecord, found: dict[str, Fact], most: bool,
                        tool: ToolCall) -> Draft:
        amounts = {name: Fraction(str(f.value)) * Fraction(str(f.scale)) for name, f in found.items()}
        chosen = (max if most else min)(amounts, key=lambda name: amounts[name])
        evidence, citations, index = self._cited_inputs(document, {(f.key, f.year): f for f in found.values()})
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

    def _stability(self, question: str, where: SearchFilter | None) -> Draft | None:
        """Whether a metric stayed within the yearly change a question allows, over the years the statements show."""
        threshold = stability_threshold(question)
        metric = find_metric(question) if threshold is not None else None
        if metric is None or threshold is None or _QUARTERLY.search(question):
            return None
        documents = self._scope_documents(question, where)
        years, _ = question_years(question)
        through = max(years) if years else None
        tool = ToolCall(name="metric_stability",
                        arguments={"metric": metric.name, "threshold": str(threshold), "through": through},
                        error="no filing of the company asked about")
        latest = through or max((d.period_year or 0 for d in documents), default=0)
        for document in _by_relevance(documents, latest):
            try:
                series = metric_series(metric, self._facts(document), through)
            except MissingLineItem as exc:
                tool.error = f"missing {exc}"
                continue
            tool.error = None
            return self._stability_draft(question, document, series, threshold, tool)
        return Draft(text="", tool_calls=[tool])

    def _stability_draft(self, question: str, document: DocumentRecord, series: Series, threshold: Fraction,
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
        evidence, citations, index = self._cited_inputs(document, series.inputs)
        verdict = "Yes" if largest < threshold else "No"
        name = series.metric.name.replace("_", " ")
        text = (f"{verdict}: the {name} of {document.company or document.title} was {values}; the yearly changes "
                f"were {moves}, against the {format_number(threshold, None)}% the question allows. "
                f"Formula: {series.metric.formula}. Inputs from the {document.title} statements: "
                f"{inputs_sentence(series.inputs, index)}.")
        return Draft(text=text, evidence=[*evidence, tool_evidence], citations=citations, tool_calls=[tool],
                     value=verdict)

    def _tool_draft(self, question: str, tool: ToolCall, result: str, template: str) -> Draft:
        evidence = Evidence(id=f"tool:{tool.name}", kind="tool", source=tool.name, text=f"{template} ({result})")
        phrased = model_phrasing(self.backend, question, template) if self.phrase_with_model else None
        return Draft(
            text=phrased.text.strip() if phrased else template,
            usage=phrased.usage if phrased else TokenUsage(),
            evidence=[evidence],
            tool_calls=[tool],
            tool_value=result,
            fallback=template,
            value=result,
        )

    def _calculation(self, question: str) -> Draft | None:
        expression = find_expression(question)
        if expression is None:
            return None
        places = requested_places(question)
        try:
            exact = calculate(expression)
        except CalculationError as exc:
            return Draft(
                text="", tool_calls=[ToolCall(name="calculator", arguments={"expression": expression}, error=str(exc))]
            )
        result = format_number(exact, 3 if places is None and not _is_whole(exact) else places)
        tool = ToolCall(name="calculator", arguments={"expression": expression, "places": places}, output=result)
        return self._tool_draft(question, tool, result, f"{expression} = {result}")

    def _date_arithmetic(self, question: str) -> Draft | None:
        found = date_question(question)
        if found is None:
            return None
        name, arguments, result = found
        tool = ToolCall(name=name, arguments=arguments, output=result)
        unit = " days" if name == "days_between" else ""
        return self._tool_draft(question, tool, result, f"The answer is {result}{unit}.")

    def _table(self, question: str, where: SearchFilter | None) -> Draft | None:
        allowed = {d.doc_id for d in self.knowledge.index.documents.values() if where is None or where.admits(d)}
        for doc_id, number, rows in self.knowledge.store.tables():
            if doc_id not in allowed:
                continue
            asked = table_question(question, rows)
            if asked is None:
                continue
            operation, column, condition = asked
            try:
                result = aggregate(rows, column, operation, condition)
            except TableError:
                continue
            value = format_number(result.value, requested_places(question) or 2)
            arguments = {
                "document": doc_id,
                "table": number,
                "column": column,
                "operation": operation,
                "where": list(condition) if condition else None,
            }
            tool = ToolCall(name="table_aggregate", arguments=arguments, output=value)
            scope = f" where {condition[0]} is {condition[1]}" if condition else ""
            template = f"The {operation} of {column}{scope} is {value} ({result.rows_used} rows)."
            return self._tool_draft(question, tool, value, template)
        return None

    def _retrieval(self, question: str, where: SearchFilter | None) -> Draft | None:
        if where is None:  # a shared knowledge base: search the filings of the company asked about
            company = wanted_company(question, sorted({d.company for d in self.knowledge.index.documents.values()
                                                       if d.company}))
            where = SearchFilter(company=company) if company else None
        hits = self.knowledge.search(question, k=5, where=where)
        lexical = [h for h in hits if h.lexical_rank is not None]
        if not lexical:
            return None
        evidence = [passage_evidence(h.passage, self.knowledge.store) for h in hits]
        needed = max(MIN_SHARED_WORDS, MIN_SHARED_FRACTION * len(_content_words(question)))
        chosen = [s for s in best_sentences(question, evidence) if _shared_words(question, s[1]) >= needed]
        if not chosen:
            return None
        citations = []
        parts = []
        for index, sentence, span in chosen:
            item = evidence[index]
            start = (item.span or (0, 0))[0] + span[0]
            citations.append(
                Citation(
                    evidence_id=item.id,
                    source=item.source,
                    page=item.page,
                    span=(start, start + len(sentence)),
                    quote=sentence,
                )
            )
            parts.append(f'"{_clean(sentence)}" [{len(citations)}]')
        text = "These passages look related: " + " ".join(parts)
        return Draft(text=text, evidence=evidence, citations=citations, answers=False)


_FISCAL = re.compile(r"\bfy|\bfiscal\b", re.I)


def _calendar_quarter(fact: Fact) -> bool:
    """Whether the quarter a fact's column covers ends in the calendar year its fiscal year is named by."""
    return period_end_year(fact.period) == fact.year


def _by_relevance(documents: list[DocumentRecord], target: int) -> list[DocumentRecord]:
    """The filing for the year asked first, then later filings (whose statements repeat the year), annual
    reports before others."""
    return sorted(
        documents,
        key=lambda d: (
            d.period_year is None or d.period_year < target,
            abs((d.period_year or 0) - target),
            "10k" not in str(d.metadata.get("doc_type", "10k")).lower(),
        ),
    )


def _target_year(question: str, documents: list[DocumentRecord]) -> int | None:
    """The fiscal year a question asks about: the latest it names, else the year of its only filing."""
    years, _ = question_years(question)
    if years:
        return max(years)
    return documents[0].period_year if len(documents) == 1 else None


def _polar_answer(question: str, result: MetricResult) -> str | None:
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


def _clean(sentence: str) -> str:
    return " ".join(sentence.split()).rstrip(".") + "."


def _content_words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{4,}", text.lower())) - STOPWORDS


def _shared_words(question: str, sentence: str) -> int:
    return len(_content_words(question) & _content_words(sentence))


def _is_whole(value: object) -> bool:
    return getattr(value, "denominator", None) == 1


def _stored(doc_id: str, fact: Fact) -> StoredFact:
    return StoredFact(doc_id, fact)


def _arguments(parsed: FinancialQuestion) -> dict[str, object]:
    return {
        "metric": parsed.metric.name,
        "aggregation": parsed.aggregation,
        "years": list(parsed.years),
        "scale": parsed.scale,
        "places": parsed.places,
    }


def _abstain(
    evidence: list[Evidence],
    reason: str,
    verification: Verification | None = None,
    tool_calls: list[ToolCall] | None = None,
    related: tuple[str, list[Citation]] | None = None,
) -> Answer:
    """The "I will not guess" answer with a hand-off offer; `related` adds quoted passages (text, citations)
    that a person may read, cited but not claimed as the answer."""
    checks = (verification.checks if verification else []) + [
        Check(claim="answer", kind="abstention", supported=False, note=reason)
    ]
    return Answer(
        text=ABSTAIN_TEXT if related is None else f"{ABSTAIN_TEXT}\n\n{related[0]}",
        citations=related[1] if related else [],
        abstained=True,
        evidence=evidence,
        tool_calls=tool_calls or [],
        verification=Verification(status="abstained", checks=checks),
        state={"handoff": "human"},
    )


class GroundedOptions(KindOptions):
    knowledge_dir: str | None = None  # default: data_dir/knowledge/<assistant>
    phrase_with_model: bool = True  # let the base model phrase verified drafts (templates otherwise)


def knowledge_directory(name: str, config: AssistantConfig, context: AssistantContext) -> Path:
    configured = GroundedOptions.of(config).knowledge_dir
    return Path(configured) if configured else context.settings.data_dir / "knowledge" / name


@assistant_kind("grounded", options=GroundedOptions)
def build_grounded(name: str, config: AssistantConfig, context: AssistantContext) -> GroundedAssistant:
    try:
        backend: BaseModelBackend | None = context.backends.get(config.base_model)
    except BackendUnavailable:
        backend = None  # answers are still grounded; only the phrasing falls back to templates
    knowledge = KnowledgeBase(knowledge_directory(name, config, context))
    return GroundedAssistant(
        name, config, knowledge, backend, phrase_with_model=GroundedOptions.of(config).phrase_with_model
    )


__all__ = ["GroundedAssistant", "build_grounded", "knowledge_directory", "question_years"]
