"""Compose answers: evidence and citations from passages and facts, values formatted with explicit unit and
scale, deterministic answer templates, the small model's phrasing of them, and the abstention message."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from luodi.contracts import Citation, Evidence, Generation, GenerationRequest, Message
from luodi.knowledge.store import KnowledgeStore, Passage, StoredFact
from luodi.models.base import BackendUnavailable, BaseModelBackend
from luodi.packs.filings.metrics import MetricResult
from luodi.packs.filings.periods import period_code
from luodi.packs.filings.statements import ANNUAL, Fact
from luodi.tools.calculator import format_number

ABSTAIN_TEXT = (
    "I could not find this in the knowledge base, so I will not guess. "
    "Would you like me to hand this question to a human colleague?"
)
SCALE_DIVISORS = {"thousands": Fraction(10**3), "millions": Fraction(10**6), "billions": Fraction(10**9)}


def format_value(value: Fraction, unit: str, scale: str, places: int) -> str:
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


def passage_evidence(passage: Passage, store: KnowledgeStore) -> Evidence:
    document = store.document(passage.doc_id)
    return Evidence(
        id=passage.passage_id,
        kind="passage",
        text=passage.text,
        source=document.title if document else passage.doc_id,
        page=passage.page,
        span=(passage.start, passage.end),
        metadata={"doc_id": passage.doc_id, "path": document.source if document else "",
                  "company": document.company if document else ""},
    )


def fact_citation(stored: StoredFact, store: KnowledgeStore) -> tuple[Evidence, Citation] | None:
    """The passage holding a statement row, and a citation of exactly that row (page and character span)."""
    fact = stored.fact
    passage = store.passage_at(stored.doc_id, fact.page, fact.start)
    page_text = store.page_text(stored.doc_id, fact.page)
    if page_text is None:
        return None
    if passage is None:  # the row's passage was a near-duplicate stored once elsewhere: cite the page itself
        passage = Passage(f"{stored.doc_id}:{fact.page}:page", stored.doc_id, fact.page, 0, len(page_text), page_text)
    evidence = passage_evidence(passage, store)
    citation = Citation(evidence_id=evidence.id, source=evidence.source, page=fact.page,
                        span=(fact.start, fact.end), quote=page_text[fact.start:fact.end])
    return evidence, citation


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


def inputs_sentence(inputs: dict[tuple[str, int], Fact], citation_index: dict[tuple[str, int], int]) -> str:
    parts = []
    for (key, year), fact in sorted(inputs.items(), key=lambda item: (item[0][0], -item[0][1])):
        marker = f" [{citation_index[(key, year)]}]" if (key, year) in citation_index else ""
        amount = format_number(Fraction(str(fact.value)), None)
        scale = {1e3: " thousand", 1e6: " million", 1e9: " billion"}.get(fact.scale, "")
        label = re.sub(r"\.{2,}.*$", "", " ".join(fact.label.split()))  # dot leaders
        parts.append(f"{label} {period_name(year, fact.period)}: {amount}{scale}{marker}")
    return "; ".join(parts)


def model_phrasing(backend: BaseModelBackend | None, question: str, facts: str,
                   max_tokens: int = 80) -> Generation | None:
    """The small model restates verified facts as an answer; its draft is verified like any other."""
    if backend is None:
        return None
    request = GenerationRequest(
        messages=[
            Message(role="system", content="Answer in one sentence using only the facts given. Copy numbers exactly."),
            Message(role="user", content=f"Facts: {facts}\nQuestion: {question}\nAnswer:"),
        ],
        max_tokens=max_tokens,
        temperature=0.0,
    )
    try:
        generation = backend.generate(request)
    except BackendUnavailable:
        return None
    return generation if generation.text.strip() else None


def best_sentences(question: str, passages: list[Evidence], limit: int = 2) -> list[tuple[int, str, tuple[int, int]]]:
    """Sentences of the retrieved passages that share the most content words with the question."""
    words = set(re.findall(r"[a-z]{4,}", question.lower())) - STOPWORDS
    scored = []
    for index, item in enumerate(passages):
        for match in re.finditer(r"[^.\n]{20,400}[.\n]", item.text):
            sentence = match.group(0).strip()
            overlap = len(words & set(re.findall(r"[a-z]{4,}", sentence.lower())))
            if overlap:
                scored.append((overlap, -index, index, sentence, match.span()))
    scored.sort(reverse=True)
    return [(index, sentence, span) for _, _, index, sentence, span in scored[:limit]]


STOPWORDS = {
    "what", "which", "were", "there", "that", "this", "with", "from", "have", "does", "their", "about", "during",
    "company", "companies", "year", "fiscal", "please", "answer", "question", "based", "report", "reported",
    "when", "into", "much", "many", "than", "they", "them", "these", "those", "also", "only", "shown", "using",
}
