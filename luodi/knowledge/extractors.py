"""The Extractor contract: what turns a document's pages into facts a knowledge base stores beside its passages.

A knowledge base runs only the extractors configured for it (a grounded assistant's `options.extractors`, by
name); none is built in, packs contribute theirs through `Components.extractors`. Ingestion runs them on every
new document and commits their facts in the same transaction as its passages; a knowledge base opened with
extractors whose names or versions differ from those its facts came from extracts them again from the stored
page texts (no re-reading, no re-embedding).

How to write one:
1. A class (or frozen dataclass) with a `name` (what configuration calls it: `extractors: [statements]`) and a
   `version` (raise it whenever what it extracts changes, so stored knowledge bases re-extract).
2. `extract(document: SourceDocument) -> list[Fact]`: read `document.pages` (and its title, fiscal year,
   metadata); return one `Fact` per value read, with the page and character span of the row it was printed on,
   so an answer built on it can cite that row. Deterministic, no network, no model: facts are evidence.
3. Contribute an instance in your pack: `Components(extractors=(MyExtractor(),))`, and name it in the assistant's
   options. Keep the module light: it is imported when packs are loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

ANNUAL = "FY"  # the period of a fact covering a whole (fiscal) year


@dataclass(frozen=True)
class Fact:
    """One value read from a document: the table it was printed in (`statement`), the canonical item it is
    (`key`) and its label as printed, the period (fiscal `year` and `period` code), the value as printed in the
    page's scale, and where it was printed (page number and character span of its row)."""

    statement: str
    key: str
    label: str
    year: int  # the fiscal year the column's period belongs to
    value: float  # as printed, in the page's scale; parentheses make it negative
    scale: float  # multiplier to units (of currency, for amounts)
    page: int
    start: int  # span of the row on its page
    end: int
    period: str = ANNUAL  # ANNUAL, or an interim period code ("Q2", "6M"), optionally with its printed end


@dataclass(frozen=True)
class SourceDocument:
    """What an extractor reads: a document's page texts and what is known about it."""

    title: str
    pages: list[str]
    company: str = ""
    period_year: int | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


class Extractor(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def extract(self, document: SourceDocument) -> list[Fact]: ...


class UnknownExtractor(ValueError):
    """A configured extractor that no installed pack provides; the message names it and those that exist."""


def resolve_extractors(names: Sequence[str], available: Iterable[Extractor]) -> tuple[Extractor, ...]:
    """The extractors named in configuration, in order, from those available; an unknown name is refused."""
    by_name = {extractor.name: extractor for extractor in available}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UnknownExtractor(f"unknown extractor(s) {', '.join(map(repr, unknown))}; "
                               f"the installed packs provide {', '.join(sorted(by_name)) or 'none'}")
    return tuple(by_name[name] for name in names)


def extractors_signature(extractors: Iterable[Extractor]) -> str:
    """What a knowledge base records of the extractors its facts came from: "statements@16,…"."""
    return ",".join(f"{extractor.name}@{extractor.version}" for extractor in extractors)


def extract_all(extractors: Iterable[Extractor], document: SourceDocument) -> list[Fact]:
    return [fact for extractor in extractors for fact in extractor.extract(document)]
