"""Compose answers: evidence from passages, the small model's phrasing of deterministic templates, the sentences
of passages that match a question, and the abstention message."""

from __future__ import annotations

import re

from luodi.contracts import Evidence, Generation, GenerationRequest, Message
from luodi.knowledge.store import KnowledgeStore, Passage
from luodi.models.base import BackendUnavailable, BaseModelBackend

ABSTAIN_TEXT = (
    "I could not find this in the knowledge base, so I will not guess. "
    "Would you like me to hand this question to a human colleague?"
)


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
