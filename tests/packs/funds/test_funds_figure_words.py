"""Figure words the lexicon lacks, read by the trained figure-word model; the rules ask about them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from luodi.nlu.decisions import Decision, DecisionSet
from luodi.packs.funds import figure_words as fw
from luodi.packs.funds.dialogue import FundScreener
from luodi.packs.funds.render import describe_condition
from luodi.packs.funds.trained import RELATION, TrainedFundUnderstander, train_figures
from luodi.packs.funds.understanding import RuleUnderstander


@pytest.fixture(scope="module")
def trained(rules: RuleUnderstander, tmp_path_factory: pytest.TempPathFactory) -> TrainedFundUnderstander:
    model = fw.FigureWordModel.load(train_figures(tmp_path_factory.mktemp("model") / "figures.npz"))
    return TrainedFundUnderstander(rules, DecisionSet({RELATION: Decision.constant(True)}), model)


def test_a_lexicon_entry_is_spelled_out_as_the_words_it_matches() -> None:
    assert fw.spelled_out(r"custod(?:y|ian)(?: fees?| charges?)?")[:3] == ["custody", "custody fee", "custody fees"]
    assert fw.spelled_out(r"(?:fell|lost)(?= [^,;.]*\bat (?:the )?worst\b)") == ["fell", "lost"]


def test_training_phrases_are_labelled_by_the_lexicon_not_by_gold_queries() -> None:
    found = fw.lexicon_phrases(["bond funds with a custody fee under 0.1%", "近3年最大回撤小于10%的基金"])
    assert ("a custody fee", "custody_fee") in found  # not also the management fee: the longest word wins
    assert any(family == "max_drawdown_3y" and "最大回撤" in words and "3" not in words for words, family in found)
    stated = {family for _, family in fw.stated_phrases()}
    assert stated == set(fw.FAMILIES)


def test_horizons_are_left_to_the_rules() -> None:
    assert fw.strip_horizon("3-year return").strip() == "return"
    assert fw.strip_horizon("近1年收益").strip() == "收益"


def test_words_the_lexicon_lacks_are_read_and_shown(engine: Engine, rules: RuleUnderstander,
                                                    trained: TrainedFundUnderstander) -> None:
    message = "funds whose worst fall is under 10%"
    assert rules.understand(message).unknown  # the rules ask which figure is meant
    reading = trained.understand(message)
    assert not reading.unknown
    [condition] = reading.conditions
    assert (condition.column, condition.op, condition.value, condition.said) == ("max_drawdown_3y", "lt", 10.0,
                                                                                 "worst fall")
    assert "“worst fall” read as 3-year max drawdown" in describe_condition(condition, "en", {})

    screener = FundScreener(engine, trained)
    _, outcome = screener.handle(screener.new_state(), message)
    with engine.connect() as connection:
        expected = connection.execute(text("SELECT count(*) FROM funds WHERE max_drawdown_3y < 10")).scalar_one()
    assert outcome.clarification is None and outcome.result is not None and outcome.result.count == expected


def test_words_for_no_figure_are_never_applied(trained: TrainedFundUnderstander) -> None:
    reading = trained.understand("bond funds with a glorp quotient above 3")
    assert reading.unknown or reading.unsupported  # asked which figure, or told the table has no such figure
    assert all(c.column == "category" for c in reading.conditions)


def test_a_percentage_is_never_a_price(rules: RuleUnderstander) -> None:
    reading = rules.understand("equity funds with price swings under 15%")
    assert all(c.column != "nav" for c in reading.conditions) and reading.unknown
    assert [c.column for c in rules.understand("funds with a unit price under 1.5").conditions] == ["nav"]


@pytest.mark.parametrize("message", ["bond funds with a redemption fee under 0.5%", "赎回费低于0.5%的债券基金"])
def test_a_fee_the_table_lacks_is_not_the_management_fee(engine: Engine, rules: RuleUnderstander,
                                                         message: str) -> None:
    screener = FundScreener(engine, rules)
    _, outcome = screener.handle(screener.new_state(), message)
    assert outcome.clarification == "unsupported"


def test_the_model_survives_saving(tmp_path: Path, trained: TrainedFundUnderstander) -> None:
    assert trained.figures is not None
    loaded = fw.FigureWordModel.load(trained.figures.save(tmp_path / "m.npz"))
    assert loaded.guess("worst fall") == trained.figures.guess("worst fall")


def test_an_unsure_guess_is_offered_with_the_question_never_applied(engine: Engine,
                                                                    trained: TrainedFundUnderstander) -> None:
    from luodi.packs.funds.render import render

    assert trained.figures is not None
    message = "bond funds with a glorp quotient above 3"
    guess = trained.figures.guess("glorp quotient")
    _, outcome = FundScreener(engine, trained).handle(FundScreener(engine, trained).new_state(), message)
    text = render(outcome)[0]
    assert outcome.clarification in ("unknown_words", "unsupported")
    offered = "Did you mean" in text
    assert offered == (outcome.clarification == "unknown_words" and guess.probability >= 0.2), text
