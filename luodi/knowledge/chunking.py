"""Cut a page into passages on line boundaries, keeping each passage's character span on its page."""

from __future__ import annotations

from dataclasses import dataclass

# ~250 MiniLM tokens: the embedding model reads no further, and a statement's block of rows stays together
PASSAGE_CHARS = 1000


@dataclass(frozen=True)
class Chunk:
    page: int  # 1-based, as printed page numbers are counted by PDF viewers
    start: int
    end: int
    text: str


def chunk_page(page_number: int, text: str, size: int = PASSAGE_CHARS) -> list[Chunk]:
    chunks: list[Chunk] = []
    start = 0
    position = 0
    for line in text.splitlines(keepends=True):
        if position - start + len(line) > size and position > start:
            chunks.append(_chunk(page_number, text, start, position))
            start = position
        position += len(line)
    if position > start:
        chunks.append(_chunk(page_number, text, start, position))
    return [c for c in chunks if c.text.strip()]


def _chunk(page_number: int, text: str, start: int, end: int) -> Chunk:
    return Chunk(page=page_number, start=start, end=end, text=text[start:end])
