"""`luodi key list`, `luodi bill`, `luodi usage`: tables that fit 80 columns, the same records as JSON and CSV, and
the calls a quota rejected shown in usage; the calls are real ones through a live server."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import openai
import pytest
from typer.testing import CliRunner

from luodi.cli import register_commands
from luodi.cli.groups import app
from luodi.config import load_settings
from luodi.gateway.tenants import Quotas
from tests.conftest import LiveServer, write_config

register_commands(with_packs=False)
runner = CliRunner(env={"COLUMNS": "80"})
TENANT = "a-tenant-with-a-rather-long-name"


def run(config: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def config(server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One call served and one rejected (1 request a minute) for a tenant, and an operator key beside."""
    folder = tmp_path_factory.mktemp("tables")
    path = write_config(folder / "luodi.yaml", folder / "data")
    server = server_factory(load_settings(path))
    client = server.client(server.new_key(TENANT, Quotas(requests_per_minute=1, tokens_per_month=5_000_000)))
    client.chat.completions.create(model="general", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="general", messages=[{"role": "user", "content": "Hi"}], max_tokens=4)
    server.new_key(TENANT, role="operator")
    return path


def fits(output: str) -> bool:
    return max(len(line) for line in output.splitlines()) <= 80


@pytest.mark.parametrize("command", [["key", "list"], ["bill"], ["usage"]])
def test_tables_fit_80_columns(config: Path, command: list[str]) -> None:
    output = run(config, *command)
    assert fits(output), output
    assert TENANT in output  # in full, not folded over two lines


def test_usage_shows_rejected_calls(config: Path) -> None:
    [row] = json.loads(run(config, "usage", "--json"))
    assert (row["tenant"], row["requests"], row["rejected"], row["errors"]) == (TENANT, 1, 1, 0)
    title, header, _, values = run(config, "usage").splitlines()[:4]
    assert title.strip() == f"usage of {TENANT}"
    assert values.split()[header.split().index("rejected")] == "1"


def test_json_and_csv_carry_the_same_records(config: Path) -> None:
    keys = json.loads(run(config, "key", "list", "--json"))
    rows = list(csv.DictReader(io.StringIO(run(config, "key", "list", "--csv"))))
    assert [k["id"] for k in keys] == [r["id"] for r in rows] and len(keys) == 2
    assert keys[0]["requests_per_minute"] == 1 and rows[0]["requests_per_minute"] == "1"
    assert {k["role"] for k in keys} == {"member", "operator"}
    usage = json.loads(run(config, "usage", "--json"))
    assert list(csv.DictReader(io.StringIO(run(config, "usage", "--csv")))) == [
        {name: str(value) for name, value in record.items()} for record in usage]
    [bill] = json.loads(run(config, "bill", "--json"))
    [line] = bill["lines"]
    assert (bill["tenant"], line["assistant"], line["calls"]) == (TENANT, "general", 1)
    [csv_line] = csv.DictReader(io.StringIO(run(config, "bill", "--csv")))
    assert (csv_line["tenant"], csv_line["amount_usd"], csv_line["provider"]) == (TENANT, line["amount_usd"],
                                                                                  line["provider"])


def test_json_and_csv_exclude_each_other(config: Path) -> None:
    result = runner.invoke(app, ["usage", "--json", "--csv", "--config", str(config)])
    assert result.exit_code == 2 and "choose one" in result.output
