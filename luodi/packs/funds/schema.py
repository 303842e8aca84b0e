"""The `funds` table (the exact columns external question sets are written against) and two lookup tables.

`fund_companies` and `fund_managers` give the Chinese names of the English values stored in `funds.company`
and `funds.manager`, so questions in either language resolve to the same rows; `funds_meta` records the
"as of" date that relative dates ("founded more than 5 years ago") count from.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, MetaData, String, Table, Text

metadata = MetaData()

funds = Table(
    "funds",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_zh", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("risk_level", Integer, nullable=False),
    Column("company", Text, nullable=False),
    Column("manager", Text, nullable=False),
    Column("inception_date", Date, nullable=False),
    Column("size_cny_100m", Float, nullable=False),
    Column("nav", Float, nullable=False),
    *(Column(f"return_{horizon}", Float) for horizon in ("1m", "3m", "6m", "1y", "3y", "5y")),
    Column("volatility_3y", Float),
    Column("max_drawdown_3y", Float),
    Column("sharpe_3y", Float),
    Column("management_fee", Float, nullable=False),
    Column("custody_fee", Float, nullable=False),
    Column("purchase_fee", Float, nullable=False),
    Column("min_purchase_cny", Float, nullable=False),
    Column("purchase_open", Boolean, nullable=False),
    Column("redemption_open", Boolean, nullable=False),
)

fund_companies = Table(
    "fund_companies",
    metadata,
    Column("company", Text, primary_key=True),
    Column("company_zh", Text, nullable=False, unique=True),
)

fund_managers = Table(
    "fund_managers",
    metadata,
    Column("manager", Text, primary_key=True),
    Column("manager_zh", Text, nullable=False, unique=True),
    Column("company", Text, nullable=False),
)

funds_meta = Table(
    "funds_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

CATEGORIES = ("equity", "bond", "mixed", "money_market", "index", "qdii", "fof")
FUND_COLUMNS = tuple(column.name for column in funds.columns)
NUMERIC_COLUMNS = tuple(c.name for c in funds.columns if isinstance(c.type, Float | Integer))
