"""The statements extractor runs only where it is configured: the shipped `filings` assistant names it, with its
skills in today's order, and a knowledge base without it stores no statement facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from luodi.assistants.grounded import GroundedAssistant, GroundedOptions, assistant_skills, open_knowledge
from luodi.config import AssistantConfig
from luodi.knowledge.base import KnowledgeBase
from luodi.pack import installed_components
from luodi.packs.filings.assistant import filings_config
from luodi.packs.filings.extractor import STATEMENTS

STATEMENT = """Acme Corp
CONSOLIDATED STATEMENTS OF INCOME
(in millions)
2023 2022
Net sales 1,250 1,100
Cost of sales 700 650
Gross profit 550 450
Selling, general and administrative expenses 150 120
Research and development expenses 100 80
Operating income 300 250
Interest expense 20 18
Income before income taxes 280 232
Provision for income taxes 80 52
Net income 200 180
"""


@pytest.fixture
def filing(tmp_path: Path) -> Path:
    path = tmp_path / "ACME_2023_10K.md"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


def ingested(knowledge: KnowledgeBase, filing: Path) -> KnowledgeBase:
    knowledge.ingest([filing], metadata_for=lambda _: {"company": "Acme", "period_year": 2023})
    return knowledge


def statement_facts(knowledge: KnowledgeBase) -> dict[tuple[str, int], float]:
    return {(s.fact.key, s.fact.year): s.fact.value
            for d in knowledge.store.documents() for s in knowledge.store.facts(d.doc_id)}


def test_without_the_statements_extractor_no_statement_facts_are_stored(tmp_path: Path, filing: Path) -> None:
    plain = ingested(KnowledgeBase(tmp_path / "plain"), filing)
    assert statement_facts(plain) == {}
    extracted = ingested(KnowledgeBase(tmp_path / "statements", [STATEMENTS]), filing)
    assert statement_facts(extracted)[("gross_profit", 2023)] == 550 and statement_facts(extracted)[("revenue", 2022)]
    filings = open_knowledge("filings", filings_config(), installed_components(),
                             directory=tmp_path / "filings")
    assert statement_facts(ingested(filings, filing)) == statement_facts(extracted)


def test_the_filings_skills_answer_only_over_extracted_statements(tmp_path: Path, filing: Path) -> None:
    question = "What is Acme's FY2023 gross margin?"
    config = AssistantConfig(base_model="none", kind="grounded")
    components = installed_components()
    skills = assistant_skills(filings_config(), components)
    filings = open_knowledge("filings", filings_config(), components, directory=tmp_path / "a")
    extracted = GroundedAssistant("filings", config, ingested(filings, filing), None, skills=skills)
    answer = extracted.answer(question)
    assert answer.text.startswith("44.00%") and answer.state["skill"] == "financial_metric"  # 550 / 1,250
    plain = GroundedAssistant("filings", config, ingested(KnowledgeBase(tmp_path / "b"), filing), None, skills=skills)
    assert plain.answer(question).abstained


def test_the_shipped_filings_assistant_lists_todays_skills_and_the_statements_extractor() -> None:
    options = GroundedOptions.of(filings_config())
    assert options.skills == ("cash_flow_sections", "metric_stability", "quarter_metric", "financial_metric",
                              "statement_line_item", "calculation", "date_arithmetic", "table_aggregate",
                              "filing_passages")
    assert options.extractors == ("cover_page", "statements")
    served = assistant_skills(filings_config(), installed_components())  # as `luodi serve` resolves them
    assert [skill.name for skill in served] == list(options.skills)
