"""Return horizons ("近一年", "3-year", "over the past 6 months") and the clauses they govern: which return
column a return word in a clause means."""

from __future__ import annotations

import re
from dataclasses import dataclass

from luodi.scenarios.funds import lexicon as lx

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
