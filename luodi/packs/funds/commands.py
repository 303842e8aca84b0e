"""The rules understander's command stages: commands, flags, removals, top N and sort, what to do with the list.

Commands (reset, reverse, count, compare, paging, "the ones shown"), purchase and redemption flags, removals of a
condition ("drop the fee limit", "申购状态不限了"), the top N ("top 5", "前10只"), the sort (a column word with a
superlative or a sort verb, a superlative that carries its own column such as "cheapest", or the other end of the
current ranking) and a ranking that asks for one fund ("which one is the cheapest"). Each stage is a method of
`CommandStages`, a part of `understanding.RuleUnderstander`; it consumes the words it reads from the `Text`.
"""

from __future__ import annotations

import re

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.database import Directory
from luodi.packs.funds.horizons import find_horizons, horizon_column
from luodi.packs.funds.markers import (
    REFINE_ANYWHERE,
    REPLACE_MARKERS,
    START_MARKERS,
)
from luodi.packs.funds.normalize import Text
from luodi.packs.funds.query import Condition, SortKey
from luodi.packs.funds.reading import (
    Reading,
    alternation_of,
    bounded,
    vague_spans,
)
from luodi.packs.funds.schema import FUND_COLUMNS
from luodi.packs.funds.vague import vague_words
from luodi.packs.funds.values import (
    Mention,
)

REMOVAL_TARGETS = alternation_of(
    [w for words in lx.COLUMN_WORDS.values() for w in words]
    + [w for words in lx.CATEGORY_WORDS.values() for w in words]
    + [w for words in lx.FLAG_COLUMN_WORDS.values() for w in words]
    + [r"sort(?:ing)?", r"order(?:ing)?", r"排序", r"limit", r"top \d+", r"前\d+"]
    + [r"\d+[- ]?(?:years?|yrs?|y|months?|m)(?: returns?)?", r"近\d+(?:年|个?月)(?:收益率?|回报)?"]
    + [re.escape(p) for word in vague_words() for p in word.phrases]
)


class CommandStages:
    """The stages that read commands, flags, removals, the top N and the sort."""

    directory: Directory

    def _commands(self, text: Text, reading: Reading) -> None:
        reading.reset = bool(text.take(bounded(lx.RESET_WORDS)))
        reading.reverse = bool(text.take(bounded(lx.REVERSE_WORDS)))
        reading.count_only = bool(text.take(bounded(lx.COUNT_WORDS)))
        reading.instead = re.search(REPLACE_MARKERS, text.value) is not None
        reading.include = bounded(lx.INCLUDE_WORDS).search(text.value) is not None
        reading.previous_page = bool(text.take(bounded(lx.PREVIOUS_PAGE_WORDS)))
        for match in text.take(bounded(lx.PAGING_WORDS)):
            number = next((g for g in match.groups() if g), None)
            reading.next_page = int(number) if number else 0
        for match in text.take(r"(?<![a-z])page\s*(?P<n>\d{1,3})|第\s*(?P<m>\d{1,3})\s*页"):
            reading.page_number = int(match.group("n") or match.group("m"))
        reading.compare = bool(text.take(bounded(lx.COMPARE_WORDS)))
        reading.shown_reference = bool(text.take(bounded(lx.SHOWN_REFERENCES)))
        marked = re.search(START_MARKERS, text.value) or bounded(REFINE_ANYWHERE).search(text.value)
        reading.refine_marker = bool(marked) or reading.shown_reference

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
            if text.take(bounded(words)):  # "open for purchase and redemption", "暂停申赎"
                reading.conditions += [Condition(column=column, op="eq", value=value)
                                       for column in ("purchase_open", "redemption_open")]  # fmt: skip
        removal = alternation_of(lx.REMOVE_WORDS)
        postfix = alternation_of(lx.POSTFIX_REMOVE_WORDS)
        for (column, value), words in lx.FLAG_WORDS.items():
            for match in text.take(bounded(words)):
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

    def _sort(self, text: Text, mentions: list[Mention], reading: Reading) -> None:
        keys: list[SortKey] = []
        verbs = alternation_of(lx.SORT_VERBS)
        high, low = alternation_of(lx.HIGH_SUPERLATIVES), alternation_of(lx.LOW_SUPERLATIVES)
        vague = vague_spans(text.value)
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
