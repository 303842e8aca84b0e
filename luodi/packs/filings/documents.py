"""Which filings a question is about, and what the filings skills read from them: the facts of one kind of
period, every row of the statement pages, and the cited passage of each row a computation used."""

from __future__ import annotations

from luodi.contracts import Citation, Evidence
from luodi.grounding.compose import passage_evidence
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import ANNUAL, Fact
from luodi.knowledge.search import SearchFilter
from luodi.knowledge.store import DocumentRecord, KnowledgeStore, Passage, StoredFact
from luodi.packs.filings.periods import period_code, period_end_year
from luodi.packs.filings.question import question_years, wanted_company
from luodi.packs.filings.statements import page_rows

FactsByItem = dict[tuple[str, int], Fact]  # (line item, fiscal year) -> fact


def scope_documents(question: str, knowledge: KnowledgeBase, where: SearchFilter | None) -> list[DocumentRecord]:
    """The documents the caller named, else the filings of the company the question names (none if it names
    none the knowledge base holds)."""
    documents = [d for d in knowledge.index.documents.values() if where is None or where.admits(d)]
    if where is not None and where.doc_ids is not None:
        return documents
    company = wanted_company(question, sorted({d.company for d in documents if d.company}))
    return [d for d in documents if company and d.company == company]


def company_filter(question: str, knowledge: KnowledgeBase) -> SearchFilter | None:
    """For a shared knowledge base: search the filings of the company the question names."""
    company = wanted_company(question, sorted({d.company for d in knowledge.index.documents.values() if d.company}))
    return SearchFilter(company=company) if company else None


def period_facts(knowledge: KnowledgeBase, document: DocumentRecord, period: str = ANNUAL) -> FactsByItem:
    """The document's facts of one kind of period: annual ones never mix with a quarter's."""
    return {(s.fact.key, s.fact.year): s.fact for s in knowledge.store.facts(document.doc_id)
            if period_code(s.fact.period) == period}


def statement_rows(knowledge: KnowledgeBase, document: DocumentRecord) -> list[Fact]:
    """Every row of the statement pages the document's facts were extracted from."""
    pages = {(s.fact.statement, s.fact.page): s.fact.scale for s in knowledge.store.facts(document.doc_id)}
    rows: list[Fact] = []
    for (statement, page), scale in sorted(pages.items()):
        text = knowledge.store.page_text(document.doc_id, page)
        rows += page_rows(page, text or "", statement, document.period_year, scale)
    return rows


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


def cited_inputs(knowledge: KnowledgeBase, document: DocumentRecord, inputs: FactsByItem
                 ) -> tuple[list[Evidence], list[Citation], dict[tuple[str, int], int]]:
    """The passages holding the statement rows a computation read, a citation of each row, and the
    citation number of each (line item, year)."""
    evidence: dict[str, Evidence] = {}
    citations: list[Citation] = []
    index: dict[tuple[str, int], int] = {}
    for key_year, fact in sorted(inputs.items()):
        found = fact_citation(StoredFact(document.doc_id, fact), knowledge.store)
        if found is None:
            continue
        item, citation = found
        evidence[item.id] = item
        citations.append(citation)
        index[key_year] = len(citations)
    return list(evidence.values()), citations, index


def by_relevance(documents: list[DocumentRecord], target: int) -> list[DocumentRecord]:
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


def target_year(question: str, documents: list[DocumentRecord]) -> int | None:
    """The fiscal year a question asks about: the latest it names, else the year of its only filing."""
    years, _ = question_years(question)
    if years:
        return max(years)
    return documents[0].period_year if len(documents) == 1 else None


def calendar_quarter(fact: Fact) -> bool:
    """Whether the quarter a fact's column covers ends in the calendar year its fiscal year is named by."""
    return period_end_year(fact.period) == fact.year
