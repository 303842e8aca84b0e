"""The hotel lexicons' plain word lists, one YAML file per language under `words/` (`words/en.yaml`,
`words/zh.yaml`), read with the generic word-file loader (`luodi.dialogue.words`) and validated by the models
below, which state once what each file holds. Words are data: the lexicon modules (`lexicon_en`, `lexicon_zh`)
keep the regex logic and build their patterns from these lists, in the order the file gives them. Every entry
here is a plain word, matched literally (no `!re` patterns); a file that breaks its model fails on load with a
`WordFileError` naming the file and the key.

How to edit one: change the YAML (a new list also needs its field here), run the hotel tests, then rebuild the
trained understander's shipped weights (`python -m luodi.packs.travel.weights`), whose fingerprint covers these
files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from luodi.dialogue.words import PlainWord, WordSection, load_word_file

WORDS_DIR = Path(__file__).with_name("words")


class EnglishHotelWords(WordSection):
    """words/en.yaml: words for an area and for a price range with the value each names, the starts of a yes
    and of a no, phrases of a guest alone, and starts of a capitalised phrase that is no hotel's name."""

    area_words: dict[PlainWord, str]
    price_words: dict[PlainWord, str]
    affirm_starts: list[PlainWord]
    deny_starts: list[PlainWord]
    alone: list[PlainWord]
    not_name_starts: list[PlainWord]


class ChineseHotelWords(WordSection):
    """words/zh.yaml: head nouns per domain, hotel types, cue words of a price, a question, a search, the hotel
    shown, a question about one hotel and a hand-off, and the starts of a yes and of a no."""

    head_nouns: dict[str, list[PlainWord]]
    hotel_types: list[PlainWord]
    price_cues: list[PlainWord]
    request_cues: list[PlainWord]
    search_cues: list[PlainWord]
    this_one: list[PlainWord]
    asks_one: list[PlainWord]
    hand_off: list[PlainWord]
    affirm_starts: list[PlainWord]
    deny_starts: list[PlainWord]


def english_hotel_words() -> EnglishHotelWords:
    """The English word lists (`words/en.yaml`), validated, read once."""
    return load_word_file(WORDS_DIR, "en", EnglishHotelWords)


def chinese_hotel_words() -> ChineseHotelWords:
    """The Chinese word lists (`words/zh.yaml`), validated, read once."""
    return load_word_file(WORDS_DIR, "zh", ChineseHotelWords)


def alternation(words: Iterable[str]) -> str:
    """The words as one regex alternation, in their order ("酒店|宾馆|…"), each matched literally."""
    return "|".join(re.escape(word) for word in words)
