"""Builds the hotel scenario's business database (SQLite by default) from the MultiWOZ or CrossWOZ JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, Float, ForeignKey, Integer, MetaData, String, Table, insert


def _bookings_table(metadata: MetaData) -> Table:
    return Table(
        "bookings",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("reference", String(20), unique=True, nullable=False),
        Column("hotel_id", ForeignKey("hotels.id"), nullable=False),
        Column("day", String(20), nullable=False),
        Column("people", Integer, nullable=False),
        Column("stay", Integer, nullable=False),
        Column("conversation", String(80), nullable=False, default=""),
        Column("created_at", String(40), nullable=False),
    )


def build_multiwoz(engine: Engine, data_file: Path) -> None:
    metadata = MetaData()
    hotels = Table(
        "hotels",
        metadata,
        Column("id", Integer, primary_key=True),
        *(Column(name, String(200)) for name in ("name", "type", "area", "pricerange", "parking", "internet")),
        Column("stars", Integer),
        *(Column(name, String(200)) for name in ("address", "postcode", "phone")),
        *(Column(f"price_{room}", Integer) for room in ("single", "double", "family")),
    )
    _bookings_table(metadata)
    rows = [_multiwoz_row(record) for record in json.loads(data_file.read_text(encoding="utf-8"))]
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(hotels), rows)


def _multiwoz_row(record: dict[str, Any]) -> dict[str, Any]:
    prices = record.get("price") or {}
    return {
        "id": int(record["id"]),
        **{key: record.get(key) for key in ("name", "type", "area", "pricerange", "parking", "internet")},
        "stars": int(record["stars"]) if str(record.get("stars", "")).isdigit() else None,
        **{key: record.get(key) for key in ("address", "postcode", "phone")},
        **{f"price_{room}": _int_or_none(prices.get(room)) for room in ("single", "double", "family")},
    }


def build_crosswoz(engine: Engine, data_file: Path) -> None:
    metadata = MetaData()
    hotels = Table(
        "hotels",
        metadata,
        Column("id", Integer, primary_key=True),
        *(Column(name, String(200)) for name in ("名称", "酒店类型", "地址", "地铁", "电话")),
        Column("价格", Integer),
        Column("评分", Float),
    )
    lists = {
        key: _list_table(metadata, table, column)
        for key, (table, column) in {
            "酒店设施": ("hotel_facilities", "facility"),
            "周边景点": ("hotel_attractions", "attraction"),
            "周边餐馆": ("hotel_restaurants", "restaurant"),
            "周边酒店": ("hotel_neighbours", "hotel"),
        }.items()
    }
    _bookings_table(metadata)
    records = [record for _, record in json.loads(data_file.read_text(encoding="utf-8"))]
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(hotels),
            [
                {"id": i, **{k: r.get(k) for k in ("名称", "酒店类型", "地址", "地铁", "电话", "价格", "评分")}}
                for i, r in enumerate(records, 1)
            ],
        )
        for key, table in lists.items():
            rows = _list_rows(records, key, table.c[1].name)
            if rows:
                connection.execute(insert(table), rows)


def _list_table(metadata: MetaData, name: str, column: str) -> Table:
    return Table(
        name,
        metadata,
        Column("hotel_id", ForeignKey("hotels.id"), primary_key=True),
        Column(column, String(200), primary_key=True),
    )


def _list_rows(records: list[dict[str, Any]], key: str, column: str) -> list[dict[str, Any]]:
    rows = {
        (i, value.strip())
        for i, record in enumerate(records, 1)
        for value in record.get(key) or []
        if value and value.strip()
    }
    return [{"hotel_id": i, column: value} for i, value in sorted(rows)]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
