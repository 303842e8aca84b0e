"""Listings printed three ways: a table that fits the terminal (80 columns and up), `--json` or `--csv`.

A table shows short headers and the columns a person reads; JSON and CSV carry every field of every record,
under the record's own field names, for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from luodi.ledger.tabular import to_csv  # one CSV writer for the CLI and the HTTP API

JsonOption = Annotated[bool, typer.Option("--json", help="print JSON (one object per record) instead of a table")]
CsvOption = Annotated[bool, typer.Option("--csv", help="print CSV (a header row, then one row per record)")]

Record = dict[str, Any]


@dataclass(frozen=True)
class Column:
    field: str  # the record's field shown
    header: str  # short, so that the table fits 80 columns
    justify: Literal["left", "right"] = "left"  # numbers right, and never wrapped
    wrap: bool = True  # False: a value too long is cut with an ellipsis rather than folded over lines


def plain(value: Any) -> Any:
    """A record's value as JSON carries it: money as an exact decimal string, the rest as it is."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def cell(value: Any) -> str:
    if value is None:
        return "-"
    return str(plain(value))


def output_format(as_json: bool, as_csv: bool) -> Literal["table", "json", "csv"]:
    if as_json and as_csv:
        raise typer.BadParameter("--json and --csv: choose one")
    return "json" if as_json else "csv" if as_csv else "table"


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=plain)


def table(records: Sequence[Record], columns: Sequence[Column], title: str | None = None) -> Table:
    """A compact table: no vertical rules, one space between columns."""
    shown = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), title=title, title_justify="left",
                  show_edge=False)
    for column in columns:
        numeric = column.justify == "right"
        shown.add_column(column.header, justify=column.justify, no_wrap=numeric or not column.wrap,
                         overflow="fold" if column.wrap else "ellipsis")
    for record in records:
        shown.add_row(*(cell(record.get(column.field)) for column in columns))
    return shown


def emit_grouped(console: Console, records: Sequence[Record], columns: Sequence[Column], group: str,
                 heading: str) -> None:
    """One table per value of the field `group` (a tenant, say), headed `heading` with it filled in: the value
    is read in full however long, and the columns left fit 80."""
    values = list(dict.fromkeys(record[group] for record in records))
    for value in values:
        rows = [record for record in records if record[group] == value]
        console.print(table(rows, columns, heading.format(value)))


def emit(console: Console, records: Sequence[Record], columns: Sequence[Column], fmt: str,
         fields: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print `records` in the chosen format; CSV has the columns `fields` (default: the table's)."""
    if fmt == "json":
        typer.echo(to_json(list(records)))
    elif fmt == "csv":
        typer.echo(to_csv(records, fields or [column.field for column in columns]), nl=False)
    else:
        console.print(table(records, columns, title))
