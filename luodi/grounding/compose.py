"""Compose answers: evidence and citations from passages and facts, values formatted with explicit unit and
scale, the small model's phrasing of deterministic templates, and the abstention message."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from luodi.contracts import Citation, Evidence, Generation, GenerationRequest, Message
from luodi.knowledge.store import KnowledgeStore, Passage, StoredFact
from luodi.models.base import BackendUnavailable, BaseModelBackend
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
