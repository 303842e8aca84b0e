"""Words for the fund screener, English and Chinese: columns, comparators, categories, flags, sort phrases.

The words are data, in `words/` beside this module, one file per language:

- `words/en.yaml`: English words; `words/zh.yaml`: Chinese words;
- `words/signs.yaml`: signs read in every language (`>=`, `≥`, `+`).

Every file has the same sections (`columns`, `categories`, `flags`, `flag_columns`, `comparators`, `sorting`,
`requests`, `negations`, `fund_nouns`, `markers`, `number_words`, `themes`, `labels`, and the plain words the
stages compare rather than match: `bare_comparison`, `dates`, `units`, `names`, `figures`), each optional; the
`WordFile` model below is the one statement of what a file may hold. The files are read by the generic word-file
loader (`luodi.dialogue.words`: the `!re` tag, validation, caching), so a file that breaks the model fails on load
with a `WordFileError` naming the file and the key. A list here is the concatenation of the same key's list in
every file, in `WORD_FILES` order (English, signs, Chinese): `merged` gives it as regex alternatives, `plain` (and
`plain_table`) as the words written, for the lists a stage compares words with (`word in DATE_WORDS["before"]`).

How to add a word: put it in the list of its language ("earnings" under `columns: return:` in en.yaml). An entry
is one of two kinds:

- a plain word, written as is (`performance`, `管理费`, `vs.`): it matches exactly those characters;
- a pattern, tagged `!re` (`!re 'returns?'`, `!re 'open(?:ed)?(?![- ]?end)'`): a regular-expression alternative,
  used as written, for plurals, optional parts and lookarounds. Quote patterns in single quotes.

A word list becomes one alternation with the longest entries first, so "management fee" beats "fee" (entries of
different languages never match at the same place, so their order does not matter); Latin words match on word
boundaries, Chinese words anywhere (`bounded`). Column words that stand for a family ("return") are resolved to a
column by a horizon ("3-year", "近一年") nearby. The lists under `markers` (read by `markers.py`) are the exception:
they are tried in the order written, so a longer phrase is listed before its start ("稳赚不赔" before "稳赚").

What stays in Python is code and the patterns that are no word list: the horizon phrases, numbers, units and ranges
(`HORIZON_PATTERNS`, `NUMBER`, `UNIT`, `BETWEEN`), what may stand between a negation and what it negates, which
columns sort descending by nature, and the meaning of each key (which column a superlative ranks, which flag
value a flag phrase states, how much a unit scales a number).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import Field

from luodi.dialogue import words as word_loader
from luodi.dialogue.words import Entry, Pattern, PlainWord, WordFileError, Words, WordSection, as_regex

__all__ = ["Entry", "Pattern", "PlainWord", "WordFile", "WordFileError", "Words", "as_regex", "read_word_file"]

WORDS_DIR = Path(__file__).with_name("words")
WORD_FILES = ("en", "signs", "zh")  # the order the files' lists are joined in

Family = Literal["return", "sharpe_3y", "max_drawdown_3y", "volatility_3y", "size_cny_100m", "custody_fee",
                 "purchase_fee", "management_fee", "min_purchase_cny", "nav", "risk_level", "inception_date", "age",
                 "company", "manager", "category"]  # fmt: skip
Category = Literal["money_market", "equity", "bond", "mixed", "index", "qdii", "fof"]
FlagColumn = Literal["purchase_open", "redemption_open"]
Op = Literal["ge", "le", "gt", "lt", "ne", "eq"]
Superlative = Literal["cheapest", "most_expensive", "largest", "smallest", "best_performing", "worst_performing",
                      "safest", "riskiest", "newest", "oldest", "most_volatile", "least_volatile"]  # fmt: skip

# column families in the order their words are tried (an earlier family wins a tie); "fee" alone means the
# management fee, "return" is resolved with a horizon
COLUMN_FAMILIES: tuple[Family, ...] = get_args(Family)
CATEGORIES: tuple[Category, ...] = get_args(Category)
FLAG_COLUMNS: tuple[FlagColumn, ...] = get_args(FlagColumn)
# what a flag phrase states: key of `flags` in the word files -> (column, value), in the order they are tried
FLAG_STATES: dict[str, tuple[str, bool]] = {
    "purchase_closed": ("purchase_open", False),
    "redemption_closed": ("redemption_open", False),
    "redemption_open": ("redemption_open", True),
    "purchase_open": ("purchase_open", True),
}
# superlatives that carry their own column ("cheapest" = lowest management fee): key of `sorting.by_column` ->
# (column or family, descending), in the order they are tried
SUPERLATIVE_MEANINGS: dict[Superlative, tuple[str, bool]] = {
    "cheapest": ("management_fee", False),
    "most_expensive": ("management_fee", True),
    "largest": ("size_cny_100m", True),
    "smallest": ("size_cny_100m", False),
    "best_performing": ("return", True),
    "worst_performing": ("return", False),
    "safest": ("risk_level", False),
    "riskiest": ("risk_level", True),
    "newest": ("inception_date", True),
    "oldest": ("inception_date", False),
    "most_volatile": ("volatility_3y", True),
    "least_volatile": ("volatility_3y", False),
}
# columns whose values are written with "%"
PERCENT_COLUMNS = frozenset({"return_1m", "return_3m", "return_6m", "return_1y", "return_3y", "return_5y",
                             "volatility_3y", "max_drawdown_3y", "management_fee", "custody_fee",
                             "purchase_fee"})  # fmt: skip


# ------------------------------------------------------------------------------------------- the word files

class _Section(WordSection):
    pass


class Flags(_Section):
    """Phrases that state a flag; `both_*` state both flags at once ("申赎开放")."""

    purchase_open: Words = []
    purchase_closed: Words = []
    redemption_open: Words = []
    redemption_closed: Words = []
    both_open: Words = []
    both_closed: Words = []


class Comparators(_Section):
    """Comparators said before the number ("at least 3") and after it ("3 or more", "3以上"); strict ones (over,
    超过) are gt/lt, inclusive ones (at least, 以上, 以下) ge/le."""

    before: dict[Op, Words] = {}
    after: dict[Literal["ge", "le"], Words] = {}


class Sorting(_Section):
    """Sort phrases: words that mean descending / ascending, superlatives (high, low), "best" / "worst" (which
    follow the column's natural order: the best drawdown is the smallest), words that ask for the best on no
    stated measure ("good funds"), sort verbs, and superlatives that carry their own column (`by_column`)."""

    descending: Words = []
    ascending: Words = []
    high: Words = []
    low: Words = []
    best: Words = []
    worst: Words = []
    best_alone: Words = []
    verbs: Words = []
    by_column: dict[Superlative, Words] = {}


class Requests(_Section):
    """Words of a request about the results: paging, dropping a condition (before or after what is dropped),
    counting, including a value as well, reversing, starting over, refining (words the markers do not list; none
    of them starts or continues a name), comparing, and references to the funds shown."""

    next_page: Words = []
    previous_page: Words = []
    remove: Words = []
    remove_after: Words = []
    count: Words = []
    include: Words = []
    reverse: Words = []
    reset: Words = []
    refine: Words = []
    compare: Words = []
    shown: Words = []


class Negations(_Section):
    """Negations said before what is excluded, after it ("货币基金除外"), and negations of a verb ("haven't lost
    money"), which count only right before the verb."""

    before: Words = []
    after: Words = []
    verbs: Words = []


class Markers(_Section):
    """Sentence-level words read by `markers.py`, each list tried in the order written: words anywhere in a
    message that point at the current results, measures the table has no column for, promises and forecasts no
    fund can make, and words that with a period to come make a forecast."""

    refine_anywhere: Words = []
    missing_measures: Words = []
    promises: Words = []
    forecasts: Words = []
    future_ranking: Words = []


class BareComparison(_Section):
    """Words that may stand before a comparison with no column word ("and make it above 80%", "改成超过80%"),
    which makes it a new bound for the figure spoken of last, and a correction's own words ("actually", "不对").
    A message's words are compared one by one: English words whole, Chinese ones character by character, so
    the Chinese entries are single characters."""

    filler: list[PlainWord] = []
    correction: list[PlainWord] = []


class DateWords(_Section):
    """Words said with a year or a month of inception ("before 2019", "2020年6月以后", "2019 or later"), by the
    condition they make; `or_earlier` and `or_later` also count at the end of what is said ("2019年及以后")."""

    before: list[PlainWord] = []
    after: list[PlainWord] = []
    since: list[PlainWord] = []
    until: list[PlainWord] = []
    during: list[PlainWord] = []
    or_earlier: list[PlainWord] = []
    or_later: list[PlainWord] = []


class Units(_Section):
    """Unit words by what they say of a number: a fund size ("larger than 100亿"), an amount of money (the
    minimum purchase), a value with no comparator next to a column word ("0.15%的管理费"), a percentage (never a
    value of a money or count column), a multiple of a return ("涨了一倍")."""

    size: list[PlainWord] = []
    money: list[PlainWord] = []
    bare: list[PlainWord] = []
    percent: list[PlainWord] = []
    multiple: list[PlainWord] = []


class NameWords(_Section):
    """Words around managers' and companies' names: what follows a company's brand in its name (`suffixes`;
    `resolved_suffixes` only when resolving a name the exact names missed, "Huasheng company"), the words that
    end an English name (`filler`), English words and endings that describe rather than name (`ordinary`,
    `ordinary_endings`), and Chinese characters: the common surnames, where a name starts when nothing else marks
    it, and the characters a name slot may pick up from the words around it (`affixes`)."""

    suffixes: list[PlainWord] = []
    resolved_suffixes: list[PlainWord] = []
    filler: list[PlainWord] = []
    ordinary: list[PlainWord] = []
    ordinary_endings: list[PlainWord] = []
    surnames: str = ""
    affixes: str = ""


class FigureWords(_Section):
    """Words of the figure-word model (`figure_words.py`): measures funds are judged by that the table has no
    column for (in the order written), the filler words a comparison carries that say nothing about the figure,
    the Chinese characters stripped at either end of a Chinese run ("的管理成本" is "管理成本"), each family's
    plain words in this language (what a guess is replaced with; a family has them in English and in Chinese),
    and each family's definitions as a glossary gives them."""

    absent_measures: list[PlainWord] = []
    filler: list[PlainWord] = []
    edge_characters: str = ""
    plain_words: dict[Family, PlainWord] = {}
    definitions: dict[Family, list[PlainWord]] = {}


class Labels(_Section):
    """How answers name each column and category."""

    columns: dict[str, str] = {}
    categories: dict[Category, str] = {}


class WordFile(_Section):
    """One language's words; every section may be left out."""

    columns: dict[Family, Words] = {}
    categories: dict[Category, Words] = {}
    flags: Flags = Field(default_factory=Flags)
    flag_columns: dict[FlagColumn, Words] = {}
    comparators: Comparators = Field(default_factory=Comparators)
    sorting: Sorting = Field(default_factory=Sorting)
    requests: Requests = Field(default_factory=Requests)
    negations: Negations = Field(default_factory=Negations)
    fund_nouns: Words = []
    markers: Markers = Field(default_factory=Markers)
    number_words: dict[str, int] = {}  # "three" -> 3, read as digits
    themes: dict[str, str] = {}  # themes fund names carry, one key per theme in every language
    labels: Labels = Field(default_factory=Labels)
    bare_comparison: BareComparison = Field(default_factory=BareComparison)
    dates: DateWords = Field(default_factory=DateWords)
    units: Units = Field(default_factory=Units)
    names: NameWords = Field(default_factory=NameWords)
    figures: FigureWords = Field(default_factory=FigureWords)


def read_word_file(path: Path) -> WordFile:
    """One word file, validated by `WordFile` (`WordFileError` naming the file and the key otherwise)."""
    return word_loader.read_word_file(path, WordFile)


@cache
def word_files() -> dict[str, WordFile]:
    """Every word file, read and validated once, in `WORD_FILES` order."""
    return {name: word_loader.load_word_file(WORDS_DIR, name, WordFile) for name in WORD_FILES}


def merged(pick: Callable[[WordFile], Iterable[Entry]]) -> tuple[str, ...]:
    """One list from every word file, as regular-expression alternatives: `merged(lambda w: w.fund_nouns)`."""
    return tuple(as_regex(entry) for words in word_files().values() for entry in pick(words))


def plain(pick: Callable[[WordFile], Iterable[str]]) -> tuple[str, ...]:
    """One list of plain words from every word file, as written (for comparing, not matching): `plain(lambda w:
    w.units.size)`."""
    return tuple(word for words in word_files().values() for word in pick(words))


def plain_table(pick: Callable[[WordFile], WordSection]) -> dict[str, tuple[str, ...]]:
    """A section of plain word lists from every word file, key -> words: `plain_table(lambda w: w.dates)`."""
    sections = [dict(pick(words)) for words in word_files().values()]
    return {key: tuple(word for section in sections for word in section[key]) for key in sections[0]}


K = TypeVar("K")


Table = Callable[[WordFile], Mapping[Any, Iterable[Entry]]]


def merged_table(keys: Iterable[K], pick: Table) -> dict[K, tuple[str, ...]]:
    """A table of lists from every word file, keyed in the order of `keys`: `merged_table(CATEGORIES, lambda w:
    w.categories)`."""
    return {key: _merged_entry(pick, key) for key in keys}


def _merged_entry(pick: Table, key: object) -> tuple[str, ...]:
    return merged(lambda words: pick(words).get(key, ()))


def _bilingual(pick: Callable[[WordFile], Mapping[Any, str]], what: str) -> dict[str, tuple[str, str]]:
    """key -> (English, Chinese) for a section both en.yaml and zh.yaml must hold with the same keys."""
    en, zh = pick(word_files()["en"]), pick(word_files()["zh"])
    if en.keys() != zh.keys():
        missing = sorted(en.keys() ^ zh.keys())
        raise WordFileError(f"{WORDS_DIR / 'en.yaml'} and {WORDS_DIR / 'zh.yaml'}: {what} differ in keys {missing}")
    return {key: (en[key], zh[key]) for key in en}


# ------------------------------------------------------------------------------------------- the words

COLUMN_WORDS: dict[str, tuple[str, ...]] = merged_table(COLUMN_FAMILIES, lambda w: w.columns)  # family -> words

RETURN_COLUMNS = {"1m": "return_1m", "3m": "return_3m", "6m": "return_6m", "1y": "return_1y", "3y": "return_3y",
                  "5y": "return_5y"}  # fmt: skip
DEFAULT_HORIZON = "1y"

# horizon phrases -> months; a number placeholder {n} is filled with digits (Chinese numerals are converted first).
# Patterns, not word lists: each mixes both languages and the first that matches wins.
HORIZON_PATTERNS: tuple[tuple[str, int | None], ...] = (
    (r"(?:half[- ]?(?:a[- ])?year|semi[- ]?annual|半年)", 6),
    (r"(?:quarter(?:ly)?|一季度|季度)", 3),
    (r"(\d+)[- ]?(?:years?|yrs?|y)\b", None),
    (r"(\d+)[- ]?(?:months?|mos?|m)\b", None),
    (r"(\d+)\s*(?:个)?年", None),
    (r"(\d+)\s*个?月", None),
    (
        r"(?:past|last|trailing|previous|prior|recent) (?:twelve months|year)|year[- ]on[- ]year|annual(?:ly)?|yearly|"
        r"(?:a|per|each) year|p\.?a\.?",
        12,
    ),
    (r"(?:past|last|this|previous|recent) month|monthly|近月|本月|最近一月|上个月", 1),
    (r"(?:this|the) year|今年|去年|一年", 12),
    (r"(?:one|a)[- ]year", 12),
    (r"(?:three|3)[- ]month", 3),
)
MONTHS_TO_HORIZON = {1: "1m", 3: "3m", 6: "6m", 12: "1y", 36: "3y", 60: "5y"}
YEARS_WORDS: dict[str, int] = {word: n for words in word_files().values() for word, n in words.number_words.items()}

CATEGORY_WORDS: dict[str, tuple[str, ...]] = merged_table(CATEGORIES, lambda w: w.categories)

# flags: (column, value) -> words
_FLAG_PHRASES = merged_table(FLAG_STATES, lambda w: dict(w.flags))
FLAG_WORDS: dict[tuple[str, bool], tuple[str, ...]] = {state: _FLAG_PHRASES[key] for key, state in FLAG_STATES.items()}
BOTH_CLOSED_WORDS = merged(lambda w: w.flags.both_closed)
BOTH_OPEN_WORDS = merged(lambda w: w.flags.both_open)

PREFIX_COMPARATORS: dict[str, tuple[str, ...]] = merged_table(get_args(Op), lambda w: w.comparators.before)
POSTFIX_COMPARATORS: dict[str, tuple[str, ...]] = merged_table(("ge", "le"), lambda w: w.comparators.after)
# ranges: patterns with the number and unit patterns filled in
BETWEEN = (
    r"between\s+(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:and|to|-)\s*(?P<b>{num})",
    r"from\s+(?P<a>{num})\s*(?P<ua>{unit})?\s*to\s+(?P<b>{num})",
    r"(?:在|介于)\s*(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:到|至|和|与|-|~)\s*(?P<b>{num})",
    r"(?P<a>{num})\s*(?P<ua>{unit})?\s*(?:-|~|到|至|to)\s*(?P<b>{num})",
)

NUMBER = r"-?\d+(?:,\d{3})*(?:\.\d+)?"
# units: one pattern tried in the order written (亿元 before 亿), both languages interleaved
UNIT = (
    r"%|percent(?:age points?)?|per cent|pct|bps?\b|basis points?|个百分点|个点|百分点|个基点|基点|万亿|亿元|亿|级|"
    r"\(?100m(?: cny| yuan| rmb)?\)?|billion|bn|million|mn|万元|万|千元|千|k\b|元|yuan|rmb|cny|块|years?|yrs?|年|月|"
    r"个月|months?|x\b|倍"
)

DESCENDING_WORDS = merged(lambda w: w.sorting.descending)
ASCENDING_WORDS = merged(lambda w: w.sorting.ascending)
HIGH_SUPERLATIVES = merged(lambda w: w.sorting.high)
LOW_SUPERLATIVES = merged(lambda w: w.sorting.low)
SORT_VERBS = merged(lambda w: w.sorting.verbs)

# the direction a sort takes when the user does not say: good-when-high columns descend, costs and risks ascend
NATURAL_DESCENDING = {
    "return_1m",
    "return_3m",
    "return_6m",
    "return_1y",
    "return_3y",
    "return_5y",
    "sharpe_3y",
    "size_cny_100m",
    "nav",
    "inception_date",
}
BEST_WORDS = merged(lambda w: w.sorting.best)
WORST_WORDS = merged(lambda w: w.sorting.worst)
# superlatives that carry their own column: one alternation of each key's words -> (column, descending)
SUPERLATIVE_COLUMNS: dict[str, tuple[str, bool]] = {
    "|".join(words): SUPERLATIVE_MEANINGS[key]
    for key, words in merged_table(SUPERLATIVE_MEANINGS, lambda w: w.sorting.by_column).items()
}

PAGING_WORDS = merged(lambda w: w.requests.next_page)
PREVIOUS_PAGE_WORDS = merged(lambda w: w.requests.previous_page)
REMOVE_WORDS = merged(lambda w: w.requests.remove)
POSTFIX_REMOVE_WORDS = merged(lambda w: w.requests.remove_after)  # "申购状态不限了", "the fee doesn't matter"
# words for the open flags when a condition on them is dropped ("申购状态不限", "remove the purchase filter")
FLAG_COLUMN_WORDS: dict[str, tuple[str, ...]] = merged_table(FLAG_COLUMNS, lambda w: w.flag_columns)
COUNT_WORDS = merged(lambda w: w.requests.count)
INCLUDE_WORDS = merged(lambda w: w.requests.include)
# themes that fund names carry (sectors, tracked indexes, target dates), (English, Chinese); generic words ("Select",
# "Value") are left out because they are ordinary words in questions
NAME_THEMES: tuple[tuple[str, str], ...] = tuple(_bilingual(lambda w: w.themes, "themes").values())
REVERSE_WORDS = merged(lambda w: w.requests.reverse)
RESET_WORDS = merged(lambda w: w.requests.reset)
REFINE_WORDS = merged(lambda w: w.requests.refine)
COMPARE_WORDS = merged(lambda w: w.requests.compare)
SHOWN_REFERENCES = merged(lambda w: w.requests.shown)
NEGATIONS = merged(lambda w: w.negations.before)
POSTFIX_NEGATIONS = merged(lambda w: w.negations.after)  # "money market aside", "货币基金除外"
SUPERLATIVE_ONLY = merged(lambda w: w.sorting.best_alone)
FUND_NOUNS = merged(lambda w: w.fund_nouns)


# words that may stand before a comparison with no column word, which then bounds the figure spoken of last
BARE_COMPARISON_WORDS = frozenset(plain(lambda w: [*w.bare_comparison.filler, *w.bare_comparison.correction]))
# year and month words by the condition they make: key of `dates` -> words
DATE_WORDS: dict[str, tuple[str, ...]] = plain_table(lambda w: w.dates)
SIZE_UNITS = plain(lambda w: w.units.size)
MONEY_UNITS = plain(lambda w: w.units.money)
BARE_UNITS = plain(lambda w: w.units.bare)
PERCENT_UNITS = plain(lambda w: w.units.percent)
MULTIPLE_UNITS = plain(lambda w: w.units.multiple)
COMPANY_SUFFIXES = plain(lambda w: w.names.suffixes)
RESOLVED_COMPANY_SUFFIXES = COMPANY_SUFFIXES + plain(lambda w: w.names.resolved_suffixes)
NAME_FILLER = frozenset(plain(lambda w: w.names.filler))
ORDINARY_NAME_WORDS = frozenset(plain(lambda w: w.names.ordinary))
ORDINARY_NAME_ENDINGS = plain(lambda w: w.names.ordinary_endings)
SURNAME_CHARACTERS = "".join(w.names.surnames for w in word_files().values())
NAME_AFFIX_CHARACTERS = "".join(w.names.affixes for w in word_files().values())
ABSENT_MEASURES = plain(lambda w: w.figures.absent_measures)  # measures the table has no column for
FIGURE_FILLER = frozenset(plain(lambda w: w.figures.filler))
FIGURE_EDGE_CHARACTERS = "".join(w.figures.edge_characters for w in word_files().values())
# family -> (English, Chinese) plain words, in en.yaml's order; family -> definitions, English then Chinese
FIGURE_PLAIN_WORDS: dict[str, tuple[str, str]] = {
    family: (english, word_files()["zh"].figures.plain_words[family])
    for family, english in word_files()["en"].figures.plain_words.items()
}
FIGURE_DEFINITIONS: dict[str, tuple[str, ...]] = {
    family: tuple(text for w in word_files().values() for text in w.figures.definitions.get(family, []))
    for family in dict.fromkeys(f for w in word_files().values() for f in w.figures.definitions)
}


@cache
def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """One regex alternative for a list of words, longest first so "management fee" beats "fee"."""
    return _alternation(tuple(words))


def ordered_alternation(words: Iterable[str]) -> str:
    """One regex alternative for a list tried in the order written (the markers' lists): its Latin words on word
    boundaries first, then its other words, matched anywhere."""
    words = list(words)
    chinese = [w for w in words if re.search(r"[\u4e00-\u9fff]", w)]
    latin = [w for w in words if w not in chinese]
    parts = [rf"(?<![a-z])(?:{'|'.join(latin)})(?![a-z])"] if latin else []
    return "|".join(parts + chinese)


def column_family(column: str) -> str:
    """The family a column's words belong to: every return column is "return" (its horizon picks the column)."""
    return "return" if column.startswith("return_") else column


@cache
def column_words() -> re.Pattern[str]:
    """Every column word, one named group per family (group name = the family), earlier families first."""
    groups = "|".join(f"(?P<{family}>{alternation(words)})" for family, words in COLUMN_WORDS.items())
    return re.compile(rf"(?<![a-z])(?:{groups})(?![a-z])")


def bounded(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """Matches the words on word boundaries for Latin text; Chinese words match anywhere (even next to "QDII")."""
    return _bounded(tuple(words))


@cache
def _bounded(words: tuple[str, ...]) -> re.Pattern[str]:
    chinese = [w for w in words if re.search(r"[\u4e00-\u9fff]", w)]
    latin = [w for w in words if w not in chinese]
    parts = [rf"(?<![a-z0-9])(?:{alternation(latin)})(?![a-z0-9])"] if latin else []
    parts += [f"(?:{alternation(chinese)})"] if chinese else []
    return re.compile("|".join(parts))


@dataclass(frozen=True)
class Label:
    en: str
    zh: str
    unit: str = ""  # "%" or "" ; how a value of this column is written


COLUMN_LABELS: dict[str, Label] = {
    column: Label(en, zh, "%" if column in PERCENT_COLUMNS else "")
    for column, (en, zh) in _bilingual(lambda w: w.labels.columns, "labels.columns").items()
}
CATEGORY_LABELS: dict[str, tuple[str, str]] = _bilingual(lambda w: w.labels.categories, "labels.categories")


# negations of a verb ("haven't lost money", "没有亏钱"): only right before the verb, never across a gap to a name
VERB_NEGATIONS = merged(lambda w: w.negations.verbs)
# what may stand between a verb's negation and the verb: "did not go up", "haven't been down"
NEGATION_GAP = r"\s*(?:(?:been|gone|go|went)\s+)?"
# what may stand between an exclusion and the figure it excludes: "exclude the ones with a 1-year loss"
THOSE_WITH = (
    r"\s*(?:(?:the\s+)?(?:those|ones|funds?)\s+)?(?:(?:with|having|that (?:have|charge)|that|charging|of|at)\s+)?"
    r"(?:(?:an?|any|the)\s+)?(?:\d+[- ]?(?:years?|months?)\s+)?"
)


@cache
def _negated_before(gap: str, verbs: bool) -> re.Pattern[str]:
    words = alternation(NEGATIONS + VERB_NEGATIONS if verbs else NEGATIONS)
    return re.compile(rf"(?<![a-z])(?<!有)(?:{words})(?![a-z])(?:{gap})$")  # "有没有" asks "is there", not "no"


def negation_before(before: str, gap: str = "", verbs: bool = False) -> re.Match[str] | None:
    """The negation word that `before` ends with, followed only by text that `gap` matches: the one test of "is
    this negated" for names, categories, flags, comparisons, losses and fees, which differ only in what may stand
    between the negation and the thing ("not from X", "non-equity", "exclude those with risk level 5") and whether
    a verb's negation counts ("haven't lost money")."""
    return _negated_before(gap, verbs).search(before)


def negated_before(before: str, gap: str = "", verbs: bool = False) -> bool:
    return negation_before(before, gap, verbs) is not None
