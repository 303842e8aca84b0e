"""The safe calculator: exact arithmetic, common functions, requested precision, and nothing but arithmetic."""

from __future__ import annotations

from fractions import Fraction

import pytest

from luodi.tools.calculator import CalculationError, calculate, find_expression, format_number, requested_places


def test_square_root_to_requested_precision() -> None:
    assert format_number(calculate("sqrt(143)"), 3) == "11.958"
    assert format_number(calculate("sqrt(144)")) == "12"


def test_arithmetic_is_exact() -> None:
    assert calculate("0.1 + 0.2") == Fraction(3, 10)
    assert calculate("2^10 - 3*(4+1)") == 1009
    assert calculate("15% * 240") == 36
    assert calculate("1,234 * 2") == 2468
    assert format_number(calculate("mean(1, 2, 4)"), 4) == "2.3333"


@pytest.mark.parametrize("expression", ["__import__('os').system('true')", "open('x')", "a + 1", "(1).real",
                                        "1 / 0", "10 ** 100000", "sqrt(-1)"])
def test_anything_but_arithmetic_is_refused(expression: str) -> None:
    with pytest.raises(CalculationError):
        calculate(expression)


def test_expressions_and_precision_are_found_in_questions() -> None:
    assert find_expression("What is sqrt(143)?") == "sqrt(143)"
    assert find_expression("what is the square root of 143 to 3 decimal places") == "sqrt(143)"
    assert find_expression("What is 15% of 240?") == "(15/100)*(240)"
    assert find_expression("What was the FY2018 - FY2020 revenue?") is None
    assert find_expression("Are margins consistent (not fluctuating more than roughly 2% each year)?") is None
    assert requested_places("round your answer to two decimal places") == 2
