"""FinanceBench scoring and the eval loop on one real filing (an excerpt of its statement pages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from luodi.config import load_settings, shared_data_dir
from luodi.packs.filings.assistant import filings_assistant
from luodi.packs.filings.evaluation import document_metadata, is_numeric_gold, numbers_agree, run

PDFS = shared_data_dir() / "financebench" / "pdfs"


def test_numeric_scoring_normalises_units_with_one_percent_tolerance() -> None:
    assert is_numeric_gold("$1577.00") and is_numeric_gold("65.4%") and is_numeric_gold("-3.7")
    assert not is_numeric_gold("Yes, the margins have been consistent")
    assert numbers_agree("$1577.00", "USD 1,577.00 million")
    assert numbers_agree("$8.70", "USD 8.74 billion")  # within 1%
    assert not numbers_agree("$8.70", "USD 8.90 billion")
    assert numbers_agree("$1.577 billion", "USD 1,577 million")  # both state a scale: compared absolutely
    assert not numbers_agree("0.66", "The FY2015 ratio")  # a fiscal year is not an answer


def test_eval_writes_one_graded_line_per_question(tmp_path: Path) -> None:
    filing = PDFS / "3M_2018_10K.pdf"
    if not filing.exists():
        pytest.skip("FinanceBench filings not present")
    import pypdfium2 as pdfium

    source, excerpt = pdfium.PdfDocument(str(filing)), pdfium.PdfDocument.new()
    excerpt.import_pages(source, [55, 57, 59])
    excerpt.save(str(tmp_path / "3M_2018_10K.pdf"))
    assistant = filings_assistant(load_settings(), tmp_path / "kb", model="none")
    knowledge = assistant.knowledge
    catalogue = [{"doc_name": "3M_2018_10K", "company": "3M", "doc_period": 2018, "doc_type": "10k"}]
    knowledge.ingest([tmp_path / "3M_2018_10K.pdf"], document_metadata(catalogue))
    questions = [
        {"financebench_id": "a", "doc_name": "3M_2018_10K", "answer": "$1577.00",
         "question": "What is the FY2018 capital expenditure amount (in USD millions) for 3M?"},
        {"financebench_id": "b", "doc_name": "3M_2018_10K", "answer": "$9.00",
         "question": "What is the year end FY2018 net PPNE for 3M? Answer in USD billions."},
        {"financebench_id": "c", "doc_name": "3M_2018_10K", "answer": "Mostly in Asia",
         "question": "Where did 3M open new factories in 2018?"},
    ]
    tally = run(assistant, questions, "single", tmp_path / "answers.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "answers.jsonl").read_text().splitlines()]
    assert [line["grade"] for line in lines] == ["correct", "incorrect", "abstained"]  # 8.74 vs a wrong gold 9.00
    assert set(lines[0]) >= {"financebench_id", "answer", "abstained", "citations", "verification"}
    assert (tally.correct, tally.incorrect, tally.abstained) == (1, 1, 1)
