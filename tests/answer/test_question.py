"""Question understanding: stability thresholds, cash-flow section comparisons, scale."""

from __future__ import annotations

from fractions import Fraction

from luodi.answer.question import compared_sections, currency_scale, parse_financial_question, stability_threshold


def test_a_stability_question_states_its_threshold_or_is_not_settled_by_numbers() -> None:
    assert stability_threshold("Are Best Buy's gross margins historically consistent (not fluctuating more than "
                               "roughly 2% each year)?") == Fraction(2)
    assert stability_threshold("Is the operating margin stable, moving no more than 1.5 percentage points?") == \
        Fraction(3, 2)
    assert stability_threshold("Is 3M's FY2018 gross margin historically consistent?") is None


def test_cash_flow_section_comparisons() -> None:
    assert compared_sections("Among operations, investing, and financing activities, which brought in the most "
                             "(or lost the least) cash flow for Best Buy in FY2023?") is True
    assert compared_sections("Of operating, investing and financing activities, which used the most cash?") is False
    assert compared_sections("What is the FY2023 net cash from investing activities?") is None


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
    from luodi.answer.question import asks_line_item, named_line_item, named_statement

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
