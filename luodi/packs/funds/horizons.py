"""Return horizons ("近一年", "3-year", "over the past 6 months") and the clauses they govern: which return
column a return word in a clause means; and returns said as gains and losses with no return word ("lost money over
the past 6 months", "近一年亏损超过30%", "up 10% this year", "跑赢5%")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from luodi.packs.funds import lexicon as lx
from luodi.packs.funds.dates import op_of
from luodi.packs.funds.normalize import Text
from luodi.packs.funds.query import Condition
from luodi.packs.funds.values import COMPARATOR_WORDS, TIME_UNIT, VALUE

SEPARATORS = re.compile(
    r"[,;!?。！？；、]|(?<!\d)\.|\.(?!\d)|\b(?:with|that|which|where|whose|and are|but)\b|的|且|并且|同时"
)


@dataclass(frozen=True)
class Horizon:
    start: int
    end: int
    months: int


def find_horizons(text: str) -> list[Horizon]:
    found: list[Horizon] = []
    taken: set[int] = set()
    for pattern, months in lx.HORIZON_PATTERNS:
        for match in re.finditer(rf"(?<![a-z])(?:{pattern})(?![a-z])", text):
            if match.start() in taken:
                continue
            value = months
            if value is None:
                number = int(match.group(1))
                is_years = re.search(r"y|年", match.group()[len(match.group(1)) :]) is not None
                is_years = is_years and "月" not in match.group()
                value = number * 12 if is_years else number
            found.append(Horizon(match.start(), match.end(), value))
            taken.update(range(match.start(), match.end()))
    return found


def horizon_column(horizons: list[Horizon], position: int, text: str) -> str | None:
    """The return column for a mention at `position`: the nearest horizon in its clause, else the only one."""
    clause_start = max([m.end() for m in SEPARATORS.finditer(text[:position])] or [0])
    next_separator = SEPARATORS.search(text, position)
    clause_end = next_separator.start() if next_separator else len(text)
    near = [h for h in horizons if clause_start <= h.start and h.end <= clause_end]
    candidates = near or (horizons if len(horizons) == 1 else [])
    if not candidates:
        return lx.RETURN_COLUMNS[lx.DEFAULT_HORIZON]
    nearest = min(candidates, key=lambda h: min(abs(h.end - position), abs(h.start - position)))
    horizon = lx.MONTHS_TO_HORIZON.get(nearest.months)
    return lx.RETURN_COLUMNS[horizon] if horizon else None


def clause_stop(text: str, start: int, end: int) -> int:
    """Where the clause starting at `start` ends (before `end`): at a separator, but not inside "between a and b"."""
    separator = SEPARATORS.search(text, start, end)
    return separator.start() if separator else end


RELATIVE_VERBS = r"跑输|跑赢|outperform(?:ed|s|ing)?|underperform(?:ed|s|ing)?|lagg?(?:ed|ing|s)?|beat(?:s|ing)?"
LOSS_NOUNS = r"loss(?:es)?|lost|drop(?:ped)?|decline[ds]?|fell|fall|down|亏损|亏了|下跌|跌幅|跌了|回落"
LOSS_WORDS = (
    r"lost money",
    r"losing money",
    r"lose money",
    r"lost any money",
    r"in the red",
    r"(?:are|is|were|was) down",
    r"loss(?:es)?",
    r"亏损",
    r"亏钱",
    r"赔钱",
)
PROFIT_WORDS = (r"made money", r"making money", r"in the black", r"(?:are|is|were|was) up", r"赚钱", r"盈利")
FLIPPED = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}  # a bound on a loss is the opposite bound on the return


def signed_returns(text: Text, existing: list[Condition]) -> list[Condition]:
    """Returns said as gains and losses: bounded losses, relative verbs, moves, then negated losses and bare signs
    (which give way to a condition already on that return)."""
    found = [*_bounded_losses(text), *_relative(text), *_moves(text), *_negated_losses(text)]
    return found + _signs(text, [*existing, *found])


def _column_at(text: Text, position: int) -> str | None:
    return horizon_column(find_horizons(text.value), position, text.value)


def _bounded_losses(text: Text) -> list[Condition]:
    """ "a 1-year loss of more than 30%" is a return below -30%: the bound flips with the sign."""
    found: list[Condition] = []
    comparators = lx.alternation([w for op in ("gt", "ge", "lt", "le") for w in lx.PREFIX_COMPARATORS[op]])
    for match in text.finditer(rf"(?<![a-z])(?:{LOSS_NOUNS})(?![a-z])\s*(?:of\s+)?(?P<op>{comparators})\s*{VALUE}"):
        op = op_of(match.group("op"))
        column = _column_at(text, match.start())
        if op and column and not TIME_UNIT.match(match.group("unit") or ""):  # "down over 6 months": a horizon
            bound, start = _negated(text, match.start(), FLIPPED[op])  # "haven't lost more than 5%": at least -5%
            found.append(Condition(column=column, op=bound, value=-abs(float(match.group("num")))))  # type: ignore[arg-type]
            text.consume(start, match.end())
    return found


NEGATED = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}  # the bound that holds when the statement does not


def _negated(text: Text, position: int, op: str) -> tuple[str, int]:
    """ "did not fall more than 20%", "never lost more than 10%", "没有亏损超过5%", "exclude funds with a 1-year
    loss of more than 30%": the opposite bound, and where the negated phrase starts."""
    before = text.value[:position]
    be_not = rf"(?<![a-z])(?:are|is|were|was)(?:n'?t| not){lx.NEGATION_GAP}$"  # "weren't down more than 5%"
    negation = (lx.negation_before(before, lx.NEGATION_GAP, verbs=True) or re.search(be_not, before)
                or lx.negation_before(before, lx.THOSE_WITH))  # fmt: skip
    return (NEGATED[op], negation.start()) if negation else (op, position)


