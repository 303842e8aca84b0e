"""The generic skills (see `skills.py` for the contract): arithmetic, date arithmetic, table aggregates and passage
retrieval. A grounded assistant that configures no skills uses them, in the order of `DEFAULT_SKILLS`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from luodi.contracts import Citation, Evidence, TokenUsage, ToolCall
from luodi.grounding.compose import STOPWORDS, best_sentences, model_phrasing, passage_evidence
from luodi.grounding.skills import Draft, Scope
from luodi.knowledge.search import SearchFilter
from luodi.tools.calculator import CalculationError, calculate, find_expression, format_number, requested_places
from luodi.tools.dates import date_question
from luodi.tools.tables import TableError, aggregate, table_question

if TYPE_CHECKING:
    from luodi.knowledge.base import KnowledgeBase

MIN_SHARED_WORDS = 3
MIN_SHARED_FRACTION = 0.5

# which documents a question is about when the caller did not say: (question, knowledge) -> filter or None
Narrowing = Callable[[str, "KnowledgeBase"], SearchFilter | None]


def tool_draft(question: str, scope: Scope, tool: ToolCall, result: str, template: str) -> Draft:
    """A tool's result as a template, phrased by the base model when the scope has one (the template stays the
    fallback should the phrasing fail verification)."""
    evidence = Evidence(id=f"tool:{tool.name}", kind="tool", source=tool.name, text=f"{template} ({result})")
    phrased = model_phrasing(scope.phraser, question, template)
    return Draft(
        text=phrased.text.strip() if phrased else template,
        usage=phrased.usage if phrased else TokenUsage(),
        evidence=[evidence],
        tool_calls=[tool],
        tool_value=result,
        fallback=template,
        value=result,
    )


@dataclass(frozen=True)
class Calculation:
    """An arithmetic expression in the question, computed exactly ("What is sqrt(143)? 3 decimal places")."""

    name: str = "calculation"

    def draft(self, question: str, scope: Scope) -> Draft | None:
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
        return tool_draft(question, scope, tool, result, f"{expression} = {result}")


@dataclass(frozen=True)
class DateArithmetic:
    """Days between two dates, or a date some days from another."""

    name: str = "date_arithmetic"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        found = date_question(question)
        if found is None:
            return None
        name, arguments, result = found
        tool = ToolCall(name=name, arguments=arguments, output=result)
        unit = " days" if name == "days_between" else ""
        return tool_draft(question, scope, tool, result, f"The answer is {result}{unit}.")


@dataclass(frozen=True)
class TableAggregate:
    """A sum, average, count, minimum or maximum of a column of a table the knowledge base holds."""

    name: str = "table_aggregate"

    def draft(self, question: str, scope: Scope) -> Draft | None:
        where = scope.where
        allowed = {d.doc_id for d in scope.knowledge.index.documents.values() if where is None or where.admits(d)}
        for doc_id, number, rows in scope.knowledge.store.tables():
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
            condition_text = f" where {condition[0]} is {condition[1]}" if condition else ""
            template = f"The {operation} of {column}{condition_text} is {value} ({result.rows_used} rows)."
            return tool_draft(question, scope, tool, value, template)
        return None


@dataclass(frozen=True)
class PassageRetrieval:
    """The sentences of the passages found that share most words with the question, quoted and cited. They are
    offered beside an abstention, never as the answer: nothing checked that they answer it. `narrow` picks the
    documents to search when the caller did not (a pack's reading of which company a question is about)."""

    name: str = "passages"
    narrow: Narrowing | None = None

    def draft(self, question: str, scope: Scope) -> Draft | None:
        where = scope.where
        if where is None and self.narrow is not None:
            where = self.narrow(question, scope.knowledge)
        hits = scope.knowledge.search(question, k=5, where=where)
        if not any(h.lexical_rank is not None for h in hits):
            return None
        evidence = [passage_evidence(h.passage, scope.knowledge.store) for h in hits]
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


GENERIC_SKILLS = (Calculation(), DateArithmetic(), TableAggregate(), PassageRetrieval())
DEFAULT_SKILLS = tuple(skill.name for skill in GENERIC_SKILLS)


def _clean(sentence: str) -> str:
    return " ".join(sentence.split()).rstrip(".") + "."


def _content_words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]{4,}", text.lower())) - STOPWORDS


def _shared_words(question: str, sentence: str) -> int:
    return len(_content_words(question) & _content_words(sentence))


def _is_whole(value: object) -> bool:
    return getattr(value, "denominator", None) == 1
