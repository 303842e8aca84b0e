"""The understander's result and the helpers its stages share: `Reading`, what one message asks.

`Reading` is what every stage of the rules understander (`understanding.RuleUnderstander`) writes into: the
conditions, sort, top N and commands one message states, before the dialogue merges it into the conversation's
filter. The helpers here are the ones more than one stage uses: word lists as patterns (`bounded`,
`alternation_of`), adding a name or condition once (`add_name`, `add_once`), which names or categories a negation
excludes (`negated_items`), and where vague words ("low fee", "大规模") stand (`vague_spans`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.query import Condition, SortKey, widened
from luodi.packs.funds.vague import vague_words

# what joins the items of a list: at least one connector ("equity and mixed"), not a space ("non-QDII index")
LIST_JOINERS = r"(?:\s|funds?|基金|型)*(?:,|、|/|and|or|nor|和|或|及|与|以及)(?:\s|,|and|or|funds?|基金|型)*"


@dataclass
class Reading:
    """What one message asks, before it is merged into the conversation's filter."""

    language: str
    conditions: list[Condition] = field(default_factory=list)
    sort: list[SortKey] | None = None
    limit: int | None = None
    codes: list[str] = field(default_factory=list)
    compare: bool = False
    shown_reference: bool = False
    next_page: int | None = None  # rows wanted on the next page; 0 = the same as before
    previous_page: bool = False
    page_number: int | None = None  # "page 2", "第2页"
    remove: set[str] = field(default_factory=set)  # columns, "category", "sort", "limit"
    reset: bool = False
    reverse: bool = False  # "reverse the order"
    direction: bool | None = None  # "改为从低到高", "highest first": the order of the current sort
    natural: bool | None = None  # "top 5", "the worst 5?": the ranking's natural order (True) or its end
    other_end: bool = False  # "bottom 3 instead", "倒数5只呢": the current ranking read from its other end
    adjust: list[tuple[str, float]] = field(default_factory=list)  # "raise the fee limit to 0.5%": column, value
    horizon: str | None = None  # "改成近五年", "what about over 3 years?": the return column to switch to
    instead: bool = False  # "... instead": new conditions replace the old ones on the same figure
    count_only: bool = False  # "how many of them are there?"
    include: bool = False  # "also include equity funds": categories are added to the chosen ones
    refine_marker: bool = False
    subject: bool = False  # names funds / a category: a new question rather than a refinement
    unknown: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)  # a manager or company the database does not have
    suggestions: list[str] = field(default_factory=list)  # close names to offer for them
    # "make it above 80%", "并且低于5%": a comparison with no column word, for the column the user spoke of last
    bare: list[tuple[str, float, str, float | None]] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    promises: list[str] = field(default_factory=list)  # "稳赚不赔", "guaranteed returns": no fund can promise it
    column_comparison: list[str] = field(default_factory=list)  # "3-year return above the 1-year return"
    wants_best_without_measure: bool = False
    as_of: date | None = None  # the data's date, for an age said again as a bare number ("make that 5")
    horizon_months: int | None = None  # the months of `horizon` ("make it 5 years" after an age is an age)

    @property
    def is_empty(self) -> bool:
        return not (
            self.conditions
            or self.sort
            or self.limit
            or self.codes
            or self.compare
            or self.next_page is not None
            or self.previous_page
            or self.page_number is not None
            or self.remove
            or self.reset
            or self.reverse
            or self.adjust
            or self.direction is not None
            or self.natural is not None
            or self.horizon
            or self.count_only
            or self.unknown
            or self.unknown_names
            or self.bare
            or self.unsupported
            or self.promises
            or self.column_comparison
            or self.wants_best_without_measure
        )


def bounded(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return lx.bounded(words)


def alternation_of(words: tuple[str, ...] | list[str]) -> str:
    return lx.alternation(words)


def negated_items(text: str, spans: list[tuple[int, int]], reach: int, words: int = 3) -> list[bool]:
    """Which of the (ordered) names or categories at `spans` are excluded: a negation shortly before one in its
    clause ("excluding anything from X", "non-equity", "除了X") or a negation word after it ("货币基金除外"), and
    every item of a list that follows a negated one ("except equity and mixed", "除了华盛基金和鼎元基金")."""
    gap = rf"[\s-]*(?:[\w'-]+[\s-]*){{0,{words}}}"
    after_pattern = re.compile(rf"\s*(?:funds?|基金)?\s*(?:{alternation_of(lx.POSTFIX_NEGATIONS)})")
    found: list[bool] = []
    previous_end, previous_negated = 0, False
    for start, end in spans:
        before = text[max(previous_end, start - reach) : start]
        # "除了北辰基金以外的债券基金": a negation closed by its postfix word ("除了 ... 以外") reaches no further
        clause = re.split(r"[,;，。；]|\bbut\b|\band\b|但|并且|以外|之外|除外", before)[-1]
        negated = lx.negated_before(clause, gap) or after_pattern.match(text[end : end + 20]) is not None
        if previous_negated and re.fullmatch(LIST_JOINERS, text[previous_end:start]):
            negated = True
        found.append(negated)
        previous_end, previous_negated = end, negated
    return found


def add_once(reading: Reading, condition: Condition) -> None:
    if condition not in reading.conditions:
        reading.conditions.append(condition)


def add_name(reading: Reading, column: str, value: str) -> None:
    """One condition per name column: a second name widens it to a list ("funds of A or B")."""
    condition = widened(reading.conditions, Condition(column=column, op="eq", value=value))
    reading.conditions = [c for c in reading.conditions if c.column != column or c.op not in ("eq", "in")]
    reading.conditions.append(condition)


def vague_spans(text: str) -> list[tuple[int, int]]:
    return [
        match.span() for word in vague_words() for match in bounded([flexible(p) for p in word.phrases]).finditer(text)
    ]


@cache
def flexible(phrase: str) -> str:
    """A vague phrase as a pattern: any spacing, and "small funds" also matching "small equity funds"."""
    pattern = r"\s+".join(re.escape(part) for part in phrase.split(" "))
    if not re.search(r"\\s\+funds?$", pattern):
        return pattern
    # "large funds" also says "large equity funds", "large ones" and "which of those are large?" (with its verb:
    # "less than 3 years old" is not "old funds")
    adjective = re.sub(r"\\s\+funds?$", "", pattern)
    alone = rf"(?:are|is|be|were|was)\s+{adjective}(?=\s*(?:[?.!,;]|$))"
    return rf"{adjective}\s+(?:[a-z-]+\s+){{0,2}}(?:funds?|fofs?|etfs?|qdiis?)|{adjective}\s+ones?|{alone}"
