"""The verifier: every number, percentage, date, URL, entity name and citation marker of a draft is checked
against the evidence (passages, tool outputs and the question itself) before an answer may leave.

Numbers match with rounding and scale tolerance: "USD 1.58 billion" is borne out by a row that prints 1,577
in a statement "in millions". What fails is repaired: a number replaced by the single tool result it should
have been, or the sentence holding the unsupported claim dropped; if nothing substantive survives the
assistant abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from luodi.contracts import Check, Evidence, Verification
from luodi.tools.dates import find_dates

SCALE_WORDS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9,
               "b": 1e9, "trillion": 1e12}
NUMBER = re.compile(
    r"(?<![\w.])[-−]?\(?\$?\s?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w])\)?\s?(%|percent\b)?"
    r"(?:\s?(thousand|million|billion|trillion|mn|bn)\b)?",
    re.IGNORECASE,
)
URL = re.compile(r"https?://[^\s)\]>\"']+|www\.[^\s)\]>\"']+", re.IGNORECASE)
MARKER = re.compile(r"\[(\d{1,2})\]")
ENTITY = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-zA-Z&]+(?:\s+[A-Z][a-zA-Z&]+)*)")
RELATIVE_TOLERANCE = 0.005
COMMON_WORDS = {
    "The", "This", "That", "These", "Those", "It", "Its", "In", "On", "For", "From", "To", "And", "Or", "As", "At",
    "By", "Of", "A", "An", "According", "Answer", "Not", "No", "Yes", "USD", "FY", "Q", "I", "We", "Our",
    "Source", "Sources", "Computed", "Formula", "Total", "Net", "Page", "Note", "Based", "If", "With", "Inc",
}


@dataclass(frozen=True)
class NumberClaim:
    text: str
    value: float
    span: tuple[int, int]
    percent: bool


def number_claims(text: str) -> list[NumberClaim]:
    claims = []
    masked = MARKER.sub(lambda m: " " * len(m.group(0)), text)  # [1] is a citation, not a number
    for match in NUMBER.finditer(masked):
        try:
            value = float(Decimal(match.group(1).replace(",", "")))
        except InvalidOperation:
            continue
        scale = SCALE_WORDS.get((match.group(3) or "").lower(), 1.0)
        negative = match.group(0).lstrip().startswith(("-", "−", "("))
        claims.append(NumberClaim(match.group(0).strip(), (-value if negative else value) * scale, match.span(),
                                  bool(match.group(2))))
    return claims


def _evidence_numbers(evidence: list[Evidence]) -> dict[str, tuple[bool, list[float]]]:
    """Numbers of each evidence item, and whether they may be read at another scale: a statement row
    printed "in millions" bears out "USD 1.58 billion", but a tool's 0.02 does not bear out 20."""
    return {item.id: (item.kind == "passage", [c.value for c in number_claims(item.text)]) for item in evidence}


def _decimals(text: str) -> int:
    digits = re.search(r"\d[\d,]*(?:\.(\d+))?", text)
    return len(digits.group(1)) if digits and digits.group(1) else 0


def _matches(claim: NumberClaim, candidate: float, rescale: bool = True) -> bool:
    for scale in (1.0, 1e3, 1e6, 1e9, 1e-3, 1e-6, 1e-9) if rescale else (1.0,):
        for sign in (1, -1):  # "capital expenditure of 1,577" is borne out by the printed (1,577)
            target = sign * candidate * scale
            if target == claim.value:
                return True
            if claim.value and abs(target - claim.value) <= RELATIVE_TOLERANCE * abs(claim.value):
                return True
            places = _decimals(claim.text)
            if claim.value and round(target / _unit(claim), places) == round(claim.value / _unit(claim), places):
                return True
    return False


def _unit(claim: NumberClaim) -> float:
    for word, scale in SCALE_WORDS.items():
        if len(word) > 2 and word in claim.text.lower():
            return scale
    return 1.0


def check_numbers(text: str, evidence: list[Evidence]) -> list[Check]:
    numbers = _evidence_numbers(evidence)
    checks = []
    for claim in number_claims(text):
        source = next(
            (eid for eid, (rescale, values) in numbers.items() if any(_matches(claim, v, rescale) for v in values)),
            None,
        )
        kind = "percentage" if claim.percent else "number"
        checks.append(Check(claim=claim.text, kind=kind, supported=source is not None, evidence_id=source,
                            note="" if source else "not in any cited passage or tool output"))
    return checks


def check_dates(text: str, evidence: list[Evidence]) -> list[Check]:
    known = {d for item in evidence for d, _ in find_dates(item.text)}
    iso = " ".join(item.text for item in evidence if item.kind == "tool")
    checks = []
    for value, (start, end) in find_dates(text):
        supported = value in known or value.isoformat() in iso
        checks.append(Check(claim=text[start:end], kind="date", supported=supported,
                            note="" if supported else "date not in the evidence"))
    return checks


