"""Date arithmetic and table aggregation."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from luodi.tools.dates import add_months, date_question, days_between, find_dates
from luodi.tools.tables import TableError, aggregate, table_question

ROWS = [["region", "amount"], ["North", "1,000"], ["South", "(250)"], ["North", "50.5"], ["West", "n/a"]]


def test_dates_are_found_in_several_spellings() -> None:
    found = [d for d, _ in find_dates("On May 26, 2023 and 2023-07-01 and 1 July 2022 (not 31 February 2023)")]
    assert found == [date(2023, 5, 26), date(2023, 7, 1), date(2022, 7, 1)]


def test_date_arithmetic() -> None:
    assert days_between(date(2023, 1, 28), date(2024, 2, 3)) == 371
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert date_question("How many days between January 28, 2023 and February 3, 2024?") == (
        "days_between", {"start": "2023-01-28", "end": "2024-02-03"}, "371")
    assert date_question("What date is 90 days after 2023-05-26?")[2] == "2023-08-24"


def test_table_aggregation_with_filter() -> None:
    assert aggregate(ROWS, "amount", "sum").value == Fraction(8005, 10)
    assert aggregate(ROWS, "amount", "sum", where=("region", "North")).value == Fraction(10505, 10)
    assert aggregate(ROWS, "amount", "count").value == 3
    with pytest.raises(TableError):
        aggregate(ROWS, "price", "sum")
    assert table_question("What is the total amount for North?", ROWS) == ("sum", "amount", ("region", "North"))
