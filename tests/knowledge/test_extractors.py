"""A knowledge base runs only the extractors configured for it, and extracts again when they change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from luodi.knowledge.base import KnowledgeBase
from luodi.knowledge.extractors import Fact, SourceDocument, UnknownExtractor, resolve_extractors


@dataclass(frozen=True)
class OpeningHours:
    """Reads "opens at 7" rows: one fact per row, with the row's span (its key names the extractor's version)."""

    name: str = "hours"
    version: str = "1"

    def extract(self, document: SourceDocument) -> list[Fact]:
        key = f"opens_v{self.version}"
        return [Fact("hours", key, match.group(0), document.period_year or 0, float(match.group(1)), 1.0, page,
                     match.start(), match.end())
                for page, text in enumerate(document.pages, start=1) for match in re.finditer(r"opens at (\d+)", text)]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    path = tmp_path / "depot.md"
    path.write_text("# Depot\n\nThe north depot opens at 7 and the south depot opens at 9.\n", encoding="utf-8")
    return path


def stored(knowledge: KnowledgeBase) -> list[Fact]:
    return [s.fact for d in knowledge.store.documents() for s in knowledge.store.facts(d.doc_id)]


def test_only_the_configured_extractors_run(tmp_path: Path, notes: Path) -> None:
    plain = KnowledgeBase(tmp_path / "plain")
    assert plain.ingest([notes]).facts == 0 and stored(plain) == []
    with_hours = KnowledgeBase(tmp_path / "hours", [OpeningHours()])
    assert with_hours.ingest([notes]).facts == 2
    facts = stored(with_hours)
    assert sorted(f.value for f in facts) == [7.0, 9.0]
    page = with_hours.store.page_text(with_hours.store.documents()[0].doc_id, 1) or ""
    assert {page[f.start:f.end] for f in facts} == {"opens at 7", "opens at 9"}  # each fact cites its row


def test_facts_are_extracted_again_when_the_extractors_change(tmp_path: Path, notes: Path) -> None:
    KnowledgeBase(tmp_path / "kb").ingest([notes])
    assert len(stored(KnowledgeBase(tmp_path / "kb", [OpeningHours()]))) == 2  # from the stored pages
    assert len(stored(KnowledgeBase(tmp_path / "kb"))) == 2  # opened without extractors: left as they are
    reopened = KnowledgeBase(tmp_path / "kb", [OpeningHours(version="2")])
    assert reopened.store.extractors_signature() == "hours@2"
    assert [f.key for f in stored(reopened)] == ["opens_v2", "opens_v2"]  # the new version's facts replaced the old


def test_an_unknown_extractor_name_is_refused_naming_it() -> None:
    with pytest.raises(UnknownExtractor, match=r"'invoices'.*provide hours"):
        resolve_extractors(["hours", "invoices"], [OpeningHours()])
    assert [e.name for e in resolve_extractors(["hours"], [OpeningHours()])] == ["hours"]