def check_urls(text: str, evidence: list[Evidence]) -> list[Check]:
    haystack = " ".join(item.text + " " + " ".join(map(str, item.metadata.get("links", []))) for item in evidence)
    checks = []
    for match in URL.finditer(text):
        url = match.group(0).rstrip(".,;")
        supported = url in haystack
        checks.append(Check(claim=url, kind="url", supported=supported,
                            note="" if supported else "link to nothing in the evidence"))
    return checks


def check_markers(text: str, citation_count: int) -> list[Check]:
    checks = []
    for match in MARKER.finditer(text):
        index = int(match.group(1))
        supported = 1 <= index <= citation_count
        checks.append(Check(claim=match.group(0), kind="citation", supported=supported,
                            note="" if supported else "cites no passage of this answer"))
    return checks


def check_entities(text: str, evidence: list[Evidence]) -> list[Check]:
    # names of documents and companies are evidence too: an answer may say which document it used
    named = " ".join(f"{item.text} {item.source} {item.metadata.get('company', '')}" for item in evidence)
    haystack = re.sub(r"\s+", " ", named).lower()
    checks = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for match in ENTITY.finditer(sentence):
            name = match.group(1)
            words = [w for w in name.split() if w not in COMMON_WORDS]
            if not words or len(" ".join(words)) < 3:
                continue
            candidate = " ".join(words)
            supported = candidate.lower() in haystack
            checks.append(Check(claim=candidate, kind="entity", supported=supported,
                                note="" if supported else "name not in the evidence"))
    return checks


_EQUATION = re.compile(r"((?:[\d.,]+\s*[-+*/×x÷]\s*)+[\d.,]+)\s*=\s*(-?[\d.,]*\d)")


def check_equations(text: str) -> list[Check]:
    """Arithmetic written out in a draft ("420 * 2,400 = 420") is recomputed: numbers can each be in the
    evidence and still be combined wrongly."""
    from luodi.tools.calculator import CalculationError, calculate

    checks = []
    for match in _EQUATION.finditer(text):
        left = match.group(1).replace("×", "*").replace("÷", "/").replace("x", "*")
        try:
            expected = float(calculate(left))
            stated = float(match.group(2).replace(",", ""))
        except (CalculationError, ValueError, ZeroDivisionError):
            continue
        supported = abs(expected - stated) <= RELATIVE_TOLERANCE * max(abs(expected), 1e-9)
        checks.append(Check(claim=match.group(0), kind="equation", supported=supported,
                            note="" if supported else f"the left side is {expected:g}"))
    return checks


def verify(text: str, evidence: list[Evidence], citation_count: int) -> list[Check]:
    """All checks of a draft; the draft is sound when every check is supported. A draft may name the documents its
    evidence comes from ("from the Report 2019 - 02/07/2019 - Acme"): a name quoted exactly is not a claim, and its
    numbers and dates support nothing else."""
    text = _without_source_names(text, evidence)
    without_urls = URL.sub(" ", text)
    return (
        check_numbers(MARKER.sub(" ", _strip_dates(without_urls)), evidence)
        + check_dates(text, evidence)
        + check_urls(text, evidence)
        + check_markers(text, citation_count)
        + check_entities(_strip_dates(without_urls), evidence)
        + check_equations(without_urls)
    )


def _without_source_names(text: str, evidence: list[Evidence]) -> str:
    """The draft with each exact mention of a cited document's name blanked (its length kept, so spans stay)."""
    names = sorted({e.source for e in evidence if e.kind == "passage" and e.source}, key=len, reverse=True)
    for name in names:
        text = text.replace(name, " " * len(name))
    return text


def _strip_dates(text: str) -> str:
    # a date's day and year are checked as a date, not as two loose numbers
    for _, (start, end) in reversed(find_dates(text)):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


@dataclass
class Verified:
    text: str
    verification: Verification


def repair(text: str, evidence: list[Evidence], citation_count: int, tool_value: str | None = None) -> Verified:
    """Verify a draft; replace or drop what fails. Status: verified, repaired, or abstained (nothing left)."""
    checks = verify(text, evidence, citation_count)
    if all(c.supported for c in checks):
        return Verified(text, Verification(status="verified", checks=checks))
    repaired = text
    for check in checks:
        if check.supported:
            continue
        if check.kind in ("number", "percentage") and tool_value is not None:
            repaired = repaired.replace(check.claim, tool_value, 1)
        elif check.kind in ("url", "citation"):
            repaired = repaired.replace(check.claim, "")
        else:
            repaired = " ".join(s for s in re.split(r"(?<=[.!?])\s+", repaired) if check.claim not in s)
    recheck = verify(repaired, evidence, citation_count)
    if repaired.strip() and all(c.supported for c in recheck):
        notes = [c.model_copy(update={"note": (c.note + "; repaired").strip("; ")}) for c in checks if not c.supported]
        return Verified(repaired.strip(), Verification(status="repaired", checks=recheck + notes))
    return Verified("", Verification(status="abstained", checks=checks))
