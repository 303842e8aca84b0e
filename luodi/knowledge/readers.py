"""Readers: one per file format, each turning a file into pages of plain text plus document metadata.

A page is the unit a citation names. Formats without pages (DOCX, HTML, Markdown, CSV/XLSX) are one page,
or one page per sheet. Tables become lines of cells separated by " | " so that extractors reading rows and BM25
both see them. Libraries are imported inside the readers: a KB that holds only Markdown needs none of them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUPPORTED_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt", ".csv", ".xlsx"}


class UnreadableDocument(Exception):
    """The file is corrupt, encrypted or of an unknown kind; ingestion reports it by name and goes on. `code` is
    OpenAI's for a file that failed: `unsupported_file` (a kind no reader reads) or `invalid_file`."""

    def __init__(self, message: str, code: str = "invalid_file") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class ParsedDocument:
    path: Path
    pages: list[str]
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    # tables found in the file as rows of cells (CSV/XLSX sheets, DOCX/HTML tables), for table aggregation
    tables: list[list[list[str]]] = field(default_factory=list)


def read_document(path: Path) -> ParsedDocument:
    suffix = path.suffix.lower()
    readers = {
        ".pdf": _read_pdf,
        ".docx": _read_docx,
        ".html": _read_html,
        ".htm": _read_html,
        ".md": _read_text,
        ".markdown": _read_text,
        ".txt": _read_text,
        ".csv": _read_csv,
        ".xlsx": _read_xlsx,
    }
    reader = readers.get(suffix)
    if reader is None:
        raise UnreadableDocument(f"{path.name}: unsupported file type {suffix or '(none)'}", code="unsupported_file")
    try:
        document = reader(path)
    except UnreadableDocument:
        raise
    except Exception as exc:  # every library has its own error types for broken files
        raise UnreadableDocument(f"{path.name}: {type(exc).__name__}: {exc}") from exc
    if not any(page.strip() for page in document.pages):
        raise UnreadableDocument(f"{path.name}: no text could be extracted")
    document.title = document.title or _first_line(document.pages) or path.stem
    document.metadata.update(detect_periods("\n".join(document.pages[:3])))
    return document


def _first_line(pages: list[str]) -> str:
    for page in pages:
        for line in page.splitlines():
            if len(line.strip()) > 3:
                return line.strip()[:200]
    return ""


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _read_pdf(path: Path) -> ParsedDocument:
    # pypdfium2: fast (~100+ pages/s) and keeps table rows on one line, which row-reading extractors need
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = "password-protected" if "password" in str(exc).lower() else "corrupt or not a PDF"
        raise UnreadableDocument(f"{path.name}: {reason} ({exc})") from exc
    try:
        pages = [_normalise(pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
        title = str(pdf.get_metadata_dict().get("Title") or "").strip()
    finally:
        pdf.close()
    return ParsedDocument(path=path, pages=pages, title=title)


def _read_docx(path: Path) -> ParsedDocument:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    tables = [[[cell.text.strip() for cell in row.cells] for row in table.rows] for table in document.tables]
    lines += [" | ".join(row) for table in tables for row in table]
    title = document.core_properties.title or ""
    return ParsedDocument(path=path, pages=["\n".join(lines)], title=title, tables=tables)


def _read_html(path: Path) -> ParsedDocument:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    for hidden in soup(["script", "style", "noscript"]):
        hidden.decompose()
    tables: list[list[list[str]]] = []
    for table in soup.find_all("table"):
        rows = [[c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"])] for tr in table.find_all("tr")]
        tables.append(rows)
        table.replace_with(soup.new_string("\n" + "\n".join(" | ".join(r) for r in rows) + "\n"))
    links = [str(a.get("href")) for a in soup.find_all("a") if a.get("href")]
    text = "\n".join(line.strip() for line in soup.get_text("\n").splitlines() if line.strip())
    title = soup.title.get_text(strip=True) if soup.title else ""
    return ParsedDocument(path=path, pages=[text], title=title, tables=tables, metadata={"links": links})


def _read_text(path: Path) -> ParsedDocument:
    text = _normalise(path.read_text(encoding="utf-8", errors="replace"))
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    return ParsedDocument(path=path, pages=[text], title=heading.group(1).strip() if heading else "")


def _rows_to_page(rows: list[list[str]]) -> str:
    return "\n".join(" | ".join(cell for cell in row) for row in rows if any(c.strip() for c in row))


def _read_csv(path: Path) -> ParsedDocument:
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        rows = [list(row) for row in csv.reader(handle)]
    return ParsedDocument(path=path, pages=[_rows_to_page(rows)], tables=[rows])


def _read_xlsx(path: Path) -> ParsedDocument:
    import openpyxl

    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    tables = []
    for sheet in workbook.worksheets:
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        tables.append(rows)
    workbook.close()
    return ParsedDocument(path=path, pages=[_rows_to_page(rows) for rows in tables], tables=tables)


MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
# "for the year ended June 30, 2023", "for the period ended March 31, 2024": the end of the period a document covers
_PERIOD = re.compile(
    rf"(?:period|year)\s+ended\s*:?\s*((?:{MONTHS})\.?\s+\d{{1,2}},?\s+(\d{{4}}))",
    re.IGNORECASE,
)
_DATED = re.compile(rf"(?:date\s+of\s+report|dated)[^\n]{{0,60}}?((?:{MONTHS})\.?\s+\d{{1,2}},?\s+(\d{{4}}))", re.I)


def detect_periods(text: str) -> dict[str, Any]:
    """The end of the period a document says it covers (and that end's year), and the date it states it was made,
    when it says so. What a document is about beyond this is for the metadata readers configured (`extractors.py`)."""
    found: dict[str, Any] = {}
    period = _PERIOD.search(text)
    if period:
        found["period_end"] = " ".join(period.group(1).split())
        found["period_year"] = int(period.group(2))
    dated = _DATED.search(text)
    if dated:
        found["published"] = " ".join(dated.group(1).split())
    return found