def _relative(text: Text) -> list[Condition]:
    """ "跑赢5%", "outperformed by 3%": a return above (or below) that figure."""
    found: list[Condition] = []
    for match in text.finditer(rf"(?<![a-z])(?P<verb>{RELATIVE_VERBS})(?![a-z])\s*(?:by\s+)?{VALUE}"):
        column = _column_at(text, match.start())
        if column:
            behind = match.group("verb").startswith(("跑输", "under", "lag"))
            found.append(Condition(column=column, op="lt" if behind else "gt", value=float(match.group("num"))))
            text.consume(*match.span())
    return found


def _moves(text: Text) -> list[Condition]:
    """ "funds that are up 10% over 1 year", "down more than 5% this year": the number is the bound (at least that
    gain, at most that loss unless a comparator says otherwise); the bare sign words come later."""
    found: list[Condition] = []
    pattern = (
        r"(?<![a-z])(?:(?:are|is|were|was|have|has|had|did)(?:n'?t| not)?\s+(?:gone\s+|go\s+)?|went\s+|never\s+"
        r"(?:gone|went)\s+)(?P<way>up|down)\s+(?:by\s+)?"
        rf"(?:(?P<op>{COMPARATOR_WORDS})\s*)?{VALUE}"
    )
    for match in text.finditer(pattern):
        column = _column_at(text, match.start())
        if (match.group("unit") or "%").strip() not in ("%", "percent") or column is None:
            continue
        op = (op_of(match.group("op")) if match.group("op") else None) or "ge"
        number = float(match.group("num"))
        if match.group("way") == "down":  # a loss of more than 5% is a return below -5%
            op, number = FLIPPED[op], -number
        if re.search(r"n'?t |\bnot |never ", match.group()):  # "weren't down more than 5%": at least -5%
            op = NEGATED[op]
        found.append(Condition(column=column, op=op, value=number))  # type: ignore[arg-type]
        text.consume(*match.span())
    return found


def _negated_losses(text: Text) -> list[Condition]:
    """ "haven't lost money", "没有亏钱", "剔除亏损的": a return of at least zero."""
    found: list[Condition] = []
    for match in text.finditer(lx.bounded(LOSS_WORDS)):
        negation = lx.negation_before(text.value[: match.start()], lx.THOSE_WITH, verbs=True)
        column = _column_at(text, match.start())
        if negation and column:
            found.append(Condition(column=column, op="ge", value=0.0))
            text.consume(negation.start(), match.end())
    return found


def _signs(text: Text, existing: list[Condition]) -> list[Condition]:
    """ "lost money", "赚钱": a return below (above) zero, unless that return already has a condition."""
    found: list[Condition] = []
    for op, words in (("lt", LOSS_WORDS), ("gt", PROFIT_WORDS)):
        for match in text.finditer(lx.bounded(words)):
            column = _column_at(text, match.start())
            if column and not any(c.column == column for c in [*existing, *found]):
                found.append(Condition(column=column, op=op, value=0.0))  # type: ignore[arg-type]
            text.consume(*match.span())
    return found
