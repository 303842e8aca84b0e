"""Ingestion of real (tiny, generated) files: formats, page numbers, metadata, idempotency, bad files."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.search import SearchFilter

BOILERPLATE = ("Forward-looking statements in this report involve risks and uncertainties that could cause actual "
               "results to differ materially from those expressed, including competition, regulation and demand.")


@pytest.fixture
def files(tmp_path: Path, pdf_factory) -> dict[str, Path]:
    pdf = pdf_factory("annual.pdf", [
        ["Acme Corp Annual Report", "For the fiscal year ended December 31, 2023", BOILERPLATE],
        ["Revenue grew to 1,250 million dollars in 2023.", "Our headquarters moved to Springfield."],
    ])
    word = tmp_path / "policy.docx"
    document = docx.Document()
    document.core_properties.title = "Travel policy"
    document.add_paragraph("Employees may book economy class for flights under six hours.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Grade", "Daily allowance"
    table.cell(1, 0).text, table.cell(1, 1).text = "Manager", "120"
    document.save(str(word))
    html = tmp_path / "faq.html"
    html.write_text("<html><head><title>FAQ</title><script>var x=1;</script></head><body><h1>Returns</h1>"
                    "<p>Returns are accepted within 30 days of delivery.</p>"
                    "<a href='https://example.com/returns'>policy</a></body></html>", encoding="utf-8")
    markdown = tmp_path / "notes.md"
    markdown.write_text(f"# Notes\n\n{BOILERPLATE}\n\nThe warehouse opens at 7am.\n", encoding="utf-8")
    # the same notes re-saved with other spacing and one word more: a near-duplicate, not the same file
    copy = tmp_path / "notes-copy.md"
    copy.write_text(f"# Notes\n\n{BOILERPLATE.upper()}\n\nThe  warehouse opens at 7am daily.\n", encoding="utf-8")
    table_file = tmp_path / "sales.csv"
    table_file.write_text("region,amount\nNorth,100\nSouth,250\nNorth,50\n", encoding="utf-8")
    return {"pdf": pdf, "docx": word, "html": html, "md": markdown, "copy": copy, "csv": table_file}


def test_every_format_is_ingested_with_pages_and_metadata(tmp_path: Path, files: dict[str, Path]) -> None:
    knowledge = KnowledgeBase(tmp_path / "kb")
    report = knowledge.ingest([tmp_path])
    assert sorted(report.added) == sorted(p.name for p in files.values())
    assert report.duplicates == 1  # notes-copy.md is recorded as a document, its passage is not stored again
    assert report.failed == []
    documents = {Path(d.source).name: d for d in knowledge.store.documents()}
    assert documents["annual.pdf"].pages == 2
    assert documents["annual.pdf"].period_year == 2023
    assert documents["annual.pdf"].metadata["period_end"] == "December 31, 2023"
    assert documents["policy.docx"].title == "Travel policy"
    assert documents["faq.html"].title == "FAQ"
    assert "https://example.com/returns" in documents["faq.html"].metadata["links"]
    page_two = [p for p in knowledge.store.passages() if p.doc_id == documents["annual.pdf"].doc_id and p.page == 2]
    assert page_two and "Springfield" in page_two[0].text
    assert "var x" not in " ".join(p.text for p in knowledge.store.passages())
    assert knowledge.store.tables(documents["sales.csv"].doc_id)[0][2][1] == ["North", "100"]


def test_reingesting_is_idempotent_and_near_duplicates_are_stored_once(tmp_path: Path, files: dict[str, Path]) -> None:
    knowledge = KnowledgeBase(tmp_path / "kb")
    first = knowledge.ingest(files.values())
    passages = len(knowledge.store.passages())
    second = knowledge.ingest(files.values())
    assert second.added == [] and sorted(second.unchanged) == sorted(first.added)
    assert len(knowledge.store.passages()) == passages
    copy_id = next(d.doc_id for d in knowledge.store.documents() if d.source.endswith("notes-copy.md"))
    assert first.duplicates == 1
    assert not [p for p in knowledge.store.passages() if p.doc_id == copy_id]


def test_bad_files_are_reported_by_name_and_nothing_indexed_is_lost(tmp_path: Path, files: dict[str, Path],
                                                                   pdf_factory) -> None:
    knowledge = KnowledgeBase(tmp_path / "kb")
    knowledge.ingest([files["md"]])
    before = len(knowledge.store.passages())
    corrupt = tmp_path / "broken.pdf"
    corrupt.write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    locked = pdf_factory("locked.pdf", [["secret numbers"]], encrypted=True)
    report = knowledge.ingest([corrupt, locked, files["html"]])
    failed = dict(report.failed)
    assert set(failed) == {"broken.pdf", "locked.pdf"}
    assert "password" in failed["locked.pdf"]
    assert report.added == ["faq.html"]
    assert len(knowledge.store.passages()) > before


def test_hybrid_search_ranks_and_filters_by_document(tmp_path: Path, files: dict[str, Path]) -> None:
    knowledge = KnowledgeBase(tmp_path / "kb")
    knowledge.ingest(files.values())
    hits = knowledge.search("how long do I have to return an item", k=3)
    assert hits and "Returns are accepted" in hits[0].passage.text
    pdf_id = next(d.doc_id for d in knowledge.store.documents() if d.source.endswith("annual.pdf"))
    filtered = knowledge.search("returns accepted within days", k=3, where=SearchFilter(doc_ids=frozenset([pdf_id])))
    assert filtered and all(h.passage.doc_id == pdf_id for h in filtered)
