"""Financial statements extracted from real 10-K pages (3M FY2018: income statement, balance sheet, cash flows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.knowledge.financial.statements import classify_page, extract_statement_facts, parse_rows

FILING = Path(__file__).resolve().parents[3] / "shared" / "data" / "financebench" / "pdfs" / "3M_2018_10K.pdf"


@pytest.fixture(scope="module")
def pages() -> list[str]:
    if not FILING.exists():
        pytest.skip("FinanceBench filings not present")
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(FILING))
    # the table of contents (p3) names every statement too; it must not be taken for one
    texts = [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in (2, 55, 57, 59)]
    pdf.close()
    return texts


def test_statement_pages_are_recognised_by_title(pages: list[str]) -> None:
    assert [classify_page(p) for p in pages] == [None, "income", "balance", "cashflow"]


def test_line_items_carry_year_scale_and_row_span(pages: list[str]) -> None:
    facts = {(f.key, f.year): f for f in extract_statement_facts(pages, 2018)}
    assert facts[("revenue", 2018)].value == 32765 and facts[("revenue", 2016)].value == 30109
    assert facts[("capex", 2018)].value == -1577
    assert facts[("ppe_net", 2018)].value == 8738 and facts[("ppe_net", 2017)].value == 8866
    assert facts[("net_income", 2018)].label == "Net income attributable to 3M"
    assert all(f.scale == 1e6 for f in facts.values())
    capex = facts[("capex", 2018)]
    assert pages[capex.page - 1][capex.start:capex.end].startswith("Purchases of property, plant and equipment")


def test_rows_run_together_on_one_line_are_separated() -> None:
    rows = parse_rows("Depreciation and amortization 636 604 582 Deferred income taxes 230 207 208\n")
    assert [(r.label, r.values) for r in rows] == [
        ("Depreciation and amortization", [636, 604, 582]), ("Deferred income taxes", [230, 207, 208])]
