"""A safe calculator: arithmetic expressions parsed with `ast` and evaluated exactly, never with `eval`.

+ - * / and integer powers are exact rationals (Fraction); sqrt, logarithms, exp and fractional powers are
computed in Decimal with 50 significant digits, so 0.1 + 0.2 is 0.3 and sqrt(143) is 11.95826074310...
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

Number = Fraction | Decimal
DIGITS = 50


class CalculationError(ValueError):
    """The expression is not arithmetic this calculator accepts, or has no value (division by zero)."""


def _decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    with localcontext() as context:
        context.prec = DIGITS
        return Decimal(value.numerator) / Decimal(value.denominator)


def _exact(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _sqrt(x: Number) -> Number:
    if x < 0:
        raise CalculationError("square root of a negative number")
    with localcontext() as context:
        context.prec = DIGITS
        root = _decimal(x).sqrt()
    exact = Fraction(root).limit_denominator(10**12)
    return exact if exact * exact == _exact(x) else root


def _ln(x: Number) -> Number:
    if x <= 0:
        raise CalculationError("logarithm of a non-positive number")
    with localcontext() as context:
        context.prec = DIGITS
        return _decimal(x).ln()


def _log10(x: Number) -> Number:
    if x <= 0:
        raise CalculationError("logarithm of a non-positive number")
    with localcontext() as context:
        context.prec = DIGITS
        return _decimal(x).log10()


def _exp(x: Number) -> Number:
    with localcontext() as context:
        context.prec = DIGITS
        return _decimal(x).exp()


def _round(x: Number, places: Number = Fraction(0)) -> Number:
    return Fraction(round(_exact(x), int(places)))


def _mean(*values: Number) -> Number:
    if not values:
        raise CalculationError("mean of nothing")
    return sum((_exact(v) for v in values), Fraction(0)) / len(values)


FUNCTIONS: dict[str, Callable[..., Number]] = {
    "sqrt": _sqrt,
    "ln": _ln,
    "log": _ln,
    "log10": _log10,
    "exp": _exp,
    "abs": lambda x: abs(x),
    "round": _round,
    "min": lambda *v: min(v),
    "max": lambda *v: max(v),
    "sum": lambda *v: sum((_exact(x) for x in v), Fraction(0)),
    "mean": _mean,
    "avg": _mean,
    "average": _mean,
}
CONSTANTS: dict[str, Number] = {
    "pi": Decimal("3.14159265358979323846264338327950288419716939937510"),
    "e": Decimal("2.71828182845904523536028747135266249775724709369995"),
}


def _binary(operator: ast.operator, left_value: Number, right_value: Number) -> Number:
    # both exact, or both Decimal: mixing the two types is what Python refuses
    left: Any = left_value
    right: Any = right_value
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        left, right = _decimal(left_value), _decimal(right_value)
    match operator:
        case ast.Add():
            return left + right
        case ast.Sub():
            return left - right
        case ast.Mult():
            return left * right
        case ast.Div():
            if right == 0:
                raise CalculationError("division by zero")
            return left / right
        case ast.Mod():
            return left % right
        case ast.Pow():
            return _power(left, right)
    raise CalculationError(f"operator {type(operator).__name__} is not allowed")


def _power(base: Number, exponent: Number) -> Number:
    if abs(float(exponent)) > 10_000:
        raise CalculationError("exponent too large")
    if isinstance(exponent, Fraction) and exponent.denominator == 1 and isinstance(base, Fraction):
        return base**exponent.numerator
    if base < 0:
        raise CalculationError("fractional power of a negative number")
    with localcontext() as context:
        context.prec = DIGITS
        return _decimal(base) ** _decimal(exponent)


def _evaluate(node: ast.AST) -> Number:
    match node:
        case ast.Expression(body=body):
            return _evaluate(body)
        case ast.Constant(value=value) if isinstance(value, int | float) and not isinstance(value, bool):
            return Fraction(str(value)) if isinstance(value, float) else Fraction(value)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_evaluate(operand)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return _evaluate(operand)
        case ast.BinOp(left=left, op=operator, right=right):
            return _binary(operator, _evaluate(left), _evaluate(right))
        case ast.Name(id=name) if name in CONSTANTS:
            return CONSTANTS[name]
        case ast.Call(func=ast.Name(id=name), args=args, keywords=[]) if name in FUNCTIONS:
            return FUNCTIONS[name](*(_evaluate(a) for a in args))
    raise CalculationError(f"not allowed in an expression: {ast.dump(node)[:60]}")


def _prepare(expression: str) -> str:
    text = expression.replace("×", "*").replace("÷", "/").replace("^", "**").replace("−", "-")
    text = re.sub(r"(\d),(\d{3})", r"\1\2", text)  # thousands separators
    return re.sub(r"(\d+(?:\.\d+)?)\s*%", r"(\1/100)", text)


def calculate(expression: str) -> Number:
    """The exact value of an arithmetic expression. Raises CalculationError for anything else."""
    text = _prepare(expression)
    if len(text) > 500:
        raise CalculationError("expression too long")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise CalculationError(f"not an arithmetic expression: {expression!r}") from exc
    return _evaluate(tree)


def format_number(value: Number, places: int | None = None) -> str:
    """Rounded half-up to `places` decimals when given; otherwise exact when short, else 10 significant."""
    decimal = _decimal(value)
    if places is not None:
        with localcontext() as context:
            context.prec = DIGITS
            return f"{decimal.quantize(Decimal(1).scaleb(-places)):f}"
    if isinstance(value, Fraction) and value.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 50, 100, 1000):
        return f"{decimal.normalize():f}"
    return f"{decimal:.10g}" if abs(decimal) < Decimal("1e15") else f"{decimal:.10e}"


def to_float(value: Number) -> float:
    return float(value)


_WORDS = [
    (r"square\s+root\s+of\s+([\d.,]+)", r"sqrt(\1)"),
    (r"cube\s+root\s+of\s+([\d.,]+)", r"(\1)**(1/3)"),
    (r"([\d.,]+)\s+squared", r"(\1)**2"),
    (r"([\d.,]+)\s+cubed", r"(\1)**3"),
    (r"natural\s+log(?:arithm)?\s+of\s+([\d.,]+)", r"ln(\1)"),
    (r"([\d.,]+)\s*(?:percent|%)\s+of\s+([\d.,]+)", r"(\1/100)*(\2)"),
    (r"\bplus\b", "+"), (r"\bminus\b", "-"), (r"\btimes\b|\bmultiplied\s+by\b", "*"),
    (r"\bdivided\s+by\b|\bover\b", "/"), (r"\bto\s+the\s+power\s+of\b", "**"),
]
_EXPRESSION = re.compile(
    r"(?:(?:sqrt|ln|log10|log|exp|abs|round|min|max|mean|avg|sum)\s*\(|[\d(.-])"
    r"(?:[\d\s.,+\-*/^()%×÷−]|sqrt|ln|log10|log|exp|abs|round|min|max|mean|avg|sum|pi\b)*"
)


def find_expression(text: str) -> str | None:
    """The arithmetic expression a question asks to compute, if it holds one with an operator or function."""
    rewritten = text.lower()
    for pattern, replacement in _WORDS:
        rewritten = re.sub(pattern, replacement, rewritten)
    candidates = [m.group(0).strip(" ,.") for m in _EXPRESSION.finditer(rewritten)]
    # a computation needs an operator between operands or a function: "roughly 2%" alone is not one
    candidates = [c for c in candidates if re.search(r"[\d)]\s*[-+*/^×÷]\s*[\d(a-z]|[a-z]+\(", c)]
    for candidate in sorted(candidates, key=len, reverse=True):
        balanced = candidate[: _balanced_end(candidate)]
        try:
            calculate(balanced)
        except (CalculationError, ZeroDivisionError, ValueError, TypeError, OverflowError):
            continue
        return balanced
    return None


def _balanced_end(text: str) -> int:
    depth, end = 0, len(text)
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return index
        end = index + 1
    return end if depth == 0 else len(text.rstrip(")"))


def requested_places(text: str) -> int | None:
    """Decimal places a question asks for ("to 3 decimal places", "round to two decimals")."""
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "zero": 0, "no": 0}
    match = re.search(r"(\d+|one|two|three|four|five|zero|no)\s+decimal(?:\s+places?|s)?", text, re.I)
    if match:
        token = match.group(1).lower()
        return int(token) if token.isdigit() else words[token]
    if re.search(r"nearest\s+(?:whole\s+)?(?:integer|number|dollar)", text, re.I):
        return 0
    return None


__all__ = ["CalculationError", "calculate", "find_expression", "format_number", "requested_places"]
