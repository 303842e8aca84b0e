"""The rules understander's condition stages: conditions and values, what the funds must satisfy.

Figures the database lacks and promises no fund can make (asked about, never guessed), purchase amounts ("can I
buy with 10 yuan"), column words with the comparison and value next to them ("fee under 0.5%", one comparison
shared by a list of figures), changed bounds ("raise the fee limit to 0.5%"), a switch of return horizon
("改成近五年"), vague words ("low fee", "大规模"), and last the leftovers: a comparison no column word claimed is
read by its unit or as the last figure's new bound, or reported as unknown. Each stage is a method of
`ConditionStages`, a part of `understanding.RuleUnderstander`; it consumes the words it reads from the `Text`.
"""

from __future__ import annotations

import re

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.database import Directory
from luodi.packs.funds.horizons import Horizon, clause_stop, find_horizons, horizon_column
from luodi.packs.funds.markers import (
    CORRECTION,
    FUTURE_RANKING,
    FUTURE_SPAN,
    MISSING_FIGURES,
    PROMISES,
)
from luodi.packs.funds.normalize import Text
from luodi.packs.funds.query import Condition
from luodi.packs.funds.reading import (
    Reading,
    bounded,
    flexible,
    vague_spans,
)
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
SHARED_JOINER = r"\s*(?:和|与|及|以及|、|,|and|or|&|/)\s*(?:the\s+)?"
HORIZON_LIST = re.compile(
    r"(?:(?:近|过去|最近|past |last )?\d+\s*(?:个月|月|年|[- ]?years?|[- ]?months?)\s*"
    r"(?:、|,|和|与|及|and|or|/|&)?\s*){2,}$"
)
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


class ConditionStages:
    """The stages that read comparisons, values, vague words and what is left over."""

    directory: Directory

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

    def _vague(self, text: Text, reading: Reading) -> None:
        explicit = {c.column for c in reading.conditions}
        for word in vague_words():
            pattern = bounded([flexible(p) for p in word.phrases])
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
        vague = vague_spans(text.value)
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


def _leads_into(text: str, found: Found, mention: Mention, following: Mention) -> bool:
    """Whether a value found after a column word stands right before the next column word, so it is that one's."""
    start, end = found[4]
    named = following.family not in ("company", "manager", "category", "age")
    return named and start >= mention.end and not text[end : following.start].strip(" -")


def _listed_returns(text: str, mention: Mention) -> list[str]:
    """ "近1年、近3年收益都为正", "1-year and 3-year returns above 5%": one return word for several horizons."""
    if mention.family != "return":
        return []
    listed = HORIZON_LIST.search(text[max(0, mention.start - 60) : mention.start])
    if not listed:
        return []
    columns = [lx.MONTHS_TO_HORIZON.get(h.months) for h in find_horizons(listed.group())]
    return [lx.RETURN_COLUMNS[c] for c in columns if c] if all(columns) else []


def _resolve_column(mention: Mention, horizons: list[Horizon], text: str) -> str | None:
    if mention.family == "return":
        return horizon_column(horizons, mention.start, text)
    if mention.family == "age":
        return "inception_date"
    return mention.family
