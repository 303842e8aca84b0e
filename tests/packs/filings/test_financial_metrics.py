"""Named financial formulas over statement line items, and how questions name them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from luodi.packs.filings.metrics import METRICS, MissingLineItem, compute_metric, find_metric, metric_series
from luodi.packs.filings.statements import Fact


def facts(values: dict[tuple[str, int], float]) -> dict[tuple[str, int], Fact]:
    return {(k, y): Fact("x", k, k, y, v, 1e6, 1, 0, 1) for (k, y), v in values.items()}


BOOKS = facts({
    ("revenue", 2019): 1000, ("revenue", 2018): 800, ("revenue", 2017): 640, ("cogs", 2019): 600,
    ("inventory", 2019): 120, ("inventory", 2018): 80, ("accounts_payable", 2019): 90, ("accounts_payable", 2018): 70,
    ("accounts_receivable", 2019): 50, ("accounts_receivable", 2018): 30, ("capex", 2019): -75,
    ("operating_income", 2019): 150, ("depreciation_amortization", 2019): 40,
})


def test_days_payable_outstanding_uses_purchases() -> None:
    result = compute_metric(METRICS["dpo"], "value", (2019,), BOOKS)
    assert result.value == Fraction(365 * 80, 640)  # 365 x avg AP 80 / (COGS 600 + inventory change 40)
    assert set(result.inputs) == {("accounts_payable", 2019), ("accounts_payable", 2018), ("cogs", 2019),
                                  ("inventory", 2019), ("inventory", 2018)}


def test_cash_conversion_cycle_and_ebitda_less_capex() -> None:
    ccc = compute_metric(METRICS["cash_conversion_cycle"], "value", (2019,), BOOKS).value
    assert ccc == Fraction(365 * 100, 600) + Fraction(365 * 40, 1000) - Fraction(365 * 80, 640)
    assert compute_metric(METRICS["ebitda_less_capex"], "value", (2019,), BOOKS).value == 115_000_000


def test_growth_aggregations() -> None:
    assert compute_metric(METRICS["revenue"], "change", (2018, 2019), BOOKS).value == 25
    assert round(float(compute_metric(METRICS["revenue"], "cagr", (2017, 2019), BOOKS).value), 6) == 25.0


def test_missing_line_item_is_reported_not_guessed() -> None:
    with pytest.raises(MissingLineItem, match="cash for FY2019"):
        compute_metric(METRICS["quick_ratio"], "value", (2019,), BOOKS)


@pytest.mark.parametrize(("question", "metric"), [
    ("What is the FY2018 capital expenditure amount (in USD millions) for 3M?", "capex"),
    ("what is the FY2019 cash conversion cycle (CCC)? CCC is defined as: DIO + DSO - DPO.", "cash_conversion_cycle"),
    ("what is American Water Works's FY2021 unadjusted operating income + depreciation and amortization from the "
     "cash flow statement (unadjusted EBITDA) in USD millions?", "ebitda"),
    ("What is the FY2022 unadjusted EBITDA less capex for PepsiCo?", "ebitda_less_capex"),
    ("What is the FY2018 fixed asset turnover ratio for CVS Health?", "fixed_asset_turnover"),
    ("what is the year end FY2018 net PPNE for 3M?", "ppe_net"),
    ("What is Amcor's year end FY2020 net AR (in USD millions)?", "accounts_receivable"),
    ("What is the FY2019 unadjusted EBIT for Netflix?", "operating_income"),
    ("What is Verizon's FY2021 unadjusted EBITDA?", "ebitda"),
    ("What is the FY2019 - FY2021 3 year average of D&A as a % of revenue for Verizon?", "da_to_revenue"),
    ("What is the FY2017 - FY2019 3 year average of capex as a % of revenue for Activision Blizzard?",
     "capex_to_revenue"),
    ("Roughly how many times has AES Corporation sold its inventory in FY2022?", "inventory_turnover"),
    ("What was the FY2021 net cash used in investing activities?", "investing_cash_flow"),
])
def test_questions_name_metrics(question: str, metric: str) -> None:
    found = find_metric(question)
    assert found is not None and found.name == metric


def test_a_rate_changes_by_percentage_points_and_an_amount_by_percent() -> None:
    books = facts({("revenue", 2019): 1000, ("cogs", 2019): 600, ("revenue", 2018): 800, ("cogs", 2018): 440})
    margin = compute_metric(METRICS["gross_margin"], "change", (2018, 2019), books)
    assert margin.value == -5 and margin.unit == "points"  # 45% -> 40%: 5 points down, not 11.1%
    assert "percentage points" in margin.formula
    assert compute_metric(METRICS["revenue"], "change", (2018, 2019), books).unit == "percent"


def test_series_covers_consecutive_years_and_reports_changes() -> None:
    series = metric_series(METRICS["revenue"], BOOKS)
    assert list(series.values) == [2017, 2018, 2019]
    assert series.changes() == {2018: 25, 2019: 25}
    assert list(metric_series(METRICS["revenue"], BOOKS, through=2018).values) == [2017, 2018]
    with pytest.raises(MissingLineItem, match="two consecutive years"):
        metric_series(METRICS["gross_margin"], BOOKS)  # cost of goods sold is there for FY2019 only


def test_a_cost_printed_as_a_deduction_is_still_a_cost() -> None:
    deducted = facts({("revenue", 2022): 1000, ("cogs", 2022): -880, ("sga", 2022): -20})  # "(880)" on the page
    assert compute_metric(METRICS["gross_margin"], "value", (2022,), deducted).value == 12
    assert compute_metric(METRICS["cogs"], "value", (2022,), deducted).value == 880_000_000


def test_a_tax_printed_as_a_deduction_is_an_expense_and_elsewhere_a_benefit() -> None:
    # Amcor prints its costs and its tax in parentheses, so "(193)" there is an expense; on a page whose costs
    # are positive (Pfizer's "Provision/(benefit)"), a negative tax is a real benefit and the rate is negative
    deducted = facts({("cogs", 2023): -10_000, ("income_tax", 2023): -193, ("pretax_income", 2023): 1_251})
    assert round(float(compute_metric(METRICS["effective_tax_rate"], "value", (2023,), deducted).value), 2) == 15.43
    benefit = facts({("cogs", 2023): 10_000, ("income_tax", 2023): -71, ("pretax_income", 2023): 1_000})
    assert round(float(compute_metric(METRICS["effective_tax_rate"], "value", (2023,), benefit).value), 2) == -7.1
    elsewhere = {**deducted, ("cogs", 2023): Fact("x", "cogs", "cogs", 2023, -10_000, 1e6, 2, 0, 1)}
    assert compute_metric(METRICS["effective_tax_rate"], "value", (2023,), elsewhere).value < 0  # another page
