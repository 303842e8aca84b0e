"""The Extractor contract: what a knowledge base reads from a document beyond its passages: facts it stores beside
them, and (optionally) what the document is: the organisation it is about and the period it covers.

A knowledge base runs only the extractors configured for it (a grounded assistant's `options.extractors`, by
name); none is built in, packs contribute theirs through `Components.extractors`. Ingestion runs them on every
new document and commits their facts in the same transaction as its passages; a knowledge base opened with
extractors whose names or versions differ from those its facts came from extracts them again from the stored
page texts (no re-reading, no re-embedding).

How to write one:
1. A class (or frozen dataclass) with a `name` (what configuration calls it: `extractors: [hours]`) and a
   `version` (raise it whenever what it extracts changes, so stored knowledge bases re-extract).
2. `extract(document: SourceDocument) -> list[Fact]`: read `document.pages` (and its title, period year,
   metadata); return one `Fact` per value read, with the page and character span of the row it was printed on,
   so an answer built on it can cite that row. Deterministic, no network, no model: facts are evidence.
3. Optionally, also read what the document says it is (the `MetadataReader` contract):
   `read_metadata(document: SourceDocument) -> DocumentMetadata`, with the organisation it is about, the year of
   the period it covers and any further entries (a document type, say). Ingestion asks every configured extractor
   that has this method, in configured order, before any extracts facts: the first to give a field wins, what
   the caller stated when ingesting (`metadata_for`) wins over every reader, and a reader wins over what the
   generic readers found (`luodi.knowledge.readers`). The facts are then extracted from the document so
   described. Metadata is read when a document is ingested; re-extraction keeps the stored description. An
   extractor may only read metadata (`extract` returning no facts).
4. Contribute an instance in your pack: `Components(extractors=(MyExtractor(),))`, and name it in the assistant's
   options. Keep the module light: it is imported when packs are loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from luodi.errors import Misconfigured

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
    company: str = ""  # the organisation it is about, as stated by the caller or a metadata reader
    period_year: int | None = None  # the year the period it covers ends in
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentMetadata:
    """What a metadata reader found a document to be; an empty field: not stated."""

    company: str = ""  # the organisation the document is about
    period_year: int | None = None  # the year the period it covers ends in
    values: Mapping[str, Any] = field(default_factory=dict)  # further entries, stored in the document's metadata


class Extractor(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    def extract(self, document: SourceDocument) -> list[Fact]: ...


@runtime_checkable
class MetadataReader(Protocol):
    """An extractor that also says what a document is (step 3 of the module's "how to write one")."""

    def read_metadata(self, document: SourceDocument) -> DocumentMetadata: ...


class UnknownExtractor(Misconfigured, ValueError):
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
    """What a knowledge base records of the extractors its facts came from: "hours@2,…"."""
    return ",".join(f"{extractor.name}@{extractor.version}" for extractor in extractors)


def extract_all(extractors: Iterable[Extractor], document: SourceDocument) -> list[Fact]:
    return [fact for extractor in extractors for fact in extractor.extract(document)]


def read_metadata(extractors: Iterable[Extractor], document: SourceDocument) -> DocumentMetadata:
    """What the extractors that read metadata say the document is, in order: the first to give a field wins."""
    company = ""
    period_year: int | None = None
    values: dict[str, Any] = {}
    for reader in extractors:
        if isinstance(reader, MetadataReader):
            found = reader.read_metadata(document)
            company = company or found.company
            period_year = period_year or found.period_year
            values = {**found.values, **values}
    return DocumentMetadata(company=company, period_year=period_year, values=values)
