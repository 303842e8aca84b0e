"""Extractors that also read what a document is: configured like any extractor, asked in order before the facts
are extracted; what the caller states wins over them, and they win over what the format's reader found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import DocumentMetadata, Fact, MetadataReader, SourceDocument
from luodi.knowledge.store import DocumentRecord

MEMO = "# Depot memo\n\nIssued by: North Depot Ltd\nFleet year 2021\nFor the year ended March 31, 2022\nopens at 7\n"


@dataclass(frozen=True)
class IssuerReader:
    """Reads "Issued by: <name>" and "Fleet year <year>" lines; `prefix` tells two instances apart."""

    name: str = "issuer"
    version: str = "1"
    prefix: str = ""

    def extract(self, document: SourceDocument) -> list[Fact]:
        return []

    def read_metadata(self, document: SourceDocument) -> DocumentMetadata:
        text = "\n".join(document.pages)
        issuer = re.search(r"Issued by: (.+)", text)
        year = re.search(r"Fleet year (\d{4})", text)
        return DocumentMetadata(company=f"{self.prefix}{issuer.group(1)}" if issuer else "",
                                period_year=int(year.group(1)) if year else None,
                                values={"kind": f"{self.prefix}memo"})


@dataclass(frozen=True)
class YearOfOpening:
    """One fact per "opens at" row, in the year the document was described with (what extractors read)."""

    name: str = "opening"
    version: str = "1"

    def extract(self, document: SourceDocument) -> list[Fact]:
        return [Fact("hours", "opens", m.group(0), document.period_year or 0, float(m.group(1)), 1.0, page,
                     m.start(), m.end())
                for page, text in enumerate(document.pages, start=1) for m in re.finditer(r"opens at (\d+)", text)]


@pytest.fixture
def memo(tmp_path: Path) -> Path:
    path = tmp_path / "memo.md"
    path.write_text(MEMO, encoding="utf-8")
    return path


def described(knowledge: KnowledgeBase, memo: Path, **stated: object) -> DocumentRecord:
    knowledge.ingest([memo], metadata_for=lambda _: dict(stated))
    [record] = knowledge.store.documents()
    return record


def test_without_a_reader_only_the_generic_description_is_stored(tmp_path: Path, memo: Path) -> None:
    record = described(KnowledgeBase(tmp_path / "kb"), memo)
    assert (record.company, record.period_year, record.metadata["period_end"]) == ("", 2022, "March 31, 2022")
    assert "kind" not in record.metadata


def test_a_configured_reader_describes_the_document_before_the_facts_are_extracted(tmp_path: Path,
                                                                                   memo: Path) -> None:
    assert isinstance(IssuerReader(), MetadataReader) and not isinstance(YearOfOpening(), MetadataReader)
    knowledge = KnowledgeBase(tmp_path / "kb", [YearOfOpening(), IssuerReader()])
    record = described(knowledge, memo)
    assert (record.company, record.period_year, record.metadata["kind"]) == ("North Depot Ltd", 2021, "memo")
    assert [s.fact.year for s in knowledge.store.facts(record.doc_id)] == [2021]  # the reader's year, not 2022


def test_what_the_caller_states_wins_and_the_first_reader_wins_per_field(tmp_path: Path, memo: Path) -> None:
    readers = [IssuerReader(name="first", prefix="1:"), IssuerReader(name="second", prefix="2:")]
    record = described(KnowledgeBase(tmp_path / "a", readers), memo)
    assert (record.company, record.metadata["kind"]) == ("1:North Depot Ltd", "1:memo")
    stated = described(KnowledgeBase(tmp_path / "b", readers), memo, company="Depot Co", period_year=2020, kind="x")
    assert (stated.company, stated.period_year, stated.metadata["kind"]) == ("Depot Co", 2020, "x")
