"""The synthetic fund database: deterministic, the exact `funds` columns, plausible distributions."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from luodi.packs.funds.database import open_engine
from luodi.packs.funds.schema import funds

EXPECTED_COLUMNS = [
    "code", "name", "name_zh", "category", "risk_level", "company", "manager", "inception_date", "size_cny_100m",
    "nav", "return_1m", "return_3m", "return_6m", "return_1y", "return_3y", "return_5y", "volatility_3y",
    "max_drawdown_3y", "sharpe_3y", "management_fee", "custody_fee", "purchase_fee", "min_purchase_cny",
    "purchase_open", "redemption_open",
]  # fmt: skip


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return open_engine(tmp_path_factory.mktemp("funds") / "funds.db")


def _dump(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(funds.select().order_by(funds.c.code))]


def test_two_builds_are_identical(engine: Engine, tmp_path: Path) -> None:
    assert _dump(open_engine(tmp_path / "again.db")) == _dump(engine)


def test_the_funds_table_has_exactly_the_published_columns(engine: Engine) -> None:
    assert [c["name"] for c in inspect(engine).get_columns("funds")] == EXPECTED_COLUMNS


def _scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar()


def test_distributions_are_plausible(engine: Engine) -> None:
    assert 2800 <= int(_scalar(engine, "SELECT COUNT(*) FROM funds")) <= 3200  # type: ignore[call-overload]
    assert _scalar(engine, "SELECT COUNT(DISTINCT category) FROM funds") == 7
    assert _scalar(engine, "SELECT COUNT(DISTINCT company) FROM funds") == 40
    assert _scalar(engine, "SELECT MAX(risk_level) FROM funds WHERE category='money_market'") == 1
    assert _scalar(engine, "SELECT MIN(risk_level) FROM funds WHERE category='equity'") >= 4  # type: ignore[operator]
    money_vol = _scalar(engine, "SELECT AVG(volatility_3y) FROM funds WHERE category='money_market'")
    equity_vol = _scalar(engine, "SELECT AVG(volatility_3y) FROM funds WHERE category='equity'")
    assert money_vol < 1 < 10 < equity_vol  # type: ignore[operator]
    bond_fee = _scalar(engine, "SELECT AVG(management_fee) FROM funds WHERE category='bond'")
    equity_fee = _scalar(engine, "SELECT AVG(management_fee) FROM funds WHERE category='equity'")
    assert bond_fee < equity_fee  # type: ignore[operator]


def test_young_funds_have_no_long_horizon_figures(engine: Engine) -> None:
    young = int(_scalar(engine, "SELECT COUNT(*) FROM funds WHERE return_3y IS NULL"))  # type: ignore[call-overload]
    assert 300 < young < 1500
    # a 5-year return exists exactly when the fund is at least 5 years old on the as-of date (2026-11-20)
    assert (
        _scalar(engine, "SELECT COUNT(*) FROM funds WHERE (return_5y IS NULL) = (inception_date <= '2021-11-20')") == 0
    )
    assert _scalar(engine, "SELECT COUNT(*) FROM funds WHERE return_3y IS NULL AND sharpe_3y IS NOT NULL") == 0
