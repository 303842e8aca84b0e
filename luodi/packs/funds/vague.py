"""The vague-word definitions (vague_words.yaml), loaded once: phrases in both languages -> a stated condition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from luodi.packs.funds.query import Condition

DEFINITIONS_FILE = Path(__file__).with_name("vague_words.yaml")


@dataclass(frozen=True)
class VagueWord:
    key: str
    phrases: tuple[str, ...]
    condition: dict[str, Any]
    means_en: str
    means_zh: str

    def condition_for(self, as_of: date) -> Condition:
        spec = dict(self.condition)
        years_ago = spec.pop("years_ago", None)
        if years_ago is not None:
            spec["value"] = years_before(as_of, int(years_ago)).isoformat()
        return Condition(**spec, vague=self.key)


def years_before(day: date, years: int) -> date:
    return months_before(day, 12 * years)


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier, or that month's last day (31 March - 1 month = 28 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month + 1, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no date {months} months before {day}")


@cache
def vague_words() -> tuple[VagueWord, ...]:
    raw = yaml.safe_load(DEFINITIONS_FILE.read_text(encoding="utf-8"))
    return tuple(
        VagueWord(
            key=key,
            phrases=tuple(spec.get("en", [])) + tuple(spec.get("zh", [])),
            condition=spec["condition"],
            means_en=spec["means"]["en"],
            means_zh=spec["means"]["zh"],
        )
        for key, spec in raw.items()
    )


def definition(key: str, language: str) -> str:
    for word in vague_words():
        if word.key == key:
            return word.means_zh if language == "zh" else word.means_en
    return key
