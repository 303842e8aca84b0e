"""The cover-page reader: the shipped `filings` knowledge base names a filing's company from its cover page (a
company the caller states wins); a knowledge base without the reader names none, and both find the fiscal year."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.assistants.grounded import open_knowledge
from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import SourceDocument
from luodi.knowledge.store import DocumentRecord
from luodi.pack import installed_components
from luodi.packs.filings.assistant import filings_config
from luodi.packs.filings.cover import CoverPageReader, registrant, results_headline

COVER = """UNITED STATES SECURITIES AND EXCHANGE COMMISSION
FORM 10-K
ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES EXCHANGE ACT OF 1934
For the fiscal year ended September 30, 2023
Commission file number 1-1234
Acme   Widgets,  Inc.
(Exact name of registrant as specified in its charter)
Delaware
"""
STATEMENT = """CONSOLIDATED STATEMENTS OF INCOME
(in millions)
2023 2022
Net sales 1,250 1,100
Cost of sales 700 650
Gross profit 550 450
Selling, general and administrative expenses 150 120
Operating income 400 330
Income before income taxes 380 312
Provision for income taxes 80 52
Net income 300 260
"""


@pytest.fixture
def filing(tmp_path: Path) -> Path:
    path = tmp_path / "ACME_2023_10K.md"
    path.write_text(COVER + "\n" + STATEMENT, encoding="utf-8")
    return path


def filings_knowledge(directory: Path) -> KnowledgeBase:
    return open_knowledge("filings", filings_config(), installed_components(), directory=directory)


def record_of(knowledge: KnowledgeBase, filing: Path, **stated: object) -> DocumentRecord:
    knowledge.ingest([filing], metadata_for=lambda _: dict(stated))
    [record] = knowledge.store.documents()
    return record


def test_the_registrant_is_the_line_above_its_caption_on_the_first_two_pages() -> None:
    assert registrant([COVER]) == "Acme Widgets, Inc."
    assert registrant(["an index", "a title page", COVER]) == ""  # the cover is looked for on the first two pages
    assert registrant([STATEMENT]) == ""


def test_the_filings_knowledge_base_names_the_company_from_the_cover(tmp_path: Path, filing: Path) -> None:
    knowledge = filings_knowledge(tmp_path / "filings")
    record = record_of(knowledge, filing)
    assert (record.company, record.period_year) == ("Acme Widgets, Inc.", 2023)
    facts = {(s.fact.key, s.fact.year): s.fact.value for s in knowledge.store.facts(record.doc_id)}
    assert facts[("gross_profit", 2023)] == 550 and facts[("revenue", 2022)] == 1100


def test_a_stated_company_wins_and_a_plain_knowledge_base_names_none(tmp_path: Path, filing: Path) -> None:
    assert record_of(filings_knowledge(tmp_path / "stated"), filing, company="Acme").company == "Acme"
    plain = record_of(KnowledgeBase(tmp_path / "plain"), filing)
    assert (plain.company, plain.period_year) == ("", 2023)


@pytest.mark.parametrize(("cover", "name"), [
    # the caption's spaces are non-breaking, as many PDFs print them
    ("Commission\xa0file\xa0number\xa0001-01011\nCVS\xa0HEALTH\xa0CORPORATION\n(Exact\xa0name\xa0of\xa0registrant\xa0as\xa0"
     "specified\xa0in\xa0its\xa0charter)\nDelaware", "CVS HEALTH CORPORATION"),
    # no caption: the name is the capitalised line under the commission file number
    ("For the fiscal year ended December 31, 2018\nCommission file number 1-3285\n3M COMPANY\nState of "
     "Incorporation: Delaware", "3M COMPANY"),
    # rules of underscores around the name, on the line of the file number
    ("Commission file number  1-9595\n_________________ BEST BUY CO., INC.\n(Exact name of registrant as "
     "specified in its charter)", "BEST BUY CO., INC."),
    # a name the PDF broke over lines, inside words too
    ("Commission\nFile\nNo.\n001-10362\nMGM\nR\nESORTS I\nNTERNATIONAL\n(Exact name of Registrant as specified in "
     "its charter)", "MGM RESORTS INTERNATIONAL"),
    # a caption under no name at all (a logo): nothing, rather than the line above
    ("Commission File Number 001-02217\n(Exact name of Registrant as specified in its charter)\nDelaware", ""),
    # a word broken at a hyphen over two lines
    ("Commission file number 001-40001\nRheinfeld Automa-\ntion AG\n(Exact name of registrant as specified in its "
     "charter)", "Rheinfeld Automation AG"),
    # no caption, and not in capitals: a name by its legal form; an address line is not one
    ("Commission file number 001-38211\nQuillon Energy Partners, L.P.\nDelaware 46-3721055",
     "Quillon Energy Partners, L.P."),
    ("Commission file number 001-38211\nState of Incorporation: Delaware\nQuillon Energy Partners, L.P.", ""),
    # the caption read before the name (columns out of order)
    ("Commission File Number: 001-38704\n(Exact name of registrant as specified in its charter)\nCorvale "
     "Therapeutics plc\n(State or other jurisdiction)", "Corvale Therapeutics plc"),
])
def test_the_registrant_is_read_from_the_cover_layouts_filings_use(cover: str, name: str) -> None:
    assert registrant([cover]) == name


def test_an_earnings_release_is_named_by_its_headline() -> None:
    release = "Page 1 of 15\n Exhibit 99.1\nMGM RESORTS INTERNATIONAL REPORTS FOURTH QUARTER AND \nFULL YEAR 2022 " \
              "FINANCIAL AND OPERATING RESULTS\n• Record Adjusted Property EBITDAR"
    assert results_headline([release]) == "MGM RESORTS INTERNATIONAL"
    assert results_headline(["March 9, 2023\nUlta Beauty Announces Fourth Quarter\nFiscal 2022 Results"]) == \
        "Ulta Beauty"
    assert results_headline(["FOR IMMEDIATE RELEASE\n• 2022 Fourth-Quarter reported sales decline of 4.4%"]) == ""
    reader = CoverPageReader()
    found = reader.read_metadata(SourceDocument(title="", pages=[release], company="", period_year=None,
                                                metadata={}))
    assert (found.company, found.values["document_type"]) == ("MGM RESORTS INTERNATIONAL", "earnings release")


def test_the_cover_reader_takes_bounded_time_and_reads_no_headline_into_prose() -> None:
    import time

    started = time.perf_counter()
    assert registrant([" " * 1_000_000 + "x"]) == "" and results_headline([" \n" * 500_000]) == ""
    assert time.perf_counter() - started < 5  # it was quadratic: 32k spaces took 7 s
    assert results_headline(["Each department reports quarterly results to the board."]) == ""
    assert results_headline(["FOR IMMEDIATE RELEASE\nLarkspur & Co. Announces Fiscal 2024 Results"]) == "Larkspur & Co."
