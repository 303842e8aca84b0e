"""The hotel lexicons' plain word lists, one YAML file per language under `words/` (`words/en.yaml`,
`words/zh.yaml`), loaded once. Words are data: the lexicon modules (`lexicon_en`, `lexicon_zh`) keep the regex
logic and build their patterns from these lists, in the order the file gives them.

How to edit one: change the YAML, run the hotel tests, then rebuild the trained understander's shipped weights
(`python -m luodi.packs.travel.weights`), whose fingerprint covers these files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDS_DIR = Path(__file__).with_name("words")


@lru_cache(maxsize=4)
def word_lists(language: str) -> dict[str, Any]:
    """The word lists of a language (`words/<language>.yaml`), by name."""
    path = WORDS_DIR / f"{language}.yaml"
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} must map list names to word lists")
    return loaded


def alternation(words: Iterable[str]) -> str:
    """The words as one regex alternation, in their order ("酒店|宾馆|…"), each matched literally."""
    return "|".join(re.escape(str(word)) for word in words)
