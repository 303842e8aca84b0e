"""Aggregate a column of an ingested table (CSV/XLSX sheet, DOCX/HTML table): sum, mean, min, max, count.

Cells are parsed as numbers after removing currency signs, thousands separators and percent signs;
parentheses mean negative, as in financial tables. Rows may be filtered by an exact cell value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

OPERATIONS = ("sum", "mean", "min", "max", "count")


class TableError(ValueError):
    """The table lacks the column, or the column holds no numbers."""


@dataclass(frozen=True)
class Aggregate:
    operation: str
    column: str
    value: Fraction
    rows_used: int


def parse_cell(cell: str) -> Fraction | None:
    text = cell.strip()
    negative = text.startswith("(") and text.endswith(")")
    text = re.sub(r"[\s$€£¥,%()]", "", text)
    try:
        number = Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        return None
    return -number if negative else number


def aggregate(rows: list[list[str]], column: str, operation: str,
              where: tuple[str, str] | None = None) -> Aggregate:
    if operation not in OPERATIONS:
        raise TableError(f"unknown operation {operation!r}; use one of {', '.join(OPERATIONS)}")
    if not rows:
        raise TableError("empty table")
    header = [h.strip().lower() for h in rows[0]]
    if column.strip().lower() not in header:
        raise TableError(f"no column {column!r} (columns: {', '.join(rows[0])})")
    index = header.index(column.strip().lower())
    body = rows[1:]
    if where is not None:
        if where[0].strip().lower() not in header:
            raise TableError(f"no column {where[0]!r} to filter on")
        where_index = header.index(where[0].strip().lower())
        body = [r for r in body if len(r) > where_index and r[where_index].strip().lower() == where[1].lower()]
    numbers = [n for n in (parse_cell(r[index]) for r in body if len(r) > index) if n is not None]
    if operation == "count":
        return Aggregate(operation, column, Fraction(len(numbers)), len(numbers))
    if not numbers:
        raise TableError(f"column {column!r} holds no numbers")
    value = {
        "sum": lambda: sum(numbers, Fraction(0)),
        "mean": lambda: sum(numbers, Fraction(0)) / len(numbers),
        "min": lambda: min(numbers),
        "max": lambda: max(numbers),
    }[operation]()
    return Aggregate(operation, column, value, len(numbers))


_OPERATION_WORDS = {
    "sum": r"total|sum",
    "mean": r"average|mean",
    "min": r"minimum|lowest|smallest|min\b",
    "max": r"maximum|highest|largest|max\b",
    "count": r"how\s+many|number\s+of|count",
}


def table_question(question: str, rows: list[list[str]]) -> tuple[str, str, tuple[str, str] | None] | None:
    """(operation, column, filter) when a question names an aggregate and a column of this table."""
    if not rows:
        return None
    lowered = question.lower()
    columns = [c for c in rows[0] if c.strip() and re.search(rf"\b{re.escape(c.strip().lower())}\b", lowered)]
    operation = next((op for op, words in _OPERATION_WORDS.items() if re.search(words, lowered)), None)
    if operation is None or not columns:
        return None
    numeric = [c for c in columns if any(parse_cell(r[rows[0].index(c)]) is not None
                                         for r in rows[1:] if len(r) > rows[0].index(c))]
    if not numeric:
        return None
    where = None
    for name in rows[0]:
        index = rows[0].index(name)
        values = {r[index].strip() for r in rows[1:] if len(r) > index and r[index].strip()}
        hit = next((v for v in values if parse_cell(v) is None and re.search(rf"\b{re.escape(v.lower())}\b", lowered)),
                   None)
        if hit:
            where = (name, hit)
            break
    return operation, numeric[-1], where
