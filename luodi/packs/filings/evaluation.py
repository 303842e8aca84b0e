"""FinanceBench: ingest the filings, answer each question through the grounded assistant, score.

The assistant is the `filings` one built as `luodi serve` builds it (`assistant.filings_assistant`): the same
skills, in the same order, over a knowledge base running the same extractors.

single: only the question's own filing is searched; shared: every filing in one knowledge base (the
company and period are then found from the question). One knowledge base serves both modes: "single" is
a document filter, so filings are ingested (and embedded) once and cached.

Scoring: a gold answer that is a number ("$1577.00", "65.4%", "0.66") is compared with the answer's
value, relative tolerance 1% after unit normalisation; other answers are flagged for human review.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from luodi.assistants.grounded import GroundedAssistant
from luodi.config import Settings
from luodi.contracts import Answer
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.search import SearchFilter
from luodi.packs.filings.assistant import ASSISTANT, filings_assistant

Mode = Literal["single", "shared"]
RELATIVE_TOLERANCE = 0.01
_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
_NUMERIC_GOLD = re.compile(r"^\s*-?\$?\s?-?[\d,]*\.?\d+\s*(%|(?:thousand|million|billion)s?)?\s*\.?\s*$", re.I)
_FIRST_NUMBER = re.compile(r"(-?)\$?\s?(\d[\d,]*(?:\.\d+)?)\s*(%|thousand|million|billion)?", re.I)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def parse_amount(text: str) -> tuple[float, float] | None:
    """(number, scale multiplier) of the first number in a text that is not a fiscal year."""
    for match in _FIRST_NUMBER.finditer(text):
        digits = match.group(2).replace(",", "")
        if re.fullmatch(r"(?:19|20)\d\d", digits) and not match.group(3):
            continue
        value = float(digits) * (-1 if match.group(1) else 1)
        return value, _SCALES.get((match.group(3) or "").lower().rstrip("s"), 1.0)
    return None


def is_numeric_gold(answer: str) -> bool:
    return bool(_NUMERIC_GOLD.match(answer))


def numbers_agree(gold: str, ours: str) -> bool:
    expected, found = parse_amount(gold), parse_amount(ours)
    if expected is None or found is None:
        return False
    (gold_value, gold_scale), (our_value, our_scale) = expected, found
    if gold_scale != 1.0 and our_scale != 1.0:  # both say their scale: compare absolute amounts
        gold_value, our_value = gold_value * gold_scale, our_value * our_scale
    if gold_value == 0:
        return our_value == 0
    return abs(our_value - gold_value) <= RELATIVE_TOLERANCE * abs(gold_value)


@dataclass
class Tally:
    answered: int = 0
    correct: int = 0
    incorrect: int = 0
    abstained: int = 0
    review: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, grade: str, seconds: float) -> None:
        setattr(self, grade, getattr(self, grade) + 1)
        if grade != "abstained":
            self.answered += 1
        self.latencies.append(seconds)

    def summary(self, total: int) -> str:
        def pct(n: int) -> str:
            return f"{n} ({100 * n / total:.0f}%)" if total else str(n)

        p50 = statistics.median(self.latencies) if self.latencies else 0.0
        return (f"questions {total}  answered {pct(self.answered)}  correct {pct(self.correct)}  "
                f"incorrect {pct(self.incorrect)}  abstained {pct(self.abstained)}  "
                f"needs review {pct(self.review)}  p50 {p50:.2f}s")


def grade(gold: str, answer: Answer) -> str:
    if answer.abstained:
        return "abstained"
    if not is_numeric_gold(gold):
        return "review"
    ours = str((answer.state or {}).get("value") or answer.text)
    return "correct" if numbers_agree(gold, ours) else "incorrect"


def document_metadata(documents: list[dict[str, Any]]) -> Callable[[Path], dict[str, Any]]:
    by_name = {d["doc_name"]: d for d in documents}

    def metadata_for(path: Path) -> dict[str, Any]:
        document = by_name.get(path.stem, {})
        return {"title": path.stem, "company": document.get("company", ""), "doc_name": path.stem,
                "period_year": document.get("doc_period"), "doc_type": document.get("doc_type", "")}

    return metadata_for


def pdfs_to_ingest(questions: list[dict[str, Any]], pdfs: Path, mode: Mode) -> list[Path]:
    if mode == "shared":
        return sorted(pdfs.glob("*.pdf"))
    names = sorted({q["doc_name"] for q in questions})
    return [pdfs / f"{name}.pdf" for name in names if (pdfs / f"{name}.pdf").exists()]


def evaluated_assistant(settings: Settings, knowledge_dir: Path, model: str, name: str = ASSISTANT
                        ) -> GroundedAssistant:
    """The assistant FinanceBench questions go to: `name` as served, over the knowledge base at `knowledge_dir`."""
    return filings_assistant(settings, knowledge_dir, model, name)


def run(assistant: GroundedAssistant, questions: list[dict[str, Any]], mode: Mode, out: Path,
        on_answer: Callable[[dict[str, Any], str], None] | None = None) -> Tally:
    knowledge: KnowledgeBase = assistant.knowledge
    by_name = {str(d.metadata.get("doc_name") or Path(d.source).stem): d.doc_id for d in knowledge.store.documents()}
    tally = Tally()
    with out.open("w", encoding="utf-8") as handle:
        for question in questions:
            where = None
            if mode == "single":
                doc_id = by_name.get(question["doc_name"])
                where = SearchFilter(doc_ids=frozenset([doc_id] if doc_id else []))
            started = time.perf_counter()
            answer = assistant.answer(question["question"], where)
            seconds = time.perf_counter() - started
            verdict = grade(str(question.get("answer", "")), answer)
            tally.add(verdict, seconds)
            record = {
                "financebench_id": question["financebench_id"],
                "answer": answer.text,
                "value": (answer.state or {}).get("value"),
                "abstained": answer.abstained,
                "citations": [c.model_dump() for c in answer.citations],
                "verification": answer.verification.model_dump(),
                "tool_calls": [t.model_dump() for t in answer.tool_calls],
                "grade": verdict,
                "seconds": round(seconds, 3),
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            if on_answer:
                on_answer(question, verdict)
    return tally
