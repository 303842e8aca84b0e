"""Words the task-stack engine itself uses, as data: its replies when a value does not fit its slot
(`replies.yaml`, per language, which a spec's templates may override) and the words that say yes or no for a
boolean slot (`boolean_words.yaml`, shared with the NLU command adapter)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPLIES_FILE = Path(__file__).with_name("replies.yaml")
BOOLEAN_WORDS_FILE = Path(__file__).with_name("boolean_words.yaml")


@cache
def default_replies() -> dict[str, dict[str, str]]:
    """language -> template name -> text."""
    data: dict[str, dict[str, str]] = yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class BooleanWords:
    yes: frozenset[str]
    no: frozenset[str]

    @classmethod
    def load(cls, path: Path = BOOLEAN_WORDS_FILE) -> BooleanWords:
        data: dict[str, list[Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(*(frozenset(str(w).lower() for w in data.get(answer) or []) for answer in ("yes", "no")))


@cache
def boolean_words() -> BooleanWords:
    return BooleanWords.load()
