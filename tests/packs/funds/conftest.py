"""A fund database and the rules understander over it, built once per test module that asks for them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from luodi.packs.funds.database import Directory, open_engine
from luodi.packs.funds.understanding import RuleUnderstander


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return open_engine(tmp_path_factory.mktemp("funds") / "funds.db")


@pytest.fixture(scope="module")
def rules(engine: Engine) -> RuleUnderstander:
    return RuleUnderstander(Directory.load(engine))
