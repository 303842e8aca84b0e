"""The filings pack's extractor: the line items of a filing's primary statements (income statement, balance
sheet, cash-flow statement), for its fiscal years (`statements.py`) and its interim columns (`periods.py`).

Configured by name (`extractors: [statements]`); see `luodi.knowledge.extractors` for the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from luodi.knowledge.extractors import Fact, SourceDocument
from luodi.packs.filings.periods import extract_interim_facts, stated_quarter
from luodi.packs.filings.statements import document_scale, extract_annual_facts

# raise when extraction changes: knowledge bases re-extract their facts from the stored pages on open
EXTRACTOR_VERSION = "16"


def extract_statement_facts(pages: list[str], fiscal_year: int | None, quarter: int | None = None) -> list[Fact]:
    """The canonical line items of each primary statement of one document: its fiscal years' columns, then the
    interim ones (a quarter stated in the title, `quarter`, tells a three-month column which quarter it is)."""
    default_scale = document_scale(pages)
    return (extract_annual_facts(pages, fiscal_year, default_scale)
            + extract_interim_facts(pages, fiscal_year, quarter, default_scale))


@dataclass(frozen=True)
class StatementsExtractor:
    name: str = "statements"
    version: str = EXTRACTOR_VERSION

    def extract(self, document: SourceDocument) -> list[Fact]:
        return extract_statement_facts(document.pages, document.period_year, stated_quarter(document.title))


STATEMENTS = StatementsExtractor()
