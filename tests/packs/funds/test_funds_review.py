"""Review findings on the fund screener, each asserted as the exact set of conditions (an extra or a lost
condition fails): exclusions of names, numbers after "up", ordinary words that are no names, "open-ended",
ages and figures said again as bare numbers, values whose unit names another column, figures the data lacks."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from luodi.packs.funds.database import Directory, open_engine
from luodi.packs.funds.dialogue import FundScreener
from luodi.packs.funds.understanding import RuleUnderstander, normalize
from tests.packs.funds.test_funds_understanding import talk

Conditions = set[tuple[str, str, object]]
H, D = "Huasheng Fund", "Dingyuan Fund"
BOND_FEE_RETURN = "bond funds with a management fee of 0.3% or lower and a 1-year return above 4%"


@pytest.fixture(scope="module")
def screener(tmp_path_factory: pytest.TempPathFactory) -> FundScreener:
    engine: Engine = open_engine(tmp_path_factory.mktemp("funds") / "funds.db")
    return FundScreener(engine, RuleUnderstander(Directory.load(engine)))


def exact(screener: FundScreener, *turns: str) -> Conditions:
    outcome = talk(screener, *turns)
    assert outcome.clarification is None and outcome.fund_filter is not None, outcome.clarification
    return {(c.column, c.op, c.value) for c in outcome.fund_filter.conditions}


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("除了华盛基金和鼎元基金",), {("company", "ne", H), ("company", "ne", D)}),
        (("funds not from Huasheng Fund or Dingyuan Fund",), {("company", "ne", H), ("company", "ne", D)}),
        (("华盛基金除外的债券基金",), {("company", "ne", H), ("category", "eq", "bond")}),
        (("funds from Huasheng or Dingyuan", "exclude Huasheng Fund"), {("company", "eq", D), ("company", "ne", H)}),
        (
            ("equity funds except Huasheng Fund", "also exclude Dingyuan Fund"),
            {("category", "eq", "equity"), ("company", "ne", H), ("company", "ne", D)},
        ),
        (("bond or equity funds", "exclude bond funds"), {("category", "eq", "equity"), ("category", "ne", "bond")}),
        (("except equity and mixed funds",), {("category", "ne", "equity"), ("category", "ne", "mixed")}),
    ],
)
def test_exclusions_carry_over_lists_and_only_narrow(
    screener: FundScreener, turns: tuple[str, ...], expected: Conditions
) -> None:
    assert exact(screener, *turns) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("funds that are up 10% over 1 year", {("return_1y", "ge", 10.0)}),
        ("funds that are up more than 10% over 3 years", {("return_3y", "gt", 10.0)}),
        ("funds that are down more than 5% this year", {("return_1y", "lt", -5.0)}),
        ("funds that are down over 6 months", {("return_6m", "lt", 0.0)}),
        ("funds that are up over the past year", {("return_1y", "gt", 0.0)}),
        ("funds trading below a NAV of 0.5", {("nav", "lt", 0.5)}),
        ("单位净值高于3元的混合型基金", {("nav", "gt", 3.0), ("category", "eq", "mixed")}),
        (
            "low-risk Hongyun Fund funds of at least 1 billion",
            {("company", "eq", "Hongyun Fund"), ("risk_level", "le", 2), ("size_cny_100m", "ge", 10.0)},
        ),
        ("open-ended bond funds", {("category", "eq", "bond")}),
        ("开放式债券基金", {("category", "eq", "bond")}),
        ("only the open ones", {("purchase_open", "eq", True)}),
        (
            "new equity funds I can still subscribe to",
            {("category", "eq", "equity"), ("inception_date", "gt", "2025-11-20"), ("purchase_open", "eq", True)},
        ),
        ("funds with a risk rating of 2", {("risk_level", "eq", 2)}),
    ],
)
def test_numbers_units_and_flags(screener: FundScreener, message: str, expected: Conditions) -> None:
    assert exact(screener, message) == expected


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("funds older than 3 years", "make that 5"), {("inception_date", "lt", "2021-11-20")}),
        (("funds older than 3 years", "make it 5 years"), {("inception_date", "lt", "2021-11-20")}),
        (
            (BOND_FEE_RETURN, "actually make that 0.2%"),
            {("category", "eq", "bond"), ("management_fee", "le", 0.2), ("return_1y", "gt", 4.0)},
        ),
        (
            (BOND_FEE_RETURN, "make it 6%"),
            {("category", "eq", "bond"), ("management_fee", "le", 0.3), ("return_1y", "gt", 6.0)},
        ),
        (
            ("QDII funds with a return above 20%", "no, I meant 3-year"),
            {("category", "eq", "qdii"), ("return_3y", "gt", 20.0)},
        ),
        (
            ("low-risk Hongyun Fund funds of at least 1 billion", "what about medium risk?"),
            {("company", "eq", "Hongyun Fund"), ("risk_level", "eq", 3), ("size_cny_100m", "ge", 10.0)},
        ),
    ],
)
def test_a_value_said_again_goes_to_its_figure(
    screener: FundScreener, turns: tuple[str, ...], expected: Conditions
) -> None:
    assert exact(screener, *turns) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("哪家公司旗下的债券基金收益最高", {("category", "eq", "bond")}),
        ("债券基金由哪位经理管理", {("category", "eq", "bond")}),
        ("推荐几家大公司的债券基金", {("category", "eq", "bond")}),
        ("Bond funds run by Experienced managers", {("category", "eq", "bond")}),
    ],
)
def test_ordinary_words_are_not_unknown_names(screener: FundScreener, message: str, expected: Conditions) -> None:
    outcome = talk(screener, message)
    assert outcome.reading.unknown_names == [] and outcome.clarification != "unknown_name"
    assert outcome.fund_filter is not None
    assert {(c.column, c.op, c.value) for c in outcome.fund_filter.conditions} == expected


def test_real_unknown_names_are_still_asked_about(screener: FundScreener) -> None:
    assert talk(screener, "top funds from Q1").clarification == "best_without_measure"  # top by what, not "who is Q"
    assert talk(screener, "funds from Vanguard").reading.unknown_names == ["Vanguard"]
    assert talk(screener, "张三管理的基金").reading.unknown_names == ["张三"]


@pytest.mark.parametrize(
    "message",
    [
        "which index funds have the highest ESG score?",
        "成立以来收益最高的基金是哪只",
        "funds with the best Morningstar rating",
    ],
)
def test_figures_the_data_lacks_are_asked_about(screener: FundScreener, message: str) -> None:
    assert talk(screener, message).clarification == "unsupported"


def test_half_of_a_calendar_year_is_not_six_months() -> None:
    assert "6个月" in normalize("近半年收益")
    assert "6个月" not in normalize("上半年成立的基金") and "6个月" not in normalize("下半年")


def test_comparing_the_first_of_a_ranking_keeps_its_order(screener: FundScreener) -> None:
    ranked = talk(screener, "top 5 equity funds by Sharpe ratio")
    outcome = talk(screener, "top 5 equity funds by Sharpe ratio", "compare the first two")
    assert outcome.fund_filter is not None and ranked.result is not None and outcome.result is not None
    assert outcome.fund_filter.codes == [row["code"] for row in ranked.result.rows[:2]]
    assert [row["code"] for row in outcome.result.rows] == outcome.fund_filter.codes


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (
            ("bond funds from Huasheng Fund", "aside from Huasheng Fund"),
            {("category", "eq", "bond"), ("company", "ne", H)},
        ),
        (("funds managed by Zhao Tao", "not Zhao Tao"), {("manager", "ne", "Zhao Tao")}),
    ],
)
def test_excluding_the_only_chosen_value_keeps_it_out(
    screener: FundScreener, turns: tuple[str, ...], expected: Conditions
) -> None:
    outcome = talk(screener, *turns)
    assert exact(screener, *turns) == expected
    assert outcome.result is not None and 0 < outcome.result.count < 3000
    excluded = {value for column, op, value in expected if op == "ne"}
    assert not any(row["company"] in excluded or row["manager"] in excluded for row in outcome.result.rows)


@pytest.mark.parametrize("turns", [("bond funds", "exclude bond funds"), ("债券基金", "不要债券基金")])
def test_excluding_the_chosen_category_itself_is_a_contradiction(
    screener: FundScreener, turns: tuple[str, ...]
) -> None:
    outcome = talk(screener, *turns)
    assert exact(screener, *turns) == {("category", "eq", "bond"), ("category", "ne", "bond")}
    assert outcome.contradictory == ["category"]
    assert outcome.result is not None and outcome.result.count == 0


@pytest.mark.parametrize("end", ["the worst 5?", "top 5", "bottom 5"])
def test_a_ranking_end_with_no_measure_asks_back(screener: FundScreener, end: str) -> None:
    assert talk(screener, "funds with a management fee under 1%", end).clarification == "best_without_measure"


@pytest.mark.parametrize(("follow_up", "descending"), [("bottom 3 instead", False), ("倒数3只呢", False)])
def test_the_other_end_reverses_the_ranking_as_it_stands(
    screener: FundScreener, follow_up: str, descending: bool
) -> None:
    first = talk(screener, "top 3 equity funds by fee")
    outcome = talk(screener, "top 3 equity funds by fee", follow_up)
    assert first.fund_filter is not None and outcome.fund_filter is not None and outcome.result is not None
    assert [(k.column, k.descending) for k in first.fund_filter.sort] == [("management_fee", not descending)]
    assert [(k.column, k.descending) for k in outcome.fund_filter.sort] == [("management_fee", descending)]
    assert outcome.fund_filter.limit == 3
    assert first.result is not None and first.result.rows[0]["code"] != outcome.result.rows[0]["code"]
    fees = [row["management_fee"] for row in outcome.result.rows]
    assert fees == sorted(fees) and fees[-1] < first.result.rows[-1]["management_fee"]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("funds that haven't lost more than 5% over 1 year", {("return_1y", "ge", -5.0)}),
        ("funds that have not lost more than 5% over 1 year", {("return_1y", "ge", -5.0)}),
        ("funds that did not fall more than 20% over 3 years", {("return_3y", "ge", -20.0)}),
        ("funds that never lost more than 10% in a year", {("return_1y", "ge", -10.0)}),
        ("funds that weren't down more than 5% this year", {("return_1y", "ge", -5.0)}),
        ("funds that have not gone down by more than 5% over 1 year", {("return_1y", "ge", -5.0)}),
        ("近一年没有亏损超过5%的基金", {("return_1y", "ge", -5.0)}),
        ("funds that lost more than 5% over 1 year", {("return_1y", "lt", -5.0)}),
    ],
)
def test_a_negated_bounded_loss_keeps_the_opposite_bound(
    screener: FundScreener, message: str, expected: Conditions
) -> None:
    assert exact(screener, message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "best funds for the next 5 years",
        "未来三年收益最好的基金",
        "top funds over the coming 3 years",
        "未来3年涨得最多的基金",
    ],
)
def test_a_ranking_over_years_to_come_is_a_forecast(screener: FundScreener, message: str) -> None:
    assert talk(screener, message).clarification == "promise"
