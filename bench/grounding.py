"""Grounding benchmark: the same base model on the FinanceBench dev questions (single-filing scope),
(a) plainly, (b) with naive RAG (top-k passages pasted, no tools, no verifier), (c) through Luodi's grounded
assistant; correct / incorrect / abstained / needs-review and p50 latency side by side, plus ingestion
speed (pages/s) on a fresh knowledge base.

    nice -n 10 python bench/grounding.py --questions ../shared/data/financebench/questions_dev.jsonl \
        --pdfs ../shared/data/financebench/pdfs [--limit 20] [--model smollm2-135m]

The knowledge base is the cached one `luodi eval financebench` builds (ingested on demand).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from luodi.config import load_settings  # noqa: E402
from luodi.contracts import Answer, GenerationRequest, Message  # noqa: E402
from luodi.knowledge.base import KnowledgeBase  # noqa: E402
from luodi.knowledge.search import SearchFilter  # noqa: E402
from luodi.models.base import BaseModelBackend  # noqa: E402
from luodi.models.registry import BackendRegistry  # noqa: E402
from luodi.packs.filings.assistant import filings_assistant  # noqa: E402
from luodi.packs.filings.cli import DEFAULT_FINANCEBENCH_KB  # noqa: E402
from luodi.packs.filings.evaluation import Tally, document_metadata, grade, load_jsonl, pdfs_to_ingest  # noqa: E402

PROMPT_PASSAGE_CHARS = 1200  # three of these plus the question fit SmolLM2's 2048-token context


def plain(backend: BaseModelBackend, question: str) -> Answer:
    reply = backend.generate(GenerationRequest(
        messages=[Message(role="user", content=question)], max_tokens=64, temperature=0.0))
    return Answer(text=reply.text)


def naive_rag(backend: BaseModelBackend, knowledge: KnowledgeBase, question: str, where: SearchFilter) -> Answer:
    hits = knowledge.search(question, k=3, where=where)
    context = "\n\n".join(h.passage.text[:PROMPT_PASSAGE_CHARS] for h in hits)
    reply = backend.generate(GenerationRequest(
        messages=[Message(role="system", content="Answer the question from the context."),
                  Message(role="user", content=f"Context:\n{context}\n\nQuestion: {question}")],
        max_tokens=64, temperature=0.0))
    return Answer(text=reply.text)


def ingestion_speed(pdf: Path, like: KnowledgeBase) -> tuple[int, float]:
    """Pages and pages/s of ingesting `pdf` into a fresh knowledge base running the extractors `like` runs."""
    with tempfile.TemporaryDirectory() as folder:
        report = KnowledgeBase(Path(folder), like.extractors).ingest([pdf])
    return report.pages, report.pages_per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--pdfs", type=Path, required=True)
    parser.add_argument("--kb", type=Path, default=DEFAULT_FINANCEBENCH_KB)
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--speed-sample", default="3M_2018_10K.pdf", help="filing timed for ingestion speed")
    args = parser.parse_args()

    questions = load_jsonl(args.questions)[: args.limit or None]
    settings = load_settings()
    grounded = filings_assistant(settings, args.kb, args.model)  # as `luodi serve` builds it
    knowledge = grounded.knowledge
    knowledge.ingest(pdfs_to_ingest(questions, args.pdfs, "single"),
                     document_metadata(load_jsonl(args.questions.with_name("documents.jsonl"))))
    by_name = {str(d.metadata.get("doc_name")): d.doc_id for d in knowledge.store.documents()}
    backend = grounded.backend or BackendRegistry(settings).get(args.model)  # the latter says why it is missing

    tallies = {"plain": Tally(), "naive RAG": Tally(), "Luodi": Tally()}
    for number, question in enumerate(questions, start=1):
        where = SearchFilter(doc_ids=frozenset([by_name.get(question["doc_name"], "")]))
        systems: dict[str, Callable[[], Answer]] = {
            "plain": partial(plain, backend, question["question"]),
            "naive RAG": partial(naive_rag, backend, knowledge, question["question"], where),
            "Luodi": partial(grounded.answer, question["question"], where),
        }
        for name, system in systems.items():
            started = time.perf_counter()
            answer = system()
            tallies[name].add(grade(str(question["answer"]), answer), time.perf_counter() - started)
        print(f"{number}/{len(questions)}", flush=True)

    print(f"\nFinanceBench dev, single-filing scope, base model {args.model}, {len(questions)} questions")
    print(f"{'system':<10} {'answered':>8} {'correct':>8} {'incorrect':>9} {'abstained':>9} {'review':>7} {'p50 s':>7}")
    for name, tally in tallies.items():
        p50 = statistics.median(tally.latencies) if tally.latencies else 0.0
        print(f"{name:<10} {tally.answered:>8} {tally.correct:>8} {tally.incorrect:>9} {tally.abstained:>9} "
              f"{tally.review:>7} {p50:>7.2f}")
    pages, speed = ingestion_speed(args.pdfs / args.speed_sample, knowledge)
    print(f"\ningestion: {args.speed_sample}, {pages} pages, {speed:.1f} pages/s (parse, dedup, embed, extract)")


if __name__ == "__main__":
    main()
