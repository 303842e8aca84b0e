"""The rules understander: one user message -> a `Reading` (conditions, sort, top N, commands), no state.

It works on a normalized copy of the text (NFKC, lower case, Chinese numerals as digits) and consumes what it
recognizes (blanking it), in an order that lets specific phrases win over general ones: commands, fund codes
and names, managers and companies, categories, flags, ages and dates, explicit comparisons, sorts, vague words.
Whatever still looks like "<word> above <number>" afterwards is reported as unknown, not guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property

from luodi.dialogue.state import DialogueState
from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.database import Directory
from luodi.packs.funds.dates import date_conditions
from luodi.packs.funds.horizons import Horizon, clause_stop, find_horizons, horizon_column, signed_returns
from luodi.packs.funds.markers import (
    CORRECTION,
    FUTURE_RANKING,
    FUTURE_SPAN,
    MISSING_FIGURES,
    PROMISES,
    REFINE_ANYWHERE,
    REPLACE_MARKERS,
    START_MARKERS,
)
from luodi.packs.funds.names import NameBook, name_slots
from luodi.packs.funds.normalize import CJK, Text, normalize
from luodi.packs.funds.query import Condition, SortKey, widened
from luodi.packs.funds.schema import FUND_COLUMNS
from luodi.packs.funds.vague import vague_words
from luodi.packs.funds.values import (
    RANGE_PATTERNS,
    TIME_UNIT,
    VALUE,
    Found,
    Mention,
    column_of_unit,
    find_value,
    make_condition,
    oriented,
    scaled,
    unit_fits,
    value_of,
)

WINDOW = 40
# words that may precede a comparison with no column word ("and make it above 80%", "改成超过80%"): words/*.yaml
ELLIPSIS_WORDS = lx.BARE_COMPARISON_WORDS


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


def _bounded(words: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    return lx.bounded(words)


class RuleUnderstander:
    """Lexicon and rules over the database's own names; deterministic and fast (well under a millisecond)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.names = NameBook(directory)

    @cached_property
    def _managers(self) -> tuple[re.Pattern[str], dict[str, str]]:
        names: dict[str, str] = {}
        for english, chinese in self.directory.managers.items():
            surname, given = english.lower().split(" ", 1)
            names[f"{surname} {given}"] = english
            names[f"{given} {surname}"] = english
            names[chinese] = english
        return _bounded([re.escape(n) for n in names]), names

    @cached_property
    def _companies(self) -> tuple[re.Pattern[str], dict[str, str]]:
        names: dict[str, str] = {}
        for english, chinese in self.directory.companies.items():
            brand = english.lower().removesuffix(" fund")
            for suffix in ("", *(f" {suffix}" for suffix in lx.COMPANY_SUFFIXES)):
                names[brand + suffix] = english
            names[chinese] = english
            names[chinese.removesuffix("基金") + "基金公司"] = english
        # a bare Chinese brand ("和信") could be part of another word ("和信用债"): it needs a context word
        brands_zh = {chinese.removesuffix("基金"): english for english, chinese in self.directory.companies.items()}
        zh_bare = "|".join(re.escape(b) for b in brands_zh)
        pattern = rf"{_bounded([re.escape(n) for n in names]).pattern}|(?:{zh_bare})(?=旗下|家|的|发行|管理|公司)"
        names.update(brands_zh)
        return re.compile(pattern), names

    @cached_property
    def _fund_names(self) -> dict[str, list[str]]:
        """Fund names by their first word (English) or first two characters (Chinese), longest first, so a
        message is only compared with the names of the brands it mentions."""
        by_key: dict[str, list[str]] = {}
        for name in sorted(self.directory.fund_names, key=len, reverse=True):
            by_key.setdefault(_name_key(name), []).append(name)
        return by_key

    def understand(self, message: str, state: DialogueState | None = None) -> Reading:
        reading = Reading(language="zh" if CJK.search(message) else "en", as_of=self.directory.as_of)
        normalized = normalize(message)
        text = Text(normalized)
        self._commands(text, reading)
        self._funds(text, reading)
        self._themes(text, reading)
        self._people(text, reading)
        self._missing_figures(text, reading)
        self._purchase_amounts(text, reading)
        self._flags(text, reading)
        reading.conditions += date_conditions(text, self.directory.as_of, reading.refine_marker)
        self._removals(text, reading)
        mentions = self._mentions(text)
        self._comparisons(text, mentions, reading)
        reading.conditions += signed_returns(text, reading.conditions)
        self._limit(text, reading)
        self._categories(text, reading)
        self._sort(text, mentions, reading)
        self._singular(normalized, reading)
        self._vague(text, reading)
        self._named(text, message, reading)
        self._horizon_switch(text, reading)
        self._leftovers(text, mentions, reading)
        self._unknown_targets(text, mentions, reading)
        return reading

    # --- commands and names -------------------------------------------------------------------------------
    def _commands(self, text: Text, reading: Reading) -> None:
        reading.reset = bool(text.take(_bounded(lx.RESET_WORDS)))
        reading.reverse = bool(text.take(_bounded(lx.REVERSE_WORDS)))
        reading.count_only = bool(text.take(_bounded(lx.COUNT_WORDS)))
        reading.instead = re.search(REPLACE_MARKERS, text.value) is not None
        reading.include = _bounded(lx.INCLUDE_WORDS).search(text.value) is not None
        reading.previous_page = bool(text.take(_bounded(lx.PREVIOUS_PAGE_WORDS)))
        for match in text.take(_bounded(lx.PAGING_WORDS)):
            number = next((g for g in match.groups() if g), None)
            reading.next_page = int(number) if number else 0
        for match in text.take(r"(?<![a-z])page\s*(?P<n>\d{1,3})|第\s*(?P<m>\d{1,3})\s*页"):
            reading.page_number = int(match.group("n") or match.group("m"))
        reading.compare = bool(text.take(_bounded(lx.COMPARE_WORDS)))
        reading.shown_reference = bool(text.take(_bounded(lx.SHOWN_REFERENCES)))
        marked = re.search(START_MARKERS, text.value) or _bounded(REFINE_ANYWHERE).search(text.value)
        reading.refine_marker = bool(marked) or reading.shown_reference

    def _funds(self, text: Text, reading: Reading) -> None:
        keys = set(re.findall(r"[a-z]+", text.value)) | {text.value[i : i + 2] for i in range(len(text.value) - 1)}
        candidates = [name for key in keys & self._fund_names.keys() for name in self._fund_names[key]]
        found: list[tuple[int, str]] = []
        for name in sorted(candidates, key=len, reverse=True):
            span = _name_span(text.value, name)
            if span is not None:
                found.append((span[0], self.directory.fund_names[name]))
                text.consume(*span)
        for match in text.finditer(r"(?<![\d.])\d{6}(?![\d%亿万元])"):
            if match.group() in self.directory.codes:
                found.append((match.start(), match.group()))
                text.consume(*match.span())
        reading.codes = [code for _, code in sorted(found)]  # in the order the user named them
        reading.codes = list(dict.fromkeys(reading.codes))

    def _themes(self, text: Text, reading: Reading) -> None:
        """Sector and index themes ("CSI 300", "healthcare", "新能源") are in fund names: a name condition."""
        for match in text.take(_bounded(list(THEME_PATTERNS))):
            english = next(name for pattern, name in THEME_PATTERNS.items() if re.fullmatch(pattern, match.group()))
            reading.conditions.append(Condition(column="name", op="contains", value=english))
            reading.subject = True

    def _people(self, text: Text, reading: Reading) -> None:
        for pattern, names, column in (
            (*self._managers, "manager"),
            (*self._companies, "company"),
        ):
            matches = text.take(pattern)
            negations = _negations(text.value, [m.span() for m in matches], reach=32)
            for match, negated in zip(matches, negations, strict=True):
                if negated:  # "excluding anything from Haina Fund", "除了华盛基金和鼎元基金"
                    _add_once(reading, Condition(column=column, op="ne", value=names[match.group()]))
                else:
                    _add_name(reading, column, names[match.group()])
            if matches:
                # the column word next to a name ("manager Zhang Wei", "基金经理") is spent, not an unknown
                spent = lx.COLUMN_WORDS[column] + (r"managed by", r"run by", r"由", r"管理(?!费)的?", r"旗下")
                text.take(_bounded(spent))

    def _named(self, text: Text, message: str, reading: Reading) -> None:
        """Text where a manager or company name is said to stand ("managed by ...", "...旗下") that the exact
        names did not claim: a close spelling of one name becomes its condition, anything else a question back
        naming that text, never a condition that quietly matches nothing or a filter without it."""
        for slot in name_slots(text.value, message):
            found = self.names.resolve(slot.name, slot.kind)
            text.consume(slot.start, slot.end)
            if found is None:
                reading.unknown_names.append(slot.name.title() if slot.name.isascii() else slot.name)
                reading.suggestions += self.names.suggestions(slot.name)
                continue
            if _negations(text.value, [(slot.start, slot.end)], reach=32)[0]:
                _add_once(reading, Condition(column=found.column, op="ne", value=found.value))
            else:
                _add_name(reading, found.column, found.value)
            reading.subject = True

    def _missing_figures(self, text: Text, reading: Reading) -> None:
        """Figures the database does not have ("ESG score", "Morningstar rating", "成立以来收益") are asked about,
        never ranked or filtered on by a figure that only sounds alike."""
        # left in the text: a comparison after the figure ("ESG score above 5") is then asked about with its words
        for match in text.finditer(MISSING_FIGURES):
            reading.unsupported.append(match.group().strip())
        reading.promises += [match.group().strip() for match in text.take(PROMISES)]
        future = FUTURE_SPAN.search(text.value)
        if future and FUTURE_RANKING.search(text.value):  # "best funds for the next 5 years": a forecast
            reading.promises.append(future.group().strip())
            text.consume(*future.span())

    def _purchase_amounts(self, text: Text, reading: Reading) -> None:
        """ "can I buy with 10 yuan", "10元就能买": the minimum purchase is at most that amount."""
        for pattern in BUY_WITH:
            for match in text.finditer(pattern):
                if (match.group("unit") or "元") in lx.MONEY_UNITS:
                    value = scaled("min_purchase_cny", float(match.group("num")), match.group("unit") or "")
                    reading.conditions.append(Condition(column="min_purchase_cny", op="le", value=value))
                    text.consume(*match.span())

    def _flags(self, text: Text, reading: Reading) -> None:
        follow_up = re.match(
            r"^\s*(?:and|also|plus|以及|还有|和|也要?)\s*(?:open for |可以?)?(redemptions?|purchases?|赎回|申购)",
            text.value,
        )
        if follow_up:  # "only open for purchase" -> "and redemption"
            column = "redemption_open" if follow_up.group(1).startswith(("redemption", "赎回")) else "purchase_open"
            reading.conditions.append(Condition(column=column, op="eq", value=True))
            text.consume(*follow_up.span())
        both: tuple[tuple[bool, tuple[str, ...]], ...] = ((True, lx.BOTH_OPEN_WORDS), (False, lx.BOTH_CLOSED_WORDS))
        for value, words in both:
            if text.take(_bounded(words)):  # "open for purchase and redemption", "暂停申赎"
                reading.conditions += [Condition(column=column, op="eq", value=value)
                                       for column in ("purchase_open", "redemption_open")]  # fmt: skip
        removal = alternation_of(lx.REMOVE_WORDS)
        postfix = alternation_of(lx.POSTFIX_REMOVE_WORDS)
        for (column, value), words in lx.FLAG_WORDS.items():
            for match in text.take(_bounded(words)):
                before = text.value[max(0, match.start() - 28) : match.start()]
                after = text.value[match.end() : match.end() + 24]
                if re.search(rf"(?<![a-z])(?:{removal})(?![a-z])\s*(?:the\s+)?$", before) or re.match(
                    rf"\s*(?:的)?\s*(?:condition|filter|条件|限制|要求|状态)?\s*了?\s*(?:{postfix})", after
                ):
                    reading.remove.add(column)  # "去掉可申购的条件", "drop the open filter", "能不能申购无所谓"
                    continue
                negated = lx.negated_before(before, r"[\s\w]{0,20}")
                if not any(c.column == column for c in reading.conditions):
                    reading.conditions.append(Condition(column=column, op="eq", value=value != negated))

    # --- removals, limits ---------------------------------------------------------------------------------
    def _removals(self, text: Text, reading: Reading) -> None:
        targets = rf"(?P<target>{REMOVAL_TARGETS})(?![a-z])"
        condition_word = (
            r"condition|filter|constraint|criterion|requirement|restriction|limit|rule|条件|限制|要求|筛选|状态"
        )
        prefix = rf"(?<![a-z])(?:{alternation_of(lx.REMOVE_WORDS)})(?![a-z])\s*(?:the |that |this |a |an |any |所有的?|这个|那个)?\s*{targets}(?:\s*(?:的)?(?:{condition_word}))?"  # noqa: E501
        postfix = rf"(?<![a-z]){targets}(?:\s*(?:的)?(?:{condition_word}))?\s*(?:了)?\s*(?P<verb>{alternation_of(lx.POSTFIX_REMOVE_WORDS)})"  # noqa: E501
        for match in [*text.finditer(prefix), *text.finditer(postfix)]:
            target = _removal_target(match.group("target"))
            if target is None or not _drops_condition(match, text.value, target):
                continue
            reading.remove.add(target)
            text.consume(*match.span())

    def _limit(self, text: Text, reading: Reading) -> None:
        not_unit = r"(?!\.?\d|%)(?![\s-]*(?:years?|yrs?|months?|%|percent|yuan|元|亿|billion|million|bn))"
        superlatives = r"largest|biggest|smallest|oldest|newest|best|worst|cheapest|highest|lowest|top|most|least"
        patterns = (
            r"(?<![a-z])(?:top|first|best|worst|bottom|highest|lowest|largest|biggest|smallest|cheapest|leading|"
            r"show(?: me)?|list|give me|find(?: me)?|pick|recommend|which|what are)\s+(?:the\s+)?"
            rf"(?P<n>\d{{1,3}}){not_unit}",
            rf"(?<![\d.])(?P<n>\d{{1,3}}){not_unit}\s+(?:{superlatives})\b",
            rf"(?<![\d.])(?P<n>\d{{1,3}}){not_unit}\s+(?:[a-z-]+\s+){{0,3}}(?:funds|ones|results|picks|etfs|fofs)\b",
            r"(?:前|排名前|top|后|排名后|倒数|bottom)\s*(?P<n>\d{1,3})(?!\s*(?:年|个月|月|%))(?:名|只|个|支|位)?",
            r"(?<![\d.])(?P<n>\d{1,3})\s*(?:只|支|个|款)(?!\s*(?:月|条件|要求|限制|筛选|标准))",
        )
        for pattern in patterns:
            for match in text.finditer(pattern):
                number = match.group("n")
                reading.limit = max(1, min(500, int(number))) if number.isdigit() else 1
                text.consume(match.start("n"), match.end("n"))
                return

    # --- columns and comparisons --------------------------------------------------------------------------
    def _mentions(self, text: Text) -> list[Mention]:
        mentions = [Mention(str(m.lastgroup), m.start(), m.end()) for m in lx.column_words().finditer(text.value)]
        horizons = find_horizons(text.value)
        for mention in mentions:
            mention.column = _resolve_column(mention, horizons, text.value)
        return mentions

    def _comparisons(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        for index, mention in enumerate(mentions):
            if mention.column is None or mention.family in ("company", "manager", "category", "age"):
                continue
            after_end = mentions[index + 1].start if index + 1 < len(mentions) else len(text.value)
            window = clause_stop(text.value, mention.end, min(after_end, mention.end + WINDOW))
            before_start = max(mentions[index - 1].end if index > 0 else 0, mention.start - WINDOW)
            found = value_of(text.value, mention, before_start, window)
            following = mentions[index + 1] if index + 1 < len(mentions) else None
            if found is not None and following is not None and _leads_into(text.value, found, mention, following):
                continue  # "charging no more than 0.1% custody": the value is the next word's
            # "make the fee 0.3%" after "fee under 0.5%": a bare figure after a change verb is the bound's new value
            bare = found is None or (found[0] == "eq" and found[2].strip() != "")
            if bare and self._adjustment(text, mention, window, reading) or found is None:
                continue
            found = oriented(text.value, mention, found)
            op, number, unit, upper, span = found
            if not unit_fits(mention.column, unit):
                continue  # "price swings under 15%": not this figure; the words are left to be asked about
            for column in _listed_returns(text.value, mention) or [mention.column]:
                condition = make_condition(column, op, number, unit, upper, self.directory.as_of)
                if condition is None:
                    reading.unsupported.append(
                        text.value[min(span[0], mention.start) : max(span[1], mention.end)].strip()
                    )
                else:
                    reading.conditions.append(condition)
            mention.used = True
            mention.found = found
            text.consume(*span)
        self._shared_comparisons(text, mentions, reading)

    def _shared_comparisons(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        """ "管理费和托管费都低于0.2%", "fee and custody fee under 0.3%": one comparison for a list of figures."""
        for index in range(len(mentions) - 2, -1, -1):
            mention, following = mentions[index], mentions[index + 1]
            if mention.used or mention.column is None or following.found is None or mention.family == following.family:
                continue
            if mention.family in ("company", "manager", "category", "age"):
                continue
            if not re.fullmatch(SHARED_JOINER, text.value[mention.end : following.start]):
                continue
            op, number, unit, upper, _span = following.found
            condition = make_condition(mention.column, op, number, unit, upper, self.directory.as_of)
            if condition is not None:
                reading.conditions.append(condition)
                mention.used, mention.found = True, following.found

    def _adjustment(self, text: Text, mention: Mention, window_end: int, reading: Reading) -> bool:
        """ "raise the fee limit to 0.5%", "把费率门槛调到0.3%": a new value for a condition, keeping its direction;
        "the return" with no horizon said is whichever return the conversation has."""
        verb = re.search(
            rf"(?<![a-z])(?:{ADJUST_VERBS})(?![a-z])[^,;。]*$", text.value[max(0, mention.start - 20) : mention.start]
        )
        noun = r"limit|threshold|cap|bar|ceiling|floor|condition|requirement|条件|门槛|要求"
        # the connector may go unsaid: "make the return threshold 60% instead"
        target = rf"\s*(?:{noun})?\s*(?:to|at|改成|改为|调到|到|为)?\s*{VALUE}"
        found = re.match(target, text.value[mention.end : window_end])
        if found and re.match(rf"[- ]?(?:{TIME_UNIT.pattern})", text.value[mention.end + found.end() :] or "x"):
            return False  # "change the return to 3-year": another horizon, not a value
        if not (verb and found and mention.column) or TIME_UNIT.fullmatch(found.group("unit") or ""):
            return False
        value = scaled(mention.column, float(found.group("num")), found.group("unit") or "")
        unnamed = mention.family == "return" and not find_horizons(text.value)
        reading.adjust.append(("return" if unnamed else mention.column, value))
        mention.used = True
        text.consume(mention.start, mention.end + found.end())
        return True

    def _horizon_switch(self, text: Text, reading: Reading) -> None:
        """ "改成近五年", "what about over 3 years instead?": the same question over another return horizon."""
        if any(c.column.startswith("return_") for c in reading.conditions) or reading.sort:
            return
        marker = reading.refine_marker or re.search(
            rf"改成|改为|换成|换到|instead|what about|how about|make it|switch to|用|看看?|{CORRECTION}",
            text.value,
        )
        horizons = find_horizons(text.value)
        if marker and len(horizons) == 1:
            named = lx.MONTHS_TO_HORIZON.get(horizons[0].months)
            reading.horizon = lx.RETURN_COLUMNS[named] if named else None
            reading.horizon_months = horizons[0].months
            text.consume(horizons[0].start, horizons[0].end)

    def _categories(self, text: Text, reading: Reading) -> None:
        original = text.value  # before the category words are blanked: a negation reaches only the next one
        found = sorted(
            (match.span(), category)
            for category, words in lx.CATEGORY_WORDS.items()
            for match in text.take(_bounded(words))
        )
        included: list[str] = []
        excluded: list[str] = []
        for ((_start, _end), category), negated in zip(
            found, _negations(original, [span for span, _ in found], reach=14, words=1), strict=True
        ):
            (excluded if negated else included).append(category)
        included = [c for c in dict.fromkeys(included) if c not in excluded]
        if len(included) == 1:
            reading.conditions.append(Condition(column="category", op="eq", value=included[0]))
        elif included:
            reading.conditions.append(Condition(column="category", op="in", value=included))
        for category in dict.fromkeys(excluded):
            reading.conditions.append(Condition(column="category", op="ne", value=category))
        if included or excluded or _bounded(lx.FUND_NOUNS).search(text.value):
            reading.subject = True

    # --- sorting ------------------------------------------------------------------------------------------
    def _sort(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        keys: list[SortKey] = []
        verbs = alternation_of(lx.SORT_VERBS)
        high, low = alternation_of(lx.HIGH_SUPERLATIVES), alternation_of(lx.LOW_SUPERLATIVES)
        vague = _vague_spans(text.value)
        for index, mention in enumerate(mentions):
            if mention.used or mention.column is None or mention.family in ("company", "manager", "category", "age"):
                continue
            if any(start <= mention.start and mention.end <= end for start, end in vague):
                continue  # the "风险" of "低风险", the "fee" of "low fee": a vague word, not a sort
            next_start = mentions[index + 1].start if index + 1 < len(mentions) else len(text.value)
            before = text.value[max(0, mention.start - 24) : mention.start]
            after = text.value[mention.end : min(mention.end + 16, next_start)]
            direction = _direction(before, after, high, low, mention.column)
            by_verb = re.search(rf"(?<![a-z])(?:{verbs})(?![a-z])[^,;。，]*$", before)
            ranked = re.match(r"\s*(?:排序|排名|排列|排行|前|top(?![a-z]))", after)
            if re.match(r"\s*(?:排名)?\s*(?:后|倒数)", after) or re.search(
                r"(?<![a-z])bottom(?![a-z])[^,;。]*$", text.value[: mention.start]
            ):
                direction = mention.column not in lx.NATURAL_DESCENDING  # the bottom of its natural order
            elif direction is None:  # "the worst 3 bond funds by 3-year return": the named end of its natural order
                end = _rank_end(re.split(r"[,;。，；]", text.value[: mention.start])[-1])
                direction = None if end is None else (mention.column in lx.NATURAL_DESCENDING) == end
            if direction is None and not by_verb and not ranked:
                continue
            descending = direction if direction is not None else mention.column in lx.NATURAL_DESCENDING
            keys.append(SortKey(column=mention.column, descending=descending))
            mention.used = True
        if not keys:
            keys = self._superlative_sort(text, reading)
        alone = re.match(  # "and the lowest?", "最低的呢": the same ranking from the other end
            rf"^\s*(?:and|or|but|what about|how about|那么?)?\s*(?:the\s+)?(?:(?P<high>{high})|(?P<low>{low}))"
            r"\s*(?:ones?|funds?|的|呢)*\s*[?？]?\s*$",
            text.value,
        )
        if not keys and re.search(alternation_of(lx.DESCENDING_WORDS), text.value):
            reading.direction = True
        elif not keys and re.search(alternation_of(lx.ASCENDING_WORDS), text.value):
            reading.direction = False
        elif not keys and alone:
            reading.direction = alone.group("high") is not None
        elif not keys:
            reading.natural = _rank_end(text.value)
            positional = re.search(r"(?<![a-z])bottom(?![a-z])|倒数|排名靠后|后\s*\d", text.value)
            reading.other_end = reading.natural is False and (positional is not None or reading.instead)
        if keys:
            reading.sort = list({k.column: k for k in keys}.values())
        elif re.search(alternation_of(lx.SUPERLATIVE_ONLY), text.value) and not reading.codes:
            reading.wants_best_without_measure = True

    def _singular(self, normalized: str, reading: Reading) -> None:
        """ "which one is the cheapest", "the biggest ETF", "哪只夏普最高": a ranking that asks for one fund."""
        if not (reading.sort or reading.wants_best_without_measure) or reading.limit is not None:
            return
        plural = re.search(r"\b(?:funds|etfs|ones|fofs|indexes|indices)\b|几只|哪些", normalized)
        singular = re.search(
            r"哪一?只|哪一?个|哪支|\bwhich one\b|\bwhich (?:[a-z0-9-]+ ){0,3}(?:fund|etf|one|fof|qdii)\b(?!s)|"
            r"\bwhich (?:[a-z0-9-]+ ){0,2}(?:has|is|had|was)\b|\bthe single\b|"
            r"\bwhich of (?:them|those|these|the two|the 2) (?:has|is|had|was|did|does)\b|"
            r"\bthe (?:[a-z0-9-]+ ){0,5}(?:fund|etf|fof|one)\b(?!s)",
            normalized,
        )
        singular = singular or re.search(
            r"(?:最高|最大|最低|最小|最好|最多|最少|最便宜)的?(?:是|为)?(?:哪只|哪个)?\s*[?？]?\s*$", normalized
        )
        if singular and not (plural and "which of" not in singular.group()):
            reading.limit = 1

    def _superlative_sort(self, text: Text, reading: Reading) -> list[SortKey]:
        for phrase, (column, descending) in lx.SUPERLATIVE_COLUMNS.items():
            match = re.search(rf"(?<![a-z])(?:{phrase})(?![a-z])", text.value)
            if match:
                text.consume(*match.span())
                resolved = (
                    horizon_column(find_horizons(text.value), match.start(), text.value)
                    if column == "return"
                    else column
                )
                return [SortKey(column=resolved or "return_1y", descending=descending)]
        # "the 5 worst mixed funds over 3 years": a ranking with a horizon and no figure ranks the return
        horizons = find_horizons(text.value)
        rank = re.search(
            rf"(?<![a-z])(?:(?P<high>{alternation_of(lx.BEST_WORDS)}|top)|(?P<low>{alternation_of(lx.WORST_WORDS)}|bottom))(?![a-z])",
            text.value,
        )  # noqa: E501
        if rank and len(horizons) == 1:
            named = lx.MONTHS_TO_HORIZON.get(horizons[0].months)
            if named:
                text.consume(*rank.span())
                return [SortKey(column=lx.RETURN_COLUMNS[named], descending=rank.group("high") is not None)]
        return []

    # --- vague words and leftovers ------------------------------------------------------------------------
    def _vague(self, text: Text, reading: Reading) -> None:
        explicit = {c.column for c in reading.conditions}
        for word in vague_words():
            pattern = _bounded([_flexible(p) for p in word.phrases])
            # "small FOFs", "large ETFs": the category word read before is still the adjective's noun
            said = [m for m in pattern.finditer(text.original) if text.intact(m.start(), m.start() + 3)]
            if not (pattern.search(text.value) or said):
                continue
            text.take(pattern)
            for match in said:
                text.consume(*match.span())
            condition = word.condition_for(self.directory.as_of)
            if condition.column not in explicit:
                reading.conditions.append(condition)
                explicit.add(condition.column)

    def _leftovers(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        """A comparison with a number that no column word claimed: say so rather than guess a column."""
        _bare_values(text, reading)
        self._unit_ranges(text, reading)
        for match in text.finditer(TWO_COLUMNS):  # "近三年收益不低于近一年收益": one figure against another
            reading.column_comparison.append(match.group().strip())
        for match in text.finditer(UNCLAIMED_COMPARISON):
            if not TIME_UNIT.fullmatch(match.group("unit") or ""):  # "over 3 years" is a horizon phrase
                self._unclaimed(match, reading)
        for mention in mentions:
            if mention.column is None and mention.family == "return":
                reading.unsupported.append(text.value[max(0, mention.start - 12) : mention.end].strip())

    def _unit_ranges(self, text: Text, reading: Reading) -> None:
        """ "mixed funds between 1 and 3 billion": a range no column word claimed whose unit names its column;
        any other range ("from 2019 to 2021", "3-5 years") is left to the stages that know it."""
        for pattern in RANGE_PATTERNS:
            for match in text.finditer(pattern):
                found = find_value(match.group(), 0, len(match.group()), after=True)
                column = column_of_unit(found[2]) if found is not None else None
                if found is None or column is None:
                    continue
                condition = make_condition(column, *found[:4], self.directory.as_of)
                if condition is not None:
                    reading.conditions.append(condition)
                    text.consume(*match.span())

    def _unclaimed(self, match: re.Match[str], reading: Reading) -> None:
        """ "larger than 100亿": the unit names the column; "and make it above 80%": the last figure's new bound;
        anything else with words before it is a figure the user named that the lexicon does not know."""
        found = find_value(match.group(), 0, len(match.group()), after=True)
        implied = column_of_unit(match.group("unit") or "")
        condition = (
            make_condition(implied, found[0], found[1], found[2], found[3], self.directory.as_of)
            if implied and found is not None
            else None
        )
        words = set(re.findall(r"[a-z]+|[\u4e00-\u9fff]", match.group("words")))
        if condition is not None:
            reading.conditions.append(condition)
        elif words <= ELLIPSIS_WORDS and found is not None:
            reading.bare.append(found[:4])
        elif not any(missing in match.group() for missing in reading.unsupported):  # "赎回费低于0.5%": said why
            reading.unknown.append(match.group().strip())

    def _unknown_targets(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        """ "收益率高于同类平均", "a return better than the market": a figure compared with something that is not a
        number the database can use is asked about, not dropped."""
        if reading.column_comparison:
            return
        vague = _vague_spans(text.value)
        for mention in mentions:
            if mention.used or mention.column is None or mention.family in ("company", "manager", "category", "age"):
                continue
            if any(start <= mention.start and mention.end <= end for start, end in vague):
                continue
            end = clause_stop(text.value, mention.end, len(text.value))
            comparison = rf"\s*(?:都|均|is |are |was |were )?\s*(?:{TARGET_COMPARATORS})(?![a-z])\s*(?P<rest>\S.*)"
            target = re.match(comparison, text.value[mention.end : end])
            rest = target.group("rest").strip() if target else ""
            if rest and not re.match(rf"-?\d|{VALUE}", rest) and not find_horizons(rest[:12]):
                reading.unknown.append(text.value[mention.start : end].strip())


def _bare_values(text: Text, reading: Reading) -> None:
    """ "what about 2?", "lower it to 10%": a new value for the figure the conversation is about."""
    bare_number = re.match(
        rf"^\s*(?:{CORRECTION})?\s*(?:(?:what|how) about|and|or|那|那么|是|it'?s|it is|make it)?\s*{VALUE}\s*"
        r"(?:呢|instead)?\s*[?？]?\s*$",
        text.value,
    )
    if bare_number and (reading.refine_marker or reading.instead):
        reading.bare.append(("same", float(bare_number.group("num")), bare_number.group("unit") or "", None))
        text.consume(*bare_number.span())
    for match in text.finditer(ADJUSTED_VALUE):
        reading.bare.append(("same", float(match.group("num")), match.group("unit") or "", None))
        text.consume(*match.span())


def _negations(text: str, spans: list[tuple[int, int]], reach: int, words: int = 3) -> list[bool]:
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


def _leads_into(text: str, found: Found, mention: Mention, following: Mention) -> bool:
    """Whether a value found after a column word stands right before the next column word, so it is that one's."""
    start, end = found[4]
    named = following.family not in ("company", "manager", "category", "age")
    return named and start >= mention.end and not text[end : following.start].strip(" -")


def _add_once(reading: Reading, condition: Condition) -> None:
    if condition not in reading.conditions:
        reading.conditions.append(condition)


def _name_span(text: str, name: str) -> tuple[int, int] | None:
    """Where a fund name stands in the text, exactly or with its spacing changed ("CSI300", "csi 300 index a")."""
    index = text.find(name)
    if index >= 0:
        return index, index + len(name)
    compact = name.replace(" ", "")
    if compact not in text.replace(" ", ""):
        return None
    match = re.search(r"\s*".join(re.escape(char) for char in compact), text)
    return match.span() if match else None


def _add_name(reading: Reading, column: str, value: str) -> None:
    """One condition per name column: a second name widens it to a list ("funds of A or B")."""
    condition = widened(reading.conditions, Condition(column=column, op="eq", value=value))
    reading.conditions = [c for c in reading.conditions if c.column != column or c.op not in ("eq", "in")]
    reading.conditions.append(condition)


def _name_key(name: str) -> str:
    return name[:2] if CJK.match(name) else name.split(" ", 1)[0]


# what joins the items of a list: at least one connector ("equity and mixed"), not a space ("non-QDII index")
LIST_JOINERS = r"(?:\s|funds?|基金|型)*(?:,|、|/|and|or|nor|和|或|及|与|以及)(?:\s|,|and|or|funds?|基金|型)*"


SHARED_JOINER = r"\s*(?:和|与|及|以及|、|,|and|or|&|/)\s*(?:the\s+)?"
HORIZON_LIST = re.compile(
    r"(?:(?:近|过去|最近|past |last )?\d+\s*(?:个月|月|年|[- ]?years?|[- ]?months?)\s*"
    r"(?:、|,|和|与|及|and|or|/|&)?\s*){2,}$"
)


def _listed_returns(text: str, mention: Mention) -> list[str]:
    """ "近1年、近3年收益都为正", "1-year and 3-year returns above 5%": one return word for several horizons."""
    if mention.family != "return":
        return []
    listed = HORIZON_LIST.search(text[max(0, mention.start - 60) : mention.start])
    if not listed:
        return []
    columns = [lx.MONTHS_TO_HORIZON.get(h.months) for h in find_horizons(listed.group())]
    return [lx.RETURN_COLUMNS[c] for c in columns if c] if all(columns) else []


def _vague_spans(text: str) -> list[tuple[int, int]]:
    return [
        match.span()
        for word in vague_words()
        for match in _bounded([_flexible(p) for p in word.phrases]).finditer(text)
    ]


@cache
def _flexible(phrase: str) -> str:
    """A vague phrase as a pattern: any spacing, and "small funds" also matching "small equity funds"."""
    pattern = r"\s+".join(re.escape(part) for part in phrase.split(" "))
    if not re.search(r"\\s\+funds?$", pattern):
        return pattern
    # "large funds" also says "large equity funds", "large ones" and "which of those are large?" (with its verb:
    # "less than 3 years old" is not "old funds")
    adjective = re.sub(r"\\s\+funds?$", "", pattern)
    alone = rf"(?:are|is|be|were|was)\s+{adjective}(?=\s*(?:[?.!,;]|$))"
    return rf"{adjective}\s+(?:[a-z-]+\s+){{0,2}}(?:funds?|fofs?|etfs?|qdiis?)|{adjective}\s+ones?|{alone}"


def alternation_of(words: tuple[str, ...] | list[str]) -> str:
    return lx.alternation(words)


# --- helpers: horizons -----------------------------------------------------------------------------------


def _resolve_column(mention: Mention, horizons: list[Horizon], text: str) -> str | None:
    if mention.family == "return":
        return horizon_column(horizons, mention.start, text)
    if mention.family == "age":
        return "inception_date"
    return mention.family


# --- helpers: values --------------------------------------------------------------------------------------


THEME_PATTERNS = {rf"{re.escape(en.lower())}|{re.escape(zh)}": en for en, zh in lx.NAME_THEMES} | {
    r"tech": "Tech",
    r"health ?care|medical": "Healthcare",
    r"nasdaq": "Nasdaq",
}
BUY_WITH = (
    rf"(?:buy|invest|purchase|start|get in)\w*\s+(?:\w+\s+){{0,2}}with\s+(?:just\s+|only\s+)?{VALUE}",
    rf"{VALUE}\s*(?:钱)?\s*(?:就|便)?(?:能|可以?)(?:买|申购|投资|起投|购买)",
)
# comparators that cannot also start a horizon ("over the past year") or a sort ("最高"): any text after them that is
# not a number is a target the database has no figure for
TARGET_COMPARATORS = (
    r"above|below|higher than|lower than|greater than|less than|more than|better than|worse than|exceeding|"
    r"高于|低于|超过|大于|小于|不低于|不高于|不超过|不少于|跑赢|跑输|好于|差于|优于"
)
TWO_COLUMN_COMPARATORS = (
    r"above|below|higher than|lower than|greater than|less than|more than|exceeds?|不低于|不高于|"
    r"高于|低于|超过|大于|小于|不少于|不超过"
)
ADJUST_VERBS = (
    r"lower|raise|change|set|make|increase|decrease|reduce|loosen|tighten|relax|move|adjust|bump|"
    r"改成|改为|降到|降低到|降至|提高到|提高至|调到|调整到|调整为|放宽到|收紧到|换成"
)
_LEFTOVER_COLUMNS = lx.alternation(
    [w for family in ("return", "sharpe_3y", "volatility_3y", "max_drawdown_3y", "nav", "management_fee",
                      "size_cny_100m") for w in lx.COLUMN_WORDS[family]]
)  # fmt: skip
TWO_COLUMNS = (
    rf"(?<![a-z])(?:{TWO_COLUMN_COMPARATORS})(?![a-z])\s*(?:its |the |their )?"
    rf"(?:近?\d+[- ]?(?:年|个?月|years?|months?)\s*)?(?:{_LEFTOVER_COLUMNS})"
)
_NOT_EQUAL_COMPARATORS = lx.alternation([w for op, words in lx.PREFIX_COMPARATORS.items() if op != "eq" for w in words])
# "<a few words> above <number>" that no column word claimed
UNCLAIMED_COMPARISON = (
    rf"(?P<words>(?:[a-z]+[ -]){{0,3}}|[\u4e00-\u9fff]{{1,6}})\s*(?<![a-z])(?:{_NOT_EQUAL_COMPARATORS})(?![a-z])"
    rf"\s*{VALUE}"
)
ADJUSTED_VALUE = (
    rf"(?<![a-z])(?:{ADJUST_VERBS})(?![a-z])\s*(?:it|that|this|the (?:threshold|limit|bar))?\s*(?:to\s+)?{VALUE}"
)


def _drops_condition(match: re.Match[str], text: str, target: str) -> bool:
    """Whether "<verb> <target>" drops the condition on the target, rather than asking for or excluding a value."""
    if re.match(r"\s*(?:为|是|=|of|is|at)?\s*-?\d", text[match.end() :]):
        return False  # "不要风险等级4的": excluding a value, not dropping the condition
    if match.groupdict().get("verb"):
        return True  # "申购状态不限了": said after the target, only ever a removal
    verb = match.group().split()[0]
    named_column = re.fullmatch(alternation_of(lx.COLUMN_WORDS["category"]), match.group("target"))
    if verb == "any" and not named_column and target not in ("sort", "limit") and target not in FUND_COLUMNS:
        return False  # "any QDII funds with ..." asks for QDII funds
    if verb == "any" and target != "category" and not named_column:
        return False
    if verb in ("without", "no") and not re.search(r"condition|filter|constraint|limit|restriction", match.group()):
        return False
    # "去掉货币基金" / "remove bond funds": an exclusion, read with the categories
    return not (target == "category" and not named_column)


REMOVAL_TARGETS = alternation_of(
    [w for words in lx.COLUMN_WORDS.values() for w in words]
    + [w for words in lx.CATEGORY_WORDS.values() for w in words]
    + [w for words in lx.FLAG_COLUMN_WORDS.values() for w in words]
    + [r"sort(?:ing)?", r"order(?:ing)?", r"排序", r"limit", r"top \d+", r"前\d+"]
    + [r"\d+[- ]?(?:years?|yrs?|y|months?|m)(?: returns?)?", r"近\d+(?:年|个?月)(?:收益率?|回报)?"]
    + [re.escape(p) for word in vague_words() for p in word.phrases]
)


def _removal_target(target: str) -> str | None:
    horizon = find_horizons(target)
    if horizon and horizon[0].start == 0:
        named = lx.MONTHS_TO_HORIZON.get(horizon[0].months)
        return lx.RETURN_COLUMNS[named] if named else None
    if re.fullmatch(r"sort(?:ing)?|order(?:ing)?|排序", target):
        return "sort"
    if re.fullmatch(r"limit|top \d+|前\d+", target):
        return "limit"
    for family, words in lx.COLUMN_WORDS.items():
        if re.fullmatch(alternation_of(words), target):
            return {"age": "inception_date"}.get(family, family)
    for words in lx.CATEGORY_WORDS.values():
        if re.fullmatch(alternation_of(words), target):
            return "category"
    for column, words in lx.FLAG_COLUMN_WORDS.items():
        if re.fullmatch(alternation_of(words), target):
            return column
    for word in vague_words():
        if target in [p.lower() for p in word.phrases]:
            return str(word.condition["column"])
    return None


def _rank_end(text: str) -> bool | None:
    """ "top 5" / "best" (True) or "bottom 5" / "worst" / "倒数" (False) with no figure named: which end of the
    ranking already asked for; None when the message says neither."""
    rank = re.search(
        rf"(?<![a-z])(?:(?P<high>{alternation_of(lx.BEST_WORDS)}|top)|(?P<low>{alternation_of(lx.WORST_WORDS)}|bottom))"
        r"(?![a-z])|(?P<zh_low>倒数|排名靠后|后\s*\d)",
        text,
    )
    return None if rank is None else rank.group("high") is not None


def _direction(before: str, after: str, high: str, low: str, column: str) -> bool | None:
    """True = descending, False = ascending, None = the phrase around the column word says neither."""
    around = before[-24:] + " | " + after
    if re.search(alternation_of(lx.DESCENDING_WORDS), around):
        return True
    if re.search(alternation_of(lx.ASCENDING_WORDS), around):
        return False
    natural = column in lx.NATURAL_DESCENDING
    best, worst = alternation_of(lx.BEST_WORDS), alternation_of(lx.WORST_WORDS)
    high = rf"{high}|(?:{best})" if natural else rf"{high}|(?:{worst})"
    low = rf"{low}|(?:{worst})" if natural else rf"{low}|(?:{best})"
    # English puts the superlative before the word ("highest Sharpe"), Chinese after it ("夏普最高")
    near_after = re.match(rf"\s*(?:率|比率)?\s*(?:(?P<high>{high})|(?P<low>{low}))", after)
    near_before = list(re.finditer(rf"(?<![a-z])(?:(?P<high>{high})|(?P<low>{low}))(?![a-z])(?=[^,;，。]*$)", before))
    for match in (near_after, near_before[-1] if near_before else None):
        if match and match.group("high"):
            return True
        if match and match.group("low"):
            return False
    return None
