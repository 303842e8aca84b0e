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
from functools import cache
from pathlib import Path

import yaml

from luodi.knowledge.extractors import DocumentMetadata, Fact, SourceDocument

COVER_PAGES = 2  # the pages searched for the cover
# the line under the registrant's name, and the line above it; either may be missing from a cover
_EXACT_NAME = re.compile(r"\bexact\s+name\s+of\s+(?:the\s+)?registrant", re.IGNORECASE)
COVER_CHARACTERS = 20_000  # a cover is a page or two; a text file of one huge "page" is read no further
_FILE_NUMBER = re.compile(r"commission\s+file\s+(?:number|no\.?)\s*:?\s*[\d-]+", re.IGNORECASE)
_RULE = re.compile(r"_{2,}")
_MOST_NAME_LINES = 4  # a name the PDF broke over lines, e.g. "MGM / R / ESORTS I / NTERNATIONAL"
# the SEC form the cover page names ("FORM 10-K", "Form 10-Q", "FORM 8-K"), kept as the document's type
_FORM = re.compile(r"\bFORM\s+(10-K(?:/A)?|10-Q(?:/A)?|8-K(?:/A)?|20-F|40-F|6-K|S-1|DEF 14A)\b", re.IGNORECASE)


# an earnings release has no cover: its headline names the company ("PepsiCo Reports First-Quarter 2023 Results")
# the company: up to seven words, each capitalised or "&" ("Ulta Beauty", "Larkspur & Co.", "PepsiCo")
_RESULTS_HEADLINE = re.compile(r"(?P<company>(?:(?:[A-Z0-9][\w&.,'-]*|&)\s+){0,6}?[A-Z0-9][\w&.,'-]*)\s+"
                               r"(?i:reports|announces|posts)\b"
                               r"[^\n]{0,120}?\b(?i:results)\b")
HEADLINE_LINES = 3  # a release's headline opens its first page (after a page number or a dateline)
EARNINGS_RELEASE = "earnings release"


def results_headline(pages: list[str]) -> str:
    """The company an earnings release's headline names (a headline may wrap onto the next line); "" when the
    first page opens with no such headline."""
    lines = [line.replace("\xa0", " ").strip() for line in (pages[0][:COVER_CHARACTERS].splitlines() if pages
                                                               else []) if line.strip()][:HEADLINE_LINES + 1]
    whole_lines = lines  # a headline on one line is preferred to one wrapped onto the next
    wrapped = [f"{line} {following}" for line, following in zip(lines, lines[1:], strict=False)]
    for candidate in (*whole_lines, *wrapped):
        match = _RESULTS_HEADLINE.match(candidate)
        if match:
            return " ".join(match.group("company").split())
    return ""


def form_type(pages: list[str]) -> str:
    """The SEC form the cover page names, upper-cased ("10-K"); "" if none."""
    match = _FORM.search("\n".join(pages[:COVER_PAGES]))
    return match.group(1).upper() if match else ""


def registrant(pages: list[str]) -> str:
    """The registrant's name as the cover page prints it (whitespace normalised); "" if no cover page says. It is
    printed above "(Exact name of registrant as specified in its charter)", below the commission file number, or
    both; PDFs break it over lines, even inside words."""
    cover = re.sub(r"[ \t\xa0]+", " ", "\n".join(pages[:COVER_PAGES])[:COVER_CHARACTERS])
    marker = _EXACT_NAME.search(cover)
    if marker is not None:
        caption = cover.rfind("(", max(0, marker.start() - 3), marker.start())  # "(Exact name …" opens a bracket
        return _name_before(cover[:caption if caption >= 0 else marker.start()]) or \
            _name_after_caption(cover[marker.end():])
    number = _FILE_NUMBER.search(cover)
    if number is None:
        return ""
    following = [line.strip() for line in _RULE.sub(" ", cover[number.end():]).splitlines() if line.strip()]
    return following[0] if following and _looks_like_a_name(following[0]) else ""


def _name_before(text: str) -> str:
    """The name printed just before the exact-name line: after the commission file number when that is near,
    else the last lines, rules (underscores) dropped."""
    numbers = list(_FILE_NUMBER.finditer(text))
    if numbers and len(text) - numbers[-1].end() < 300:
        text = text[numbers[-1].end():]
    lines = [line.strip() for line in _RULE.sub("\n", text).splitlines() if line.strip()][-_MOST_NAME_LINES:]
    if not numbers:
        lines = lines[-1:]
    name = _joined(lines)
    return name if _looks_like_a_name(name, capitals=False) else ""


def _name_after_caption(text: str) -> str:
    """Where the extractor put the caption first (columns read out of order): the line after it, when that line
    ends in a legal form."""
    lines = [line.strip() for line in text.splitlines()[1:4] if line.strip()]
    return next((line for line in lines if ends_in_company_form(line) and _looks_like_a_name(line)), "")


def _joined(pieces: list[str]) -> str:
    """Lines of one name put together: a piece that is or ends in a lone letter was a word the PDF broke, and so
    was one that ends in a hyphen before a lower-case piece ("Automa-" / "tion")."""
    name = ""
    for piece in pieces:
        if name.endswith("-") and piece[:1].islower():
            name = name[:-1]
        elif name and not re.search(r"(?:^|\s)[A-Za-z]$", name):
            name += " "
        name += piece
    return " ".join(name.split())


@cache
def company_forms() -> tuple[str, ...]:
    """The legal forms names end in (company_forms.yaml), longest first."""
    forms = yaml.safe_load(Path(__file__).with_name("company_forms.yaml").read_text(encoding="utf-8"))["forms"]
    return tuple(sorted((str(form).lower() for form in forms), key=len, reverse=True))


def ends_in_company_form(line: str) -> bool:
    plain = " ".join(line.lower().rstrip(" .,;").split())
    return any(plain == form or plain.endswith(" " + form) or plain.endswith("," + form) for form in
               (f.rstrip(".") for f in company_forms()))


def _looks_like_a_name(line: str, capitals: bool = True) -> bool:
    """A line that can be a company's name; with `capitals`, only one printed mostly in capitals or ending in a
    legal form (what follows a commission file number without a caption under it is a name only so)."""
    letters = [c for c in line if c.isalpha()]
    if not (2 <= len(line) <= 100 and letters and not line.startswith("(")):
        return False
    return not capitals or sum(c.isupper() for c in letters) >= len(letters) / 2 or ends_in_company_form(line)


@dataclass(frozen=True)
class CoverPageReader:
    name: str = "cover_page"
    version: str = "4"

    def extract(self, document: SourceDocument) -> list[Fact]:
        return []

    def read_metadata(self, document: SourceDocument) -> DocumentMetadata:
        form, company = form_type(document.pages), registrant(document.pages)
        if not company:
            company = results_headline(document.pages)
            form = EARNINGS_RELEASE if company else form
        return DocumentMetadata(company=company, values={"document_type": form} if form else {})


COVER_PAGE = CoverPageReader()
