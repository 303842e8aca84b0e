"""Labelled NLU examples in the common multi-intent format, read strictly.

A data directory holds three line-aligned files: `seq.in` (whitespace-separated tokens), `seq.out` (one BIO
slot tag per token) and `label` (the utterance's intents joined by `#`). Mistakes in hand-labelled data are
common and silently poison training, so every problem is reported with the file and line it is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from luodi.errors import Misconfigured

TOKENS_FILE = "seq.in"
TAGS_FILE = "seq.out"
INTENTS_FILE = "label"
INTENT_SEPARATOR = "#"
OUTSIDE = "O"
_BIO_TAG = re.compile(r"^[BI]-\S+$")


class NluDataError(Misconfigured, ValueError):
    """A data file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class NluExample:
    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    intents: tuple[str, ...]

    @property
    def label(self) -> str:
        return INTENT_SEPARATOR.join(self.intents)


@dataclass(frozen=True)
class LabelSet:
    """The intents and BIO tags a model knows, in a fixed order (their index is the model's output unit)."""

    intents: tuple[str, ...]
    tags: tuple[str, ...]

    @classmethod
    def from_examples(cls, examples: Iterable[NluExample]) -> LabelSet:
        intents: set[str] = set()
        slots: set[str] = set()
        for example in examples:
            intents.update(example.intents)
            slots.update(tag[2:] for tag in example.tags if tag != OUTSIDE)
        # Every slot gets both its B- and I- tag so that any span length can be decoded.
        tags = [OUTSIDE] + [f"{prefix}-{slot}" for slot in sorted(slots) for prefix in ("B", "I")]
        return cls(intents=tuple(sorted(intents)), tags=tuple(tags))

    def to_json(self) -> dict[str, list[str]]:
        return {"intents": list(self.intents), "tags": list(self.tags)}

    @classmethod
    def from_json(cls, data: dict[str, list[str]]) -> LabelSet:
        return cls(intents=tuple(data["intents"]), tags=tuple(data["tags"]))


def parse_intents(label: str) -> tuple[str, ...]:
    return tuple(intent for intent in label.strip().split(INTENT_SEPARATOR) if intent)


def validate_tag(tag: str, where: str) -> None:
    if tag != OUTSIDE and not _BIO_TAG.match(tag):
        raise NluDataError(f"{where}: unknown tag {tag!r} (expected 'O', 'B-<slot>' or 'I-<slot>')")


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise NluDataError(f"{path}: missing (a data directory needs {TOKENS_FILE}, {TAGS_FILE}, {INTENTS_FILE})")
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":  # the final newline ends the last line; it does not start an empty one
        lines.pop()
    return lines


def _parse_line(directory: Path, line_number: int, tokens: str, tags: str, label: str) -> NluExample:
    for name, text in ((TOKENS_FILE, tokens), (TAGS_FILE, tags), (INTENTS_FILE, label)):
        if not text.strip():
            raise NluDataError(f"{directory / name}:{line_number}: empty line")
    token_list, tag_list = tokens.split(), tags.split()
    if len(token_list) != len(tag_list):
        raise NluDataError(
            f"{directory / TAGS_FILE}:{line_number}: {len(tag_list)} tags for {len(token_list)} tokens "
            f"in {directory / TOKENS_FILE}"
        )
    for tag in tag_list:
        validate_tag(tag, f"{directory / TAGS_FILE}:{line_number}")
    return NluExample(tuple(token_list), tuple(tag_list), parse_intents(label))


def read_nlu_dir(directory: str | Path) -> list[NluExample]:
    """All examples of a data directory, or `NluDataError` naming the first bad file and line."""
    directory = Path(directory)
    columns = [_read_lines(directory / name) for name in (TOKENS_FILE, TAGS_FILE, INTENTS_FILE)]
    counts = {name: len(lines) for name, lines in zip((TOKENS_FILE, TAGS_FILE, INTENTS_FILE), columns, strict=True)}
    if len(set(counts.values())) != 1:
        raise NluDataError(f"{directory}: files have different line counts {counts}")
    return [
        _parse_line(directory, number, tokens, tags, label)
        for number, (tokens, tags, label) in enumerate(zip(*columns, strict=True), start=1)
    ]


def write_nlu_dir(examples: Sequence[NluExample], directory: str | Path) -> None:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, column in (
        (TOKENS_FILE, [" ".join(e.tokens) for e in examples]),
        (TAGS_FILE, [" ".join(e.tags) for e in examples]),
        (INTENTS_FILE, [e.label for e in examples]),
    ):
        (directory / name).write_text("".join(line + "\n" for line in column), encoding="utf-8")


def resolve_split(directory: str | Path, split: str) -> Path | None:
    """`DIR/<split>` when the directory holds train/dev/test splits, `DIR` itself when it is one split."""
    directory = Path(directory)
    if (directory / split / TOKENS_FILE).is_file():
        return directory / split
    if split in ("train", "test") and (directory / TOKENS_FILE).is_file():
        return directory
    return None


def slot_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """(slot, start, end-exclusive) chunks, conlleval style: an I- tag that does not continue a chunk starts one."""
    spans: list[tuple[str, int, int]] = []
    current: str | None = None
    start = 0
    for index, tag in enumerate([*tags, OUTSIDE]):
        prefix, slot = (tag[0], tag[2:]) if tag != OUTSIDE else (OUTSIDE, "")
        continues = prefix == "I" and slot == current
        if current is not None and not continues:
            spans.append((current, start, index))
            current = None
        if prefix in ("B", "I") and not continues:
            current, start = slot, index
    return spans


def repair_bio(tags: Sequence[str]) -> list[str]:
    """The same chunks (as `slot_spans` reads them) written as valid BIO: a chunk-starting `I-x` becomes `B-x`."""
    repaired = [OUTSIDE] * len(tags)
    for slot, start, end in slot_spans(tags):
        repaired[start] = f"B-{slot}"
        repaired[start + 1 : end] = [f"I-{slot}"] * (end - start - 1)
    return repaired
