"""`luodi eval funds`: result sets compared with gold SQL on the same database (projection, order, ties, counts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from luodi.cli.groups import app
from luodi.packs.funds.database import open_engine
from luodi.packs.funds.evaluation import QuestionSetError, Scorer, read_questions
from luodi.packs.funds.query import Condition, FundFilter, SortKey

BOND = Condition(column="category", op="eq", value="bond")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("funds") / "funds.db"
    open_engine(path)
    return path


@pytest.fixture(scope="module")
def scorer(db_path: Path) -> Scorer:
    engine: Engine = open_engine(db_path)
    return Scorer(engine)


def test_the_same_set_is_correct_and_a_different_one_is_not(scorer: Scorer) -> None:
    bond = FundFilter(conditions=[BOND])
    assert scorer.compare(bond, "SELECT code FROM funds WHERE category = 'bond'", ordered=False)[0]
    assert not scorer.compare(bond, "SELECT code FROM funds WHERE category = 'equity'", ordered=False)[0]
    # projected on the gold's columns: name and return, not only codes
    assert scorer.compare(bond, "SELECT name, return_1y FROM funds WHERE category='bond'", ordered=False)[0]


def test_order_counts_with_a_limit(scorer: Scorer) -> None:
    top = FundFilter(conditions=[BOND], sort=[SortKey(column="return_1y")], limit=5)
    gold = "SELECT code FROM funds WHERE category='bond' ORDER BY return_1y DESC LIMIT 5"
    assert scorer.compare(top, gold, ordered=False)[0]
    wrong_direction = top.model_copy(update={"sort": [SortKey(column="return_1y", descending=False)]})
    assert not scorer.compare(wrong_direction, gold, ordered=False)[0]


def test_a_limit_inside_a_subquery_picks_a_set_and_orders_nothing(scorer: Scorer) -> None:
    # "compare the two biggest": the two funds in any order; an outer LIMIT still orders
    biggest = "SELECT code FROM funds WHERE category='bond' ORDER BY size_cny_100m DESC LIMIT 2"
    with scorer.engine.connect() as connection:
        codes = [row[0] for row in connection.exec_driver_sql(biggest)]
    smallest_first = FundFilter(codes=codes, sort=[SortKey(column="size_cny_100m", descending=False)])
    assert scorer.compare(smallest_first, f"SELECT code FROM funds WHERE code IN ({biggest})", ordered=False)[0]
    assert not scorer.compare(smallest_first, biggest, ordered=False)[0]


def test_ties_in_the_sort_key_may_swap(scorer: Scorer) -> None:
    # management fees are a few discrete values: many bond funds tie, and SQL gives ties no order
    cheapest = FundFilter(conditions=[BOND], sort=[SortKey(column="management_fee", descending=False)], limit=20)
    gold = "SELECT code FROM funds WHERE category='bond' ORDER BY management_fee ASC, code DESC LIMIT 20"
    assert scorer.compare(cheapest, gold, ordered=True)[0]


def test_a_count_gold_compares_with_the_count(scorer: Scorer) -> None:
    bond = FundFilter(conditions=[BOND])
    assert scorer.compare(bond, "SELECT COUNT(*) FROM funds WHERE category='bond'", ordered=False)[0]
    assert not scorer.compare(bond, "SELECT COUNT(*) FROM funds WHERE category='mixed'", ordered=False)[0]


def test_gold_must_be_one_select(scorer: Scorer) -> None:
    with pytest.raises(QuestionSetError):
        scorer.compare(None, "DELETE FROM funds", ordered=False)
    with pytest.raises(QuestionSetError):
        scorer.compare(None, "SELECT 1; DROP TABLE funds", ordered=False)


# the issue asks our own dev set for at least 150 conversations, a third multi-turn and a third Chinese; the
# outside writers' sets aimed at the same mix and landed near it
@pytest.mark.parametrize(("name", "least", "share"), [
    ("luodi/packs/funds/dev_questions.jsonl", 150, 1 / 3),
    ("luodi/packs/funds/dev_questions_fresh.jsonl", 400, 0.3),
    ("bench/data/funds/heldout_questions_fresh.jsonl", 70, 0.3),
])
def test_the_shipped_question_sets_are_well_formed(name: str, least: int, share: float) -> None:
    conversations = read_questions(Path(name))
    assert len(conversations) >= least
    assert len({c.id for c in conversations}) == len(conversations)
    assert sum(c.multi_turn for c in conversations) >= share * len(conversations)
    assert sum(c.chinese for c in conversations) >= share * len(conversations)


def test_cli_scores_a_question_file(db_path: Path, tmp_path: Path) -> None:
    items = [
        {"id": "a", "turns": ["bond funds with a 1-year return above 4%"],
         "gold_sql": "SELECT code FROM funds WHERE category='bond' AND return_1y>4"},
        {"id": "b", "turns": ["equity funds", "top 3 by size"], "ordered": True,
         "gold_sql": "SELECT code FROM funds WHERE category='equity' ORDER BY size_cny_100m DESC LIMIT 3"},
        {"id": "c", "turns": ["mixed funds"], "gold_sql": "SELECT code FROM funds WHERE category='bond'"},
    ]  # fmt: skip
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(item) for item in items), encoding="utf-8")
    config = tmp_path / "luodi.yaml"
    config.write_text(f"data_dir: {tmp_path}\n", encoding="utf-8")
    report = tmp_path / "report.json"
    import luodi.packs.funds.cli  # noqa: F401  (registers the command)

    result = CliRunner().invoke(
        app,
        [
            "eval",
            "funds",
            "--questions",
            str(questions),
            "--db",
            str(db_path),
            "-c",
            str(config),
            "--report",
            str(report),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "overall      66.67%" in result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert [f["id"] for f in figures["failures"]] == ["c"]
    assert figures["figures"]["multi_turn"] == {"accuracy": 1.0, "conversations": 1}
