"""Understand a question deterministically: which metric, which fiscal years, how aggregated, in what unit
and precision, and about which company. General parsing of the language analysts use, not per-question
rules; what it cannot parse is left to retrieval (and the small model), or to abstention."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from luodi.packs.filings.metrics import Aggregation, Metric, find_metric
from luodi.tools.calculator import requested_places

_FY = r"(?:fy\s?|fiscal\s+(?:year\s+)?)?((?:19|20)\d\d)"
_RANGE = re.compile(rf"(?:from\s+|between\s+)?{_FY}\s*(?:-|–|to|through|and)\s*{_FY}", re.I)
_SHORT_FY = re.compile(r"\bfy\s?(\d\d)\b", re.I)



@dataclass(frozen=True)
class FinancialQuestion:
    metric: Metric
    aggregation: Aggregation
    years: tuple[int, ...]
    scale: str  # for currency answers: thousands, millions or billions
    places: int


def question_years(question: str) -> tuple[list[int], tuple[int, int] | None]:
    """Years in order of mention (FY2018, fiscal 2018, FY18, 2018) and the first explicit range, if any."""
    text = _SHORT_FY.sub(lambda m: f"FY20{m.group(1)}", question)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", text)]
    match = _RANGE.search(text)
    span = (int(match.group(1)), int(match.group(2))) if match else None
    if span and span[0] >= span[1]:
        span = None
    return years, span


def _aggregation(lowered: str) -> Aggregation:
    if re.search(r"\bcagr\b|compound(?:ed)? annual growth", lowered):
        return "cagr"
    if re.search(r"(?:\d|two|three|four|five)[- ]year average|average\s+(?:annual\s+)?(?!pp|inventory|accounts|total"
                 r"|receivable|payable)\w+.{0,40}\bfrom\s+fy", lowered):
        return "average"
    if re.search(r"(?:year[- ]over[- ]year|yoy|y/y|annual)\s+(?:change|growth)|growth rate|(?:%|percent(?:age)?) change"
                 r"|change in .{0,60}\bfrom\s+fy"
                 r"|\b(?:grow|grew|increase|decrease|decline|rise|fall|changed)\b.{0,60}\b(?:between|from)\s+"
                 r"(?:fy|fiscal|\d|q[1-4]\b|the\s+(?:first|second|third|fourth)\s+quarter)"
                 r"|\b(?:grow|grew|increase|decrease|decline|rise|fall|changed?)\b.{0,60}\bcompared\s+(?:to|with)\b",
                 lowered):
        return "change"
    return "value"


def _years_for(aggregation: Aggregation, years: list[int], span: tuple[int, int] | None,
               default_year: int | None) -> tuple[int, ...] | None:
    if aggregation in ("average",) and span:
        return tuple(range(span[0], span[1] + 1))
    if aggregation in ("change", "cagr"):
        if span:
            return (span[0], span[1])
        if years:
            return (years[0] - 1, years[0])
        return None
    first = years[0] if years else default_year
    return (first,) if first else None


def currency_scale(question: str) -> str:
    """The scale a currency answer is asked in: thousands, millions (the default) or billions."""
    for name in ("billions", "thousands", "millions"):
        if re.search(rf"\b{name[:-1]}s?\b", question, re.I):
            return name
    return "millions"


def parse_financial_question(question: str, default_year: int | None = None) -> FinancialQuestion | None:
    metric = find_metric(question)
    if metric is None:
        return None
    lowered = question.lower()
    aggregation = _aggregation(lowered)
    years, span = question_years(question)
    chosen = _years_for(aggregation, years, span, default_year)
    if not chosen:
        return None
    places = requested_places(question)
    return FinancialQuestion(metric, aggregation, chosen, currency_scale(lowered), 2 if places is None else places)


# a stability question names steadiness and binds a tolerance to a word of movement: "consistent (not
# fluctuating more than roughly 2% each year)", "stable, moving no more than 1.5 points", "steady, varying by
# less than 3%". "More than 5%" after a word of growth ("did it grow more than 5%") is a growth test, not this
_STEADY = re.compile(r"\b(?:consistent|consistency|stable|stability|steady|steadiness)\b", re.I)
_MOVES = r"(?:fluctuat\w*|var(?:y|ies|ied|ying)|mov(?:e|es|ed|ing)|swing\w*|swung|deviat\w*|chang(?:e|es|ed|ing))"
_ABOUT = r"(?:roughly |about |approximately |around |some )?"
_AMOUNT = r"(\d+(?:\.\d+)?)\s*(?:%|percent\b|percentage points?\b|points?\b)"
_TOLERANCE = re.compile(
    rf"(?:\b(?:not|never|no|without)|n't)\s+{_MOVES}\s+(?:by\s+)?(?:more|greater)\s+than\s+{_ABOUT}{_AMOUNT}"
    rf"|\b{_MOVES}\s+(?:by\s+)?(?:no\s+more\s+than|not\s+more\s+than|less\s+than|at\s+most|under|within)\s+"
    rf"{_ABOUT}{_AMOUNT}",
    re.I,
)


def stability_threshold(question: str) -> Fraction | None:
    """The yearly change a stability question tolerates, when it states one; without a stated threshold
    "consistent" is a judgement the numbers alone do not settle."""
    if not _STEADY.search(question):
        return None
    match = _TOLERANCE.search(question)
    return Fraction(next(g for g in match.groups() if g)) if match else None


# the three sections of a cash-flow statement, named in any order
_SECTION_WORDS = (re.compile(r"\boperat(?:ing|ions?)\b", re.I), re.compile(r"\binvest(?:ing|ments?)\b", re.I),
                  re.compile(r"\bfinanc(?:ing|e)\b", re.I))
# a verb says which way cash moved, an extreme which end is wanted: the section with the highest net cash flow
# brought in the most, lost the least or used the least; the lowest brought in the least or used the most
_INFLOW = r"(?:brought\s+in|brings?\s+in|generated|generates?|provided|provides?|produced|produces?|raised|raises?" \
          r"|contributed|contributes?)"
_OUTFLOW = r"(?:used|uses?|lost|loses?|consumed|consumes?|spent|spends?|burned|burnt|burns?|drained|drains?)"
_EXTREME = r"most|least|largest|smallest|highest|lowest|greatest|biggest"
_MOST = {"most", "largest", "highest", "greatest", "biggest"}
_DIRECTED = re.compile(
    rf"\b(?:(?P<in>{_INFLOW})|(?P<out>{_OUTFLOW}))\s+(?:the\s+)?(?P<end>{_EXTREME})\b"  # "lost the least"
    rf"|\bthe\s+(?P<end2>{_EXTREME})\s+(?:net\s+)?(?:cash\s+)?(?:flows?\s+)?"  # "the most cash brought in"
    rf"(?:(?P<in2>{_INFLOW}|inflows?)|(?P<out2>{_OUTFLOW}|outflows?))\b",  # "the largest net cash outflow"
    re.I,
)


def compared_sections(question: str) -> bool | None:
    """For a question asking which of the operating, investing and financing sections of the cash-flow
    statement moved cash one way the most or least: True when it wants the section with the highest net cash
    flow, False when the lowest; None when it is not such a question or its wording points both ways."""
    if not re.search(r"\bcash\b", question, re.I) or not all(w.search(question) for w in _SECTION_WORDS):
        return None
    wants: set[bool] = set()
    for match in _DIRECTED.finditer(question):
        inflow = bool(match.group("in") or match.group("in2"))
        most = (match.group("end") or match.group("end2")).lower() in _MOST
        wants.add(inflow == most)
    return wants.pop() if len(wants) == 1 else None


_ORDINAL_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_YEAR_AFTER = r"\s+(?:of\s+)?(?:the\s+)?(?:fiscal\s+(?:year\s+)?|fy\s?)?((?:19|20)\d\d)"
_QUARTER_OF = re.compile(rf"\bq([1-4]){_YEAR_AFTER}|\b(first|second|third|fourth)\s+(?:fiscal\s+)?quarter{_YEAR_AFTER}",
                         re.I)


def asked_quarter(question: str) -> tuple[int, tuple[int, ...]] | None:
    """The fiscal quarter a question asks about and the fiscal years it names it in ("Q2 of FY2023 compared to
    Q2 of FY2022" -> (2, (2022, 2023))); None unless every year it names is tied to the same quarter."""
    text = _SHORT_FY.sub(lambda m: f"FY20{m.group(1)}", question)
    found = [(int(m.group(1)) if m.group(1) else _ORDINAL_QUARTERS[m.group(3).lower()], int(m.group(2) or m.group(4)))
             for m in _QUARTER_OF.finditer(text)]
    years, _ = question_years(question)
    if not found or len({q for q, _ in found}) > 1 or set(years) != {y for _, y in found}:
        return None
    return found[0][0], tuple(sorted({y for _, y in found}))


def wanted_company(question: str, companies: list[str]) -> str | None:
    """The known company a question names: the longest company name (or its first word, or its initials) found
    in it."""
    lowered = question.lower().replace("’", "'")
    found = []
    for company in companies:
        name = company.lower()
        variants = {name, name.replace("&", "and"), name.replace(" ", ""), name.split()[0], *initials(name)}
        if any(len(v) >= 2 and re.search(rf"(?<![a-z]){re.escape(v)}(?![a-z])", lowered) for v in variants):
            found.append(company)
    return max(found, key=len) if found else None


def initials(name: str) -> set[str]:
    """How people shorten a company name of several words: "johnson & johnson" -> j&j, jnj; "advanced micro
    devices" -> amd. Two bare letters ("best buy" -> bb) name too many things to count."""
    words = [w for w in re.split(r"[\s,.]+", name.lower()) if w and w not in _CORPORATE_WORDS]
    parts = [w for w in words if w not in ("&", "and")]
    if len(parts) < 2:
        return set()
    letters = "".join(p[0] for p in parts)
    shortened = {letters} if len(letters) >= 3 else set()
    if len(parts) == 2 and len(words) == 3:  # "x & y", "x and y"
        shortened |= {f"{letters[0]}&{letters[1]}", f"{letters[0]}n{letters[1]}"}
    return shortened


_CORPORATE_WORDS = {"inc", "corp", "corporation", "company", "co", "plc", "ltd", "group", "holdings", "the"}


# a lookup asks for one amount as the statement prints it, not a ratio, comparison or trend of amounts
_LOOKUP = re.compile(r"^\s*(?:what\s+(?:is|was|are|were)\b|how\s+much\b)", re.I)
# sentences that tell the answerer what to do ("If X is not outlined then state 0.", "Answer in USD millions.")
# are about the answer, not the line item
_INSTRUCTION = re.compile(r"(?:^|(?<=[.?!]))\s*(?:if|answer|round|give|provide|express|please)\b[^.?!]*[.?!]?", re.I)
_NOT_A_LOOKUP = re.compile(r"%|percent|ratio|margin|growth|chang|increas|decreas|declin|compar|average|cagr|\bper\b"
                           r"|\brate\b|\bdrive|\bdrove|\bwhy\b|\bq[1-4]\b|quarter|months|\bh[12]\b|adjusted"
                           r"|\bshares?\b|\beps\b|basic|diluted", re.I)
# naming the statement ("income statements", "P&L") is not naming a line item of it
_STATEMENT_NAMES = re.compile(
    r"(?:income|cash[- ]flows?|earnings|operations)\s+statements?|statements?\s+of\s+(?:consolidated\s+)?"
    r"(?:income|operations|earnings|cash\s+flows?|financial\s+position)|balance\s+sheets?|p\s?&\s?l", re.I)
# words a row label may carry without changing what it names ("Total restructuring, net")
_FILLER = {"total", "net", "and", "of", "the", "in", "for", "from", "to", "on", "by", "less", "a", "an"}
# words a lookup question wraps the line item in; "costs" may name a row that does not say "expense"
_SCAFFOLD = _FILLER | {
    "what", "is", "was", "how", "much", "did", "does", "quantity", "amount", "value", "fy", "fiscal", "year", "end",
    "ending", "ended", "at", "as", "reported", "report", "company", "usd", "million", "billion", "thousand",
    "directly", "explicitly", "outlined", "shown", "presented", "listed", "disclosed", "recorded", "recognized",
    "are", "were", "using", "based", "according", "unit", "expense",
}
_SAME = {"cost": "expense", "charge": "expense", "expenditure": "expense"}


def _label_words(text: str) -> set[str]:
    words = re.findall(r"[a-z]{2,}", text.lower().replace("'s", ""))  # "J&J": initials name no line item
    stems = {w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words}
    return {_SAME.get(w, w) for w in stems}


def asks_line_item(question: str) -> bool:
    """Whether a question asks for one amount ("What is the FY2022 X", "How much X in FY2022")."""
    return bool(_LOOKUP.search(question)) and not _NOT_A_LOOKUP.search(question)


def named_line_item(question: str, labels: list[str], company: str = "") -> str | None:
    """The one row label a question names: every word of the label is in the question, and every word of the
    question beyond how lookups are worded is in the label ("interest income" names neither "Other income"
    nor "Interest expense (income), net"). None when no label, or more than one, fits."""
    company_words = _label_words(company)
    asked = _label_words(_STATEMENT_NAMES.sub(" ", _INSTRUCTION.sub(" ", question))) - company_words
    item_words = asked - _SCAFFOLD
    named = {label: frozenset(_label_words(label) - _FILLER - company_words) for label in labels}
    fitting = {words: label for label, words in named.items() if words and words <= asked and item_words <= words}
    return next(iter(fitting.values())) if len(fitting) == 1 else None


_STATEMENT_OF = {
    "income": re.compile(r"income\s+statement|statements?\s+of\s+(?:consolidated\s+)?(?:income|operations|earnings)"
                         r"|p\s?&\s?l|profit\s+and\s+loss", re.I),
    "balance": re.compile(r"balance\s+sheet|statements?\s+of\s+(?:consolidated\s+)?financial\s+position", re.I),
    "cashflow": re.compile(r"cash[- ]flows?\s+statement|statements?\s+of\s+(?:consolidated\s+)?cash\s+flows?", re.I),
}


def named_statement(question: str) -> str | None:
    """The primary statement a question points to ("... outlined in the income statement"), if it names one."""
    named = [statement for statement, pattern in _STATEMENT_OF.items() if pattern.search(question)]
    return named[0] if len(named) == 1 else None


__all__ = ["FinancialQuestion", "asks_line_item", "compared_sections", "currency_scale", "named_line_item",
           "named_statement", "parse_financial_question", "asked_quarter", "question_years", "stability_threshold",
           "wanted_company"]
