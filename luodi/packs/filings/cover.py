"""The filings pack's metadata reader: the company a 10-K or 10-Q is about, read from its cover page, where the
registrant's name is printed above "(Exact name of registrant as specified in its charter)".

The period a filing covers ("For the fiscal year ended December 31, 2023", "For the quarterly period ended …") is
read by the generic readers ("year ended", "period ended"; `luodi.knowledge.readers`), which find the same date.
Configured by name like an extractor (`extractors: [cover_page, statements]`); it extracts no facts, and a company
the caller states when ingesting wins over it. See `luodi.knowledge.extractors` for the contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from luodi.knowledge.extractors import DocumentMetadata, Fact, SourceDocument

COVER_PAGES = 2  # the pages searched for the cover
_REGISTRANT = re.compile(r"([^\n]{3,80})\n[^\n]*exact name of registrant", re.IGNORECASE)
# the SEC form the cover page names ("FORM 10-K", "Form 10-Q", "FORM 8-K"), kept as the document's type
_FORM = re.compile(r"\bFORM\s+(10-K(?:/A)?|10-Q(?:/A)?|8-K(?:/A)?|20-F|40-F|6-K|S-1|DEF 14A)\b", re.IGNORECASE)


def form_type(pages: list[str]) -> str:
    """The SEC form the cover page names, upper-cased ("10-K"); "" if none."""
    match = _FORM.search("\n".join(pages[:COVER_PAGES]))
    return match.group(1).upper() if match else ""


def registrant(pages: list[str]) -> str:
    """The registrant's name as the cover page prints it (whitespace normalised); "" if no cover page says."""
    match = _REGISTRANT.search("\n".join(pages[:COVER_PAGES]))
    return " ".join(match.group(1).split()) if match else ""


@dataclass(frozen=True)
class CoverPageReader:
    name: str = "cover_page"
    version: str = "2"

    def extract(self, document: SourceDocument) -> list[Fact]:
        return []

    def read_metadata(self, document: SourceDocument) -> DocumentMetadata:
        form = form_type(document.pages)
        return DocumentMetadata(company=registrant(document.pages), values={"document_type": form} if form else {})


COVER_PAGE = CoverPageReader()
