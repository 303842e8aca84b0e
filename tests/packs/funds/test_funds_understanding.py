"""The rules understander and the filter it builds: units, comparators, dates, vague words, merging over turns,
and that no user text ever reaches SQL as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from luodi.packs.funds.database import Directory, open_engine
from luodi.packs.funds.dialogue import FundScreener, TurnOutcome
from luodi.packs.funds.query import FundFilter, order_by, where_clause
from luodi.packs.funds.schema import funds
from luodi.packs.funds.understanding import RuleUnderstander


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return open_engine(tmp_path_factory.mktemp("funds") / "funds.db")


@pytest.fixture(scope="module")
def screener(engine: Engine) -> FundScreener:
    return FundScreener(engine, RuleUnderstander(Directory.load(engine)))


def conditions(screener: FundScreener, *turns: str) -> set[tuple[str, str, object]]:
    outcome = talk(screener, *turns)
    assert outcome.fund_filter is not None
    return {(c.column, c.op, c.value) for c in outcome.fund_filter.conditions}


def talk(screener: FundScreener, *turns: str) -> TurnOutcome:
    state = screener.new_state()
    outcome = None
    for turn in turns:
        state, outcome = screener.handle(state, turn)
    assert outcome is not None
    return outcome


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("equity funds with more than 5 billion in assets", ("size_cny_100m", "gt", 50.0)),
        ("规模超过50亿的基金", ("size_cny_100m", "gt", 50.0)),
        ("funds with assets under 500 million yuan", ("size_cny_100m", "lt", 5.0)),
        ("起购金额1万元以上的基金", ("min_purchase_cny", "ge", 10000.0)),
        ("近一年收益不低于10个点的基金", ("return_1y", "ge", 10.0)),
        ("funds with a three-year return of at least 20%", ("return_3y", "ge", 20.0)),
        ("近三年最大回撤不超过-15%的基金", ("max_drawdown_3y", "le", 15.0)),
        ("funds founded before 2015", ("inception_date", "lt", "2015-01-01")),
        ("成立超过5年的基金", ("inception_date", "lt", "2021-11-20")),
        ("R3及以下的基金", ("risk_level", "le", 3)),
        ("index funds with no purchase fee", ("purchase_fee", "eq", 0.0)),
        ("近6个月收益为负的基金", ("return_6m", "lt", 0.0)),
    ],
)
def test_units_comparators_and_dates(screener: FundScreener, message: str, expected: tuple[str, str, object]) -> None:
    assert expected in conditions(screener, message)


def test_between_and_category_lists(screener: FundScreener) -> None:
    outcome = talk(screener, "bond or mixed funds with a 1-year return between 3% and 6%")
    assert outcome.fund_filter is not None
    found = {(c.column, c.op, str(c.value), c.upper) for c in outcome.fund_filter.conditions}
    assert ("return_1y", "between", "3.0", 6.0) in found
    assert ("category", "in", "['bond', 'mixed']", None) in found


def test_vague_words_map_to_their_definitions(screener: FundScreener) -> None:
    assert ("risk_level", "le", 2) in conditions(screener, "低风险的基金")
    assert ("management_fee", "below_category_median", None) in conditions(screener, "cheap equity funds")
    # an explicit condition on the same column wins over the vague word
    assert conditions(screener, "low-risk funds with risk level 3") == {("risk_level", "eq", 3)}


def test_a_refinement_keeps_the_filter_and_a_new_question_replaces_it(screener: FundScreener) -> None:
    kept = conditions(screener, "bond funds with a 1-year return above 3%", "only those open for purchase")
    assert kept == {("category", "eq", "bond"), ("return_1y", "gt", 3.0), ("purchase_open", "eq", True)}
    replaced = conditions(screener, "bond funds with a 1-year return above 3%", "equity funds with Sharpe above 1")
    assert replaced == {("category", "eq", "equity"), ("sharpe_3y", "gt", 1.0)}
    elliptical = conditions(screener, "近三年收益超过50%的股票型基金", "改成超过80%")
    assert elliptical == {("category", "eq", "equity"), ("return_3y", "gt", 80.0)}


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ("funds managed by Nobody Atall", "Nobody Atall"),
        ("bond funds managed by A Low", "A Low"),
        ("funds whose manager is Zhang Wei", "Zhang Wei"),  # Zhao Wei and Huang Wei exist; neither is guessed
        ("Fidelity funds with low fees", "Fidelity"),
        ("equity funds from Vanguard", "Vanguard"),
        ("基金经理李小龙管理的基金", "李小龙"),
        ("易方达旗下的债券基金", "易方达"),
    ],
)
def test_unknown_names_are_asked_about_never_filtered_or_dropped(
    screener: FundScreener, message: str, named: str
) -> None:
    outcome = talk(screener, message)
    assert outcome.clarification == "unknown_name" and outcome.result is None
    assert outcome.reading.unknown_names == [named]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("funds managed by Zhang Jnig", ("manager", "eq", "Zhang Jing")),  # one swapped pair of letters
        ("Hua Sheng Fund bond funds", ("company", "eq", "Huasheng Fund")),  # spacing
        ("funds from Huasehng", ("company", "eq", "Huasheng Fund")),  # a typo in a brand
        ("large equity funds, excluding anything from Haina Fund", ("company", "ne", "Haina Fund")),
        ("除了华盛基金以外的债券基金", ("company", "ne", "Huasheng Fund")),
        ("funds managed by Chen Jing or Zhang Jing", ("manager", "in", ["Chen Jing", "Zhang Jing"])),
    ],
)
def test_names_tolerate_spelling_and_negation(
    screener: FundScreener, message: str, expected: tuple[str, str, object]
) -> None:
    fund_filter = talk(screener, message).fund_filter
    assert fund_filter is not None
    assert expected in [(c.column, c.op, c.value) for c in fund_filter.conditions]


def test_user_text_is_bound_never_inlined(engine: Engine) -> None:
    hostile = "x' OR '1'='1"
    fund_filter = FundFilter.model_validate(
        {"conditions": [{"column": "manager", "op": "eq", "value": hostile}], "sort": [{"column": "sharpe_3y"}]}
    )
    statement = select(funds).where(where_clause(fund_filter, {})).order_by(*order_by(fund_filter))
    assert hostile not in str(statement.compile(engine))
    with pytest.raises(ValueError):
        FundFilter.model_validate({"conditions": [{"column": "code; DROP TABLE funds", "op": "eq", "value": 1}]})


def test_per_turn_latency_is_small(screener: FundScreener, tmp_path: Path) -> None:
    import time

    started = time.perf_counter()
    for _ in range(20):
        talk(screener, "近一年收益超过10%的股票型基金，按夏普比率排序")
    assert (time.perf_counter() - started) / 20 < 0.05


def test_themes_are_searched_in_fund_names(screener: FundScreener, engine: Engine) -> None:
    outcome = talk(screener, "沪深300指数基金")
    assert outcome.result is not None
    with engine.connect() as connection:
        expected = connection.execute(
            select(funds.c.code).where(funds.c.category == "index", funds.c.name.like("%CSI 300%"))
        ).all()
    assert outcome.result.count == len(expected) > 0


def test_comparing_two_figures_is_a_question_not_a_guess(screener: FundScreener) -> None:
    outcome = talk(screener, "equity funds whose 3-year return is above their 1-year return")
    assert outcome.clarification == "column_comparison" and outcome.result is None


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("规模在一千万以下的基金", ("size_cny_100m", "le", 0.1)),  # 一千万 = 1000万 = 0.1亿
        ("规模5千万以上的基金", ("size_cny_100m", "ge", 0.5)),
        ("管理费只有0.15%的指数基金", ("management_fee", "eq", 0.15)),
        ("how many funds, money market aside, have a 3-year Sharpe over 2.5?", ("category", "ne", "money_market")),
    ],
)
def test_number_words_and_exclusions(screener: FundScreener, message: str, expected: tuple[str, str, object]) -> None:
    assert expected in conditions(screener, message)


def test_rank_words_follow_the_columns_natural_order(screener: FundScreener) -> None:
    outcome = talk(screener, "Which mixed fund had the deepest 3-year drawdown?")
    assert outcome.fund_filter is not None and outcome.fund_filter.limit == 1
    assert [(k.column, k.descending) for k in outcome.fund_filter.sort] == [("max_drawdown_3y", True)]
    best = talk(screener, "bond funds with the best max drawdown").fund_filter
    assert best is not None and [(k.column, k.descending) for k in best.sort] == [("max_drawdown_3y", False)]
    ranked = talk(screener, "夏普比率排名前五的指数基金").fund_filter
    assert ranked is not None and ranked.limit == 5


def test_refinements_exclude_page_and_drop_flags(screener: FundScreener) -> None:
    excluded = conditions(screener, "low-risk funds with a 1-year return above 3.5%", "leave out money market funds")
    assert excluded == {("risk_level", "le", 2), ("return_1y", "gt", 3.5), ("category", "ne", "money_market")}
    page = talk(screener, "QDII基金里近一年收益最高的5只", "再看看后面5只").fund_filter
    assert page is not None and (page.limit, page.offset) == (5, 5)
    assert conditions(screener, "鸿运基金的债券基金，要能申购的", "申购状态不限了") == {
        ("company", "eq", "Hongyun Fund"),
        ("category", "eq", "bond"),
    }
    assert ("purchase_open", "eq", True) in conditions(screener, "funds managed by Zhu Ming", "only the open ones")


def test_ages_in_months_and_half_years(screener: FundScreener) -> None:
    assert conditions(screener, "成立不到半年的基金") == {("inception_date", "gt", "2026-05-20")}
    assert conditions(screener, "funds launched in the last 6 months") == {("inception_date", "gt", "2026-05-20")}
    assert conditions(screener, "近半年收益超过10%的基金") == {("return_6m", "gt", 10.0)}


def test_rankings_without_a_figure(screener: FundScreener) -> None:
    worst = talk(screener, "show me the 5 worst mixed funds over 3 years").fund_filter
    assert worst is not None and [(k.column, k.descending) for k in worst.sort] == [("return_3y", False)]
    assert talk(screener, "推荐几只好基金").clarification == "best_without_measure"
    # the "风险" of "低风险" is the vague word, not a second sort key
    ranked = talk(screener, "天和基金的低风险产品，按规模从大到小排序").fund_filter
    assert ranked is not None and [(k.column, k.descending) for k in ranked.sort] == [("size_cny_100m", True)]


def test_vague_adjectives_alone_and_narrowing_with_just(screener: FundScreener) -> None:
    large = conditions(screener, "index funds with a 3-year return above 100%", "which of those are large?")
    assert ("size_cny_100m", "ge", 50) in large and ("return_3y", "gt", 100.0) in large
    kept = conditions(screener, "funds from Mingde Fund", "just index funds")
    assert kept == {("company", "eq", "Mingde Fund"), ("category", "eq", "index")}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("money market funds over RMB 100bn in size", ("size_cny_100m", "gt", 1000.0)),
        ("QDII funds whose max drawdown exceeded 30%", ("max_drawdown_3y", "gt", 30.0)),
        ("index funds charging no more than 0.5% per year", ("management_fee", "le", 0.5)),
        ("funds with risk level other than 5 from Xinghe Fund", ("risk_level", "ne", 5)),
        ("风险等级不是5的基金", ("risk_level", "ne", 5)),
        ("index funds open for both subscription and redemption", ("redemption_open", "eq", True)),
    ],
)
def test_more_comparators_and_units(screener: FundScreener, message: str, expected: tuple[str, str, object]) -> None:
    assert expected in conditions(screener, message)


def test_a_negation_covers_a_list_but_not_the_next_word(screener: FundScreener) -> None:
    listed = conditions(screener, "all funds except equity and mixed with a Sharpe above 2")
    assert {("category", "ne", "equity"), ("category", "ne", "mixed")} <= listed
    assert conditions(screener, "non-QDII index funds") == {("category", "ne", "qdii"), ("category", "eq", "index")}


def test_more_refinements(screener: FundScreener) -> None:
    back = talk(screener, "top 10 bond funds by size", "next 10", "previous page").fund_filter
    assert back is not None and (back.limit, back.offset) == (10, 0)
    no_fee = conditions(screener, "low-risk bond funds", "exclude those with a purchase fee")
    assert ("purchase_fee", "eq", 0.0) in no_fee
    horizon = conditions(screener, "bond funds with a 1-year return above 4%", "change the return to 3-year")
    assert horizon == {("category", "eq", "bond"), ("return_3y", "gt", 4.0)}


def test_one_comparison_for_a_list_of_figures(screener: FundScreener) -> None:
    fees = conditions(screener, "管理费和托管费都低于0.2%的货币基金")
    assert {("management_fee", "lt", 0.2), ("custody_fee", "lt", 0.2)} <= fees
    returns = conditions(screener, "近1年、近3年收益都为正的混合基金")
    assert {("return_1y", "gt", 0.0), ("return_3y", "gt", 0.0)} <= returns


def test_comparisons_with_no_usable_number_are_asked_about(screener: FundScreener) -> None:
    outcome = talk(screener, "近一年收益率高于同类平均的股票基金")
    assert outcome.clarification == "unknown_words" and outcome.reading.unknown == ["收益率高于同类平均"]
    assert talk(screener, "equity funds with returns better than the market").clarification == "unknown_words"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("equity funds that have been around for over 15 years", ("inception_date", "lt", "2011-11-20")),
        ("bond funds less than a year old", ("inception_date", "gt", "2025-11-20")),
        ("equity funds I can currently buy with a Sharpe above 1", ("purchase_open", "eq", True)),
        ("QDII基金，只看开放申购和赎回的", ("redemption_open", "eq", True)),
    ],
)
def test_ages_and_flags_in_other_words(screener: FundScreener, message: str, expected: tuple[str, str, object]) -> None:
    assert expected in conditions(screener, message)


def test_a_comparison_right_before_a_figure_is_its_own(screener: FundScreener) -> None:
    both = conditions(screener, "funds with at least a 0.5 Sharpe and at most 10% volatility")
    assert both == {("sharpe_3y", "ge", 0.5), ("volatility_3y", "le", 10.0)}


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("funds which require at least 1000 yuan to buy",), ("min_purchase_cny", "ge", 1000.0)),
        (("equity funds priced below 1 yuan per unit",), ("nav", "lt", 1.0)),
        (("近一年涨了不止20%的QDII",), ("return_1y", "gt", 20.0)),
        (("bond funds founded after 2022", "make that after 2020"), ("inception_date", "gt", "2020-12-31")),
    ],
)
def test_units_prices_and_refined_dates(
    screener: FundScreener, turns: tuple[str, ...], expected: tuple[str, str, object]
) -> None:
    assert expected in conditions(screener, *turns)


def test_names_spacing_negated_comparisons_and_lists(screener: FundScreener) -> None:
    named = talk(screener, "show Dongsheng CSI300 Index A").fund_filter
    assert named is not None and len(named.codes) == 1
    flipped = conditions(screener, "指数基金", "剔除风险等级5的", "再剔除管理费高于0.5%的")
    assert flipped == {("category", "eq", "index"), ("risk_level", "ne", 5), ("management_fee", "le", 0.5)}
    assert ("return_1y", "ge", 0.0) in conditions(screener, "QDII funds", "exclude the ones with a 1-year loss")
    listed = talk(screener, "mixed funds with risk level 3", "also risk level 4").fund_filter
    assert listed is not None and ("risk_level", "in", [3, 4]) in [(c.column, c.op, c.value) for c in listed.conditions]
    page = talk(screener, "货币基金", "规模最大的10只", "再往后10只").fund_filter
    assert page is not None and (page.limit, page.offset) == (10, 10)


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("money market funds with a 0.15% fee and more than 20 bn in assets",), ("size_cny_100m", "gt", 200.0)),
        (("mixed funds that currently don't allow redemptions",), ("redemption_open", "eq", False)),
        (("funds up more than 8% in the last month, not counting equity funds",), ("category", "ne", "equity")),
        (("risky funds from Beichen Fund that are down over the last 6 months",), ("return_6m", "lt", 0.0)),
        (("周丹管理的基金中，风险等级在3级及以上的",), ("risk_level", "ge", 3)),
        (("规模比较大的混合型基金",), ("size_cny_100m", "ge", 50)),  # 比较 here means "rather", not "compare"
        (("QDII funds with a 1-year return above 10%", "change that to the 3-year return above 20%"),
         ("return_3y", "gt", 20.0)),
    ],
)  # fmt: skip
def test_other_phrasings(screener: FundScreener, turns: tuple[str, ...], expected: tuple[str, str, object]) -> None:
    found = conditions(screener, *turns)
    assert expected in found
    assert not any(column == "return_1y" for column, _op, _value in found)  # "change that to" replaced it


def test_the_ten_after_that(screener: FundScreener) -> None:
    page = talk(screener, "10 largest equity funds", "show me the next 10", "and the 10 after that").fund_filter
    assert page is not None and (page.limit, page.offset) == (10, 20)


MIXED, BOND = ("category", "eq", "mixed"), ("category", "eq", "bond")


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("mixed funds sized between 1 and 3 billion",), {MIXED, ("size_cny_100m", "between", 10.0)}),
        (("mixed funds between 1 and 3 billion",), {MIXED, ("size_cny_100m", "between", 10.0)}),
        (("small FOFs please",), {("category", "eq", "fof"), ("size_cny_100m", "lt", 2)}),
        (("Which funds are closed to both purchases and redemptions?",),
         {("purchase_open", "eq", False), ("redemption_open", "eq", False)}),
        (("暂停申购和赎回的基金",), {("purchase_open", "eq", False), ("redemption_open", "eq", False)}),
        (("mixed funds with management fee at most 0.8% and a 3-year return over 40%",
          "make the return threshold 60% instead"),
         {MIXED, ("management_fee", "le", 0.8), ("return_3y", "gt", 60.0)}),
        (("bond funds with fee under 0.5%", "make the fee 0.3%"), {BOND, ("management_fee", "lt", 0.3)}),
        (("bond funds with fee under 0.5%", "不对，是0.3%"), {BOND, ("management_fee", "lt", 0.3)}),
        (("近一年收益超过8%的债券基金", "不对，是近三年"), {BOND, ("return_3y", "gt", 8.0)}),
        (("low-risk funds with a 3-year max drawdown under 0.5%", "risk level 3 is fine too"),
         {("max_drawdown_3y", "lt", 0.5), ("risk_level", "le", 3)}),
        (("high risk bond funds", "risk level 3 is ok too"), {BOND, ("risk_level", "ge", 3)}),
    ],
)  # fmt: skip
def test_sizes_nouns_closed_flags_and_corrections(
    screener: FundScreener, turns: tuple[str, ...], expected: set[tuple[str, str, object]]
) -> None:
    assert conditions(screener, *turns) == expected


@pytest.mark.parametrize(
    "message",
    ["帮我推荐一只稳赚不赔的基金", "funds with guaranteed returns", "risk-free funds",
     "which fund will go up most next year?", "哪只基金明年收益最高"],
)  # fmt: skip
def test_a_promise_no_fund_can_make_is_answered_not_filtered(screener: FundScreener, message: str) -> None:
    outcome = talk(screener, message)
    assert outcome.clarification == "promise" and outcome.result is None


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("which fund has the highest 1-year return?", "and the lowest?"), [("return_1y", False)]),
        (("近一年收益最高的5只债券基金", "最低的呢"), [("return_1y", False)]),
        (("the 3 lowest-fee index funds", "and the highest?"), [("management_fee", True)]),
    ],
)  # fmt: skip
def test_the_other_end_of_a_ranking(screener: FundScreener, turns: tuple[str, ...], expected: list[object]) -> None:
    fund_filter = talk(screener, *turns).fund_filter
    assert fund_filter is not None and [(k.column, k.descending) for k in fund_filter.sort] == expected


def test_next_year_is_not_the_next_page(screener: FundScreener) -> None:
    assert talk(screener, "top 5 bond funds by size", "next year's best?").clarification == "promise"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("起购金额1万元的基金", {("min_purchase_cny", "eq", 10000.0)}),
        ("除了北辰基金以外的债券基金", {("company", "ne", "Beichen Fund"), BOND}),  # 以外 closes the 除了
        ("funds other than bond funds, aside from QDII", {("category", "ne", "bond"), ("category", "ne", "qdii")}),
        ("index funds charging no more than 0.1% custody", {("category", "eq", "index"), ("custody_fee", "le", 0.1)}),
    ],
)
def test_ten_thousand_yuan_and_closed_negations(
    screener: FundScreener, message: str, expected: set[tuple[str, str, object]]
) -> None:
    assert conditions(screener, message) == expected


@pytest.mark.parametrize("message", ["top 10 equity funds by alpha", "跟踪误差最小的指数基金", "funds by duration"])
def test_measures_the_table_lacks_are_asked_about(screener: FundScreener, message: str) -> None:
    assert talk(screener, message).clarification == "unsupported"


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("top 5 equity funds by 1-year return", "bottom 5 instead"), [("return_1y", False)]),
        (("top 5 equity funds by 1-year return", "what about the worst 5?"), [("return_1y", False)]),
        (("近一年收益最高的5只股票基金", "倒数5只呢"), [("return_1y", False)]),
        (("bottom 5 bond funds by return", "top 5 instead"), [("return_1y", True)]),
        (("worst 3 bond funds by 3-year return",), [("return_3y", False)]),
        (("3 worst bond funds by drawdown",), [("max_drawdown_3y", True)]),
    ],
)  # fmt: skip
def test_the_named_end_of_a_ranking(screener: FundScreener, turns: tuple[str, ...], expected: list[object]) -> None:
    fund_filter = talk(screener, *turns).fund_filter
    assert fund_filter is not None and [(k.column, k.descending) for k in fund_filter.sort] == expected


@pytest.mark.parametrize(
    ("turns", "expected"),
    [
        (("bond funds with fee under 0.5%", "actually make it under 0.4%"), {BOND, ("management_fee", "lt", 0.4)}),
        (("low risk funds", "风险等级3也可以"), {("risk_level", "le", 3)}),
    ],
)
def test_corrections_and_acceptable_values(
    screener: FundScreener, turns: tuple[str, ...], expected: set[tuple[str, str, object]]
) -> None:
    assert conditions(screener, *turns) == expected


def _conditions(outcome: TurnOutcome) -> list[tuple[str, str, object]]:
    assert outcome.fund_filter is not None
    return [(c.column, c.op, c.value) for c in outcome.fund_filter.conditions]


def test_each_exclusion_stays_excluded(screener: FundScreener) -> None:
    outcome = talk(screener, "bond funds from Huasheng Fund or Dingyuan Fund", "exclude Huasheng Fund",
                   "exclude Dingyuan Fund")
    conditions = _conditions(outcome)
    assert ("company", "ne", "Huasheng Fund") in conditions and ("company", "ne", "Dingyuan Fund") in conditions
    assert not any(op in ("eq", "in") for column, op, _ in conditions if column == "company")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("equity funds that did not go up more than 10% over the past year", ("return_1y", "le", 10.0)),
        ("funds that haven't returned more than 5% in 3 years", ("return_3y", "le", 5.0)),
        ("exclude funds with a 1-year loss of more than 30%", ("return_1y", "ge", -30.0)),
        ("有没有管理费0.15%的指数基金", ("management_fee", "eq", 0.15)),  # a question, not a negation
    ],
)
def test_negated_figures_hold_the_opposite_bound(screener: FundScreener, message: str,
                                                 expected: tuple[str, str, object]) -> None:
    assert expected in _conditions(talk(screener, message))


def test_a_risk_level_a_vague_word_set_becomes_the_level_named(screener: FundScreener) -> None:
    assert ("risk_level", "eq", 3) in _conditions(talk(screener, "low risk bond funds", "change risk level to 3"))
    assert ("risk_level", "le", 3) in _conditions(talk(screener, "bond funds with risk level at most 2",
                                                       "change risk level to 3"))
