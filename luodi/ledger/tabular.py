"""Ledger records as plain data: JSON values and CSV text, the same for the HTTP API and the CLI.

A record is a dict of one usage record, bill line or audit record; its values are made plain before they leave:
money as an exact decimal string (floats would round it), times as ISO 8601, and in CSV a nested value (an audit
payload) as one JSON string column. Only the standard library is imported, so the CLI can use it at start.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Record = dict[str, Any]


def plain(value: Any) -> Any:
    """A value as JSON carries it: money as an exact decimal string, a time in ISO 8601, the rest as it is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> Any:
    """A value as one CSV cell: nothing for None, a nested value as JSON text."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=plain)
    return plain(value)


def to_csv(records: Sequence[Record], fields: Sequence[str]) -> str:
    """A header row of `fields`, then one row per record (fields a record lacks are empty)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({name: csv_cell(record.get(name)) for name in fields})
    return buffer.getvalue()
