"""Financial statements extracted from real 10-K pages (3M FY2018: income statement, balance sheet, cash flows)."""

from __future__ import annotations

import pytest

from luodi.config import shared_data_dir
from luodi.packs.filings.extractor import extract_statement_facts
from luodi.packs.filings.statements import classify_page, parse_rows

FILING = shared_data_dir() / "financebench" / "pdfs" / "3M_2018_10K.pdf"


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


def _pages(name: str, indexes: list[int]) -> list[str]:
    path = FILING.with_name(f"{name}.pdf")
    if not path.exists():
        pytest.skip("FinanceBench filings not present")
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    texts = [pdf[i].get_textpage().get_text_range().replace("\r\n", "\n") for i in indexes]
    pdf.close()
    return texts


def test_labels_printed_a_word_per_line_and_unlabelled_totals() -> None:
    # MGM's balance sheet prints "Property\nand\nequipment,\nnet 20,729,888" and total assets with no label;
    # its income statement sums the revenue lines under "Revenues" on a line of numbers only
    facts = {(f.key, f.year): f for f in extract_statement_facts(_pages("MGMRESORTS_2018_10K", [56, 57]), 2018)}
    assert facts[("ppe_net", 2018)].value == 20_729_888 and facts[("ppe_net", 2018)].label.startswith("Property")
    assert facts[("total_assets", 2018)].value == 30_210_706 and facts[("total_assets", 2017)].value == 29_160_042
    assert facts[("revenue", 2018)].value == 11_763_096 and facts[("revenue", 2016)].value == 9_478_269
    assert facts[("pretax_income", 2018)].value == 634_006
    # "Benefit (provision) for income taxes (50,112)": an expense of 50,112 (and not the pretax row above it)
    assert facts[("income_tax", 2018)].value == 50_112 and facts[("income_tax", 2017)].value == -1_127_394
    assert all(f.scale == 1e3 for f in facts.values())


def test_notes_references_and_spaced_parentheses_are_not_amounts() -> None:
    corning = {(f.key, f.year): f.value for f in extract_statement_facts(_pages("CORNING_2020_10K", [71]), 2020)}
    assert corning[("inventory", 2020)] == 2438 and corning[("inventory", 2019)] == 2320  # "Inventories, net (Note 6)"
    assert corning[("ppe_net", 2020)] == 15742  # "..., net of accumulated depreciation -\n$13,663 and $12,995 (Note 9)"
    microsoft = {(f.key, f.year): f.value for f in extract_statement_facts(_pages("MICROSOFT_2023_10K", [60]), 2023)}
    assert microsoft[("capex", 2023)] == -28107  # printed "(28,107 )"
    assert microsoft[("investing_cash_flow", 2023)] < 0 and microsoft[("financing_cash_flow", 2023)] < 0


def test_a_continued_statement_whose_rows_mention_months_is_not_interim() -> None:
    # PepsiCo's cash-flow statement goes on to a second page whose rows read "More than three months - proceeds"
    facts = {(f.key, f.year): f.value for f in extract_statement_facts(_pages("PEPSICO_2022_10K", [63, 64]), 2022)}
    assert facts[("dividends_paid", 2022)] == -6172 and facts[("financing_cash_flow", 2022)] == -8523
    assert facts[("operating_cash_flow", 2022)] > 0 and facts[("investing_cash_flow", 2022)] < 0


def test_quarter_and_percent_of_sales_columns_are_not_fiscal_years() -> None:
    release = FILING.with_name("JOHNSON_JOHNSON_2023Q2_EARNINGS.pdf")  # "Amount | Percent to Sales" per quarter
    if not release.exists():
        pytest.skip("FinanceBench filings not present")
    from luodi.knowledge.readers import read_document

    pages = read_document(release).pages
    assert any(classify_page(p) == "income" and "25,530" in p for p in pages)  # Q2 2023 sales, not FY2023's
    income = [f for f in extract_statement_facts(pages, 2023, quarter=2) if f.statement == "income"]
    assert not [f for f in income if f.period == "FY"]  # a quarter is never an annual fact
    found = {(f.key, f.period, f.year): f.value for f in income}
    assert found[("revenue", "Q2:2023", 2023)] == 25530 and found[("revenue", "Q2:2022", 2022)] == 24020
    assert found[("net_income", "6M:2023", 2023)] == 5076  # the six-month page, amounts not percents of sales
    rows = ["Net sales", "Cost of sales", "Gross profit", "Research and development", "Operating income",
            "Interest expense", "Income before income taxes", "Provision for income taxes", "Net income"]
    quarters = "Statement of Earnings\n(in Millions) 2022\nQ3 Q4 FULL YEAR\n" + "\n".join(
        f"{label} {n} {n + 1} {4 * n}" for n, label in enumerate(rows, start=10))
    assert extract_statement_facts([quarters], 2022) == []
    assert extract_statement_facts([quarters.replace("Q3 Q4 FULL YEAR", "2022 2021 2020")], 2022)


def test_a_company_name_in_capitals_stays_in_its_label() -> None:
    # "attributable to MGM Resorts International": a capitals word a preposition leads into is part of a name,
    # not a section heading, so net income is the shareholders' figure, as for every other filer
    page = ("Net income (loss) (320,014) 116,087\n"
            "Less: Net loss attributable to noncontrolling interests 604,016 14,926\n"
            "Net income attributable to MGM Resorts International $ 284,002 $ 131,013\n"
            "TOTAL ASSETS Liabilities and equity 5 6\n")
    labels = [row.label for row in parse_rows(page)]
    assert "Net income attributable to MGM Resorts International" in labels
    assert "Liabilities and equity" in labels  # a heading in capitals before a label still breaks the line


def test_a_benefit_first_tax_row_reads_the_same_in_quarters_as_in_years() -> None:
    from luodi.packs.filings.periods import interim_page_facts

    rows = ["Net sales 1,000 900", "Cost of sales 600 540", "Gross profit 400 360", "Operating income 200 180",
            "Income before income taxes 150 130", "Benefit (provision) for income taxes (30) (26)",
            "Net income 120 104"]
    page = ("Condensed Consolidated Statements of Operations\n(in millions)\nThree Months Ended\n"
            "July 1, 2023 July 2, 2022\n" + "\n".join(rows) + "\n")
    taxes = {f.year: f.value for f in interim_page_facts(1, page, "income", 2023, 2, 1e6) if f.key == "income_tax"}
    assert taxes == {2023: 30, 2022: 26}  # an expense is positive, as in the annual facts
