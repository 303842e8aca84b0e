"""`luodi packs` lists what each installed pack gives, and a configured pack of the company's own."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

import luodi.cli.packs  # noqa: F401  (registers the command)
from luodi.cli.groups import app
from tests.conftest import write_config

runner = CliRunner(env={"COLUMNS": "500"})


def test_the_shipped_packs_and_a_configured_one_are_listed(tmp_path: Path) -> None:
    config = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    config.write_text(yaml.safe_dump({**settings, "packs": ["tests.packs.warehouse.pack:PACK"]}), encoding="utf-8")
    result = runner.invoke(app, ["packs", "--config", str(config)])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 2}
    assert {"travel", "funds", "filings", "warehouse"} <= set(rows)
    assert "scenario funds" in rows["funds"] and "understander keywords" in rows["warehouse"]
    assert "extractor statements" in rows["filings"]
