"""The verifier catches injected wrong numbers, wrong dates, dead links and bad citation markers."""

from __future__ import annotations

from luodi.contracts import Evidence
from luodi.grounding.verify import repair, verify

PASSAGE = Evidence(
    id="p1", kind="passage", source="3M_2018_10K", page=60,
    text="Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)\n"
         "On May 26, 2023 the credit agreement was amended. See https://investors.3m.com/financials for details.",
)
TOOL = Evidence(id="tool:calculator", kind="tool", text="sqrt(143) = 11.958")


def failed(text: str, evidence: list[Evidence], citations: int = 1) -> list[tuple[str, str]]:
    return [(c.kind, c.claim) for c in verify(text, evidence, citations) if not c.supported]


def test_supported_claims_pass_with_scale_and_rounding_tolerance() -> None:
    text = ("3M's capital expenditure was USD 1.58 billion (1,577 million) [1] on May 26, 2023; "
            "see https://investors.3m.com/financials.")
    assert failed(text, [PASSAGE]) == []


def test_injected_wrong_number_is_caught_and_replaced_by_the_tool_value() -> None:
    assert failed("The square root of 143 is 11.5.", [TOOL]) == [("number", "11.5")]
    repaired = repair("The square root of 143 is 11.5.", [TOOL], 0, tool_value="11.958")
    assert repaired.verification.status == "repaired" and "11.958" in repaired.text and "11.5." not in repaired.text


def test_wrong_date_is_caught() -> None:
    assert failed("The agreement was amended on June 26, 2023 [1].", [PASSAGE]) == [("date", "June 26, 2023")]


def test_dead_link_and_unknown_citation_are_caught() -> None:
    text = "Details are at https://example.com/3m-capex [2]."
    assert ("url", "https://example.com/3m-capex") in failed(text, [PASSAGE])
    assert ("citation", "[2]") in failed(text, [PASSAGE])


def test_unknown_entity_is_caught() -> None:
    assert ("entity", "Honeywell") in failed("Capital expenditure at Honeywell was 1,577 million.", [PASSAGE])


def test_nothing_supported_left_means_abstention() -> None:
    result = repair("Revenue was 99,999 million.", [PASSAGE], 1)
    assert result.verification.status == "abstained" and result.text == ""


def test_wrong_arithmetic_between_supported_numbers_is_caught() -> None:
    evidence = [Evidence(id="tool:calculator", kind="tool", text="(17.5/100)*(2,400) = 420 (420)")]
    assert ("equation", "420 * 2,400 = 420") in failed("17.5% of 2,400 is 420 * 2,400 = 420.", evidence)


def test_tool_outputs_are_not_rescaled() -> None:
    # a statement "in millions" may be read at another scale; a tool's 0.02 never bears out 20
    assert failed("The answer is 20.", [Evidence(id="tool:calculator", kind="tool", text="(2/100) = 0.02")]) == [
        ("number", "20")]


def test_the_name_of_a_source_is_evidence_and_is_never_repaired_into_the_value() -> None:
    filing = Evidence(id="p1", kind="passage", source="10-K - 02/07/2019 - 3M Company", page=58,
                      text="Purchases of property, plant and equipment (PP&E) (1,577) (1,373) (1,420)")
    tool = Evidence(id="tool:financial_metric", kind="tool", text="capital expenditure = USD 1,577.00 million")
    text = ("USD 1,577.00 million is the FY2018 capex of 3M. Inputs from the 10-K - 02/07/2019 - 3M Company "
            "statements: Purchases of property, plant and equipment (PP&E) FY2018: -1577 million [1].")
    repaired = repair(text, [filing, tool], 1, "USD 1,577.00 million")
    assert repaired.text == text and repaired.verification.status == "verified"
    assert failed("The 10-K - 03/07/2019 statements say so [1].", [filing])  # another date is still caught
    # the title's numbers support no claim: 10, 7 and 2019 appear only in it
    for claim in ("Capital expenditure grew 10% [1].", "It rose 7% [1].", "In 2019 it was 2,015 million [1]."):
        assert failed(claim, [filing, tool]), claim
