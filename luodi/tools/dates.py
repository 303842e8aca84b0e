"""Date arithmetic: parse the dates a question states, count days between them, move a date by an interval."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
DATE_PATTERN = re.compile(
    rf"\b(\d{{4}})-(\d{{2}})-(\d{{2}})\b"
    rf"|\b({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b"
    rf"|\b(\d{{1,2}})\s+({_MONTH})\.?,?\s+(\d{{4}})\b",
    re.IGNORECASE,
)


def find_dates(text: str) -> list[tuple[date, tuple[int, int]]]:
    """Every full date written in the text, with its character span."""
    found = []
    for match in DATE_PATTERN.finditer(text):
        groups = match.groups()
        try:
            if groups[0]:
                value = date(int(groups[0]), int(groups[1]), int(groups[2]))
            elif groups[3]:
                value = date(int(groups[5]), _MONTHS[groups[3].lower()], int(groups[4]))
            else:
                value = date(int(groups[8]), _MONTHS[groups[7].lower()], int(groups[6]))
        except ValueError:  # 31 February and the like
            continue
        found.append((value, match.span()))
    return found


def days_between(start: date, end: date) -> int:
    return (end - start).days


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def shift(start: date, amount: int, unit: str) -> date:
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return start + timedelta(days=amount)
    if unit == "week":
        return start + timedelta(weeks=amount)
    if unit == "month":
        return add_months(start, amount)
    if unit == "year":
        return add_months(start, 12 * amount)
    raise ValueError(f"unknown unit {unit!r}")


_SHIFT = re.compile(r"(\d+)\s+(days?|weeks?|months?|years?)\s+(after|before|from)", re.IGNORECASE)


def date_question(text: str) -> tuple[str, dict[str, str], str] | None:
    """(tool name, arguments, result) when a question asks for date arithmetic, else None."""
    dates = find_dates(text)
    if len(dates) >= 2 and re.search(r"how\s+many\s+days|days\s+between|number\s+of\s+days", text, re.I):
        start, end = dates[0][0], dates[1][0]
        return "days_between", {"start": start.isoformat(), "end": end.isoformat()}, str(days_between(start, end))
    shift_match = _SHIFT.search(text)
    if len(dates) == 1 and shift_match:
        amount = int(shift_match.group(1)) * (-1 if shift_match.group(3).lower() == "before" else 1)
        moved = shift(dates[0][0], amount, shift_match.group(2))
        arguments = {"start": dates[0][0].isoformat(), "amount": str(amount), "unit": shift_match.group(2)}
        return "shift_date", arguments, moved.isoformat()
    return None
