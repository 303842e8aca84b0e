"""Question understanding: stability thresholds, cash-flow section comparisons, scale."""

from __future__ import annotations

from fractions import Fraction

import pytest

from luodi.packs.filings.question import (
    compared_sections,
    currency_scale,
    parse_financial_question,
    stability_threshold,
    wanted_company,
)


def test_a_stability_question_binds_its_threshold_to_a_word_of_movement() -> None:
    assert stability_threshold("Has the operating margin stayed consistent, never fluctuating by more than about "
                               "3% a year?") == Fraction(3)
    assert stability_threshold("Is the net margin stable, moving no more than 1.5 percentage points?") == \
        Fraction(3, 2)
    assert stability_threshold("Was gross margin steady, varying by less than 0.5 points from year to year?") == \
        Fraction(1, 2)
    assert stability_threshold("Is 3M's FY2018 gross margin historically consistent?") is None  # no threshold
    # a threshold on growth, not on movement, is a growth test
    assert stability_threshold("Is revenue steady; did it grow more than 5% each year?") is None
    assert stability_threshold("Is the margin consistent, and did it increase by more than 2 points?") is None
    # a tolerance with no word of steadiness is not this question
    assert stability_threshold("Did capex change by less than 10% between FY2021 and FY2022?") is None


@pytest.mark.parametrize(("question", "highest"), [
    ("Of its financing, investing and operating activities, which lost the least cash in FY2022?", True),
    ("Which of investing, financing or operating activities generated the most cash last year?", True),
    ("Which section used the least cash: operating, investing or financing?", True),
    ("Among operating, investing and financing cash flows, which used the most cash?", False),
    ("Which of financing, operating and investing activities brought in the least cash?", False),
    ("Across investing, operating and financing, which had the largest net cash outflow?", False),
    ("Across investing, operating and financing, which had the biggest cash inflow?", True),
])
def test_cash_flow_sections_in_any_order_and_direction(question: str, highest: bool) -> None:
    assert compared_sections(question) is highest


@pytest.mark.parametrize("question", [
    "What is the FY2023 net cash from investing activities?",  # one section, no comparison
    "Which segment generated the most operating income?",  # not the three sections
    "Which of operating, investing and financing activities brought in the most cash but lost the most?",  # both ways
    "Did financing or investing activities use the most cash?",  # two sections, not three
])
def test_not_a_comparison_of_the_three_sections(question: str) -> None:
    assert compared_sections(question) is None


def test_currency_scale_defaults_to_millions() -> None:
    assert currency_scale("Answer in USD billions.") == "billions"
    assert currency_scale("What is the FY2018 capex?") == "millions"


def test_a_rate_that_changed_between_two_years_is_a_change() -> None:
    parsed = parse_financial_question("How much has the effective tax rate of American Express changed between "
                                      "FY2021 and FY2022?")
    assert parsed is not None and parsed.metric.name == "effective_tax_rate"
    assert parsed.aggregation == "change" and parsed.years == (2021, 2022)


def test_a_change_inside_a_formula_definition_is_not_the_aggregation() -> None:
    parsed = parse_financial_question(
        "What is FY2018 days payable outstanding (DPO) for Walmart? DPO is defined as: 365 * (average accounts payable "
        "between FY2017 and FY2018) / (FY2018 COGS + change in inventory between FY2017 and FY2018).")
    assert parsed is not None and parsed.aggregation == "value" and parsed.years == (2018,)


def test_a_line_item_question_names_one_row_label_wholly() -> None:
    from luodi.packs.filings.question import asks_line_item, named_line_item, named_statement

    labels = ["Sales to customers", "Interest income", "Interest expense (income), net", "Other income, net",
              "Restructuring", "Research and development expense", "Net earnings"]
    question = ("What is the quantity of restructuring costs directly outlined in J&J's income statements for FY2022? "
                "If restructuring costs are not explicitly outlined then state 0.")
    assert asks_line_item(question) and named_statement(question) == "income"
    assert named_line_item(question, labels, "Johnson & Johnson") == "Restructuring"
    assert named_line_item("What is FY2022 interest income?", labels) == "Interest income"
    assert named_line_item("What is FY2022 interest income?", labels[2:]) is None  # not the net expense row
    assert named_line_item("What is FY2022 dividend income?", labels) is None
    assert not asks_line_item("What is FY2022 net earnings per share?")
    assert not asks_line_item("What is the restructuring cost as a percent of sales in FY2022?")


def test_a_quarter_question_ties_every_year_to_one_quarter() -> None:
    from luodi.packs.filings.question import asked_quarter

    assert asked_quarter("Did the operating margin rise in Q3 of FY2024 compared to Q3 of FY2023?") == (3, (2023, 2024))
    assert asked_quarter("What was gross profit in the first quarter of fiscal 2022?") == (1, (2022,))
    assert asked_quarter("Revenue in Q2 2023 against Q3 2023?") is None  # two different quarters
    assert asked_quarter("Revenue in Q2 FY2023 and for all of FY2022?") is None  # a year not tied to the quarter
    assert asked_quarter("What was the FY2023 operating margin?") is None


@pytest.mark.parametrize(("question", "company"), [
    ("Did JnJ's net earnings rise?", "Johnson & Johnson"), ("What is J&J's revenue?", "Johnson & Johnson"),
    ("Does AWW have positive working capital?", "American Water Works"),
    ("What was Best Buy's capex?", "Best Buy"), ("What was BB's capex?", None),  # two letters name too much
])
def test_a_company_is_found_by_its_initials_too(question: str, company: str | None) -> None:
    known = ["Johnson & Johnson", "American Water Works", "Best Buy", "Boeing"]
    assert wanted_company(question, known) == company


@pytest.mark.parametrize("question", [
    "What were the restructuring and impairment charges in FY2022 as reported in the income statement?",
    "How much were restructuring and impairment charges in FY2022? Answer in USD millions.",
    "What is the FY2022 amount of restructuring and impairment charges presented in the statement of income?",
])
def test_a_row_is_named_however_the_lookup_is_worded(question: str) -> None:
    from luodi.packs.filings.question import named_line_item

    labels = ["Restructuring and impairment charges", "Net revenue", "Other income, net"]
    assert named_line_item(question, labels) == "Restructuring and impairment charges"


def test_an_instruction_sentence_does_not_name_a_row() -> None:
    from luodi.packs.filings.question import named_line_item

    question = "What was interest income in FY2022? If it is not outlined, state that other income was used."
    assert named_line_item(question, ["Interest income", "Other income, net"]) == "Interest income"


@pytest.mark.parametrize(("question", "aggregation"), [
    ("Did the net margin increase between Q2 FY2022 and Q2 FY2023?", "change"),
    ("Did net margin fall between the second quarter of FY2022 and FY2023?", "change"),
    ("What is the FY2018 net margin?", "value"),
])
def test_net_margin_and_quarter_changes_are_read(question: str, aggregation: str) -> None:
    parsed = parse_financial_question(question, 2018)
    assert parsed is not None and parsed.metric.name == "net_profit_margin" and parsed.aggregation == aggregation
