"""The `luodi` commands a user types: tenants, keys, usage, bills, audit, ask and chat against a real server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from luodi.cli import COMMAND_MODULES, main  # noqa: F401  (main registers the command modules)
from luodi.cli.groups import app
from luodi.config import load_settings
from luodi.ledger.audit import AuditRecord
from luodi.modules import import_if_present
from luodi.store import Store
from tests.conftest import LiveServer, write_config

for _module in COMMAND_MODULES:
    import_if_present(f"luodi.cli.{_module}")

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "luodi.yaml", tmp_path / "data")


def run(config: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)], input=stdin)
    return result.exit_code, result.output


def test_tenants_keys_usage_bill_and_audit(config: Path) -> None:
    assert run(config, "tenant", "create", "acme")[0] == 0
    code, output = run(config, "tenant", "create", "acme")
    assert code == 1 and "exists already" in output
    code, output = run(config, "key", "create", "acme", "--rpm", "5", "--budget", "2.5")
    assert code == 0
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("lk-")
    assert run(config, "key", "create", "nobody")[0] == 1
    assert run(config, "key", "create", "acme", "--budget", "lots")[1].count("must be a number") == 1
    assert run(config, "key", "create", "acme", "--operator")[0] == 0
    code, listing = run(config, "key", "list", "acme")
    assert code == 0 and secret[:10] in listing and secret not in listing
    assert listing.count("operator") == 1 and listing.count("member") == 1
    assert run(config, "key", "revoke", secret[:10])[0] == 0
    assert run(config, "usage")[0] == 0
    assert "YYYY-MM" in run(config, "bill", "--month", "2026-13")[1]
    code, output = run(config, "audit", "verify")
    assert code == 0 and "intact: 4 records" in output.replace("\n", " ")


def test_audit_verify_names_the_tampered_record(config: Path) -> None:
    run(config, "tenant", "create", "acme")
    run(config, "tenant", "create", "globex")
    store = Store(load_settings(config).resolved_database_url)
    with store.transaction() as session:
        session.execute(update(AuditRecord).where(AuditRecord.seq == 1).values(payload='{"name":"evil"}'))
    store.dispose()
    code, output = run(config, "audit", "verify")
    assert code == 1 and "record 1" in output


def test_ask_and_chat_go_through_the_api(server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    server = server_factory()
    config = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    key = server.new_key()
    code, output = run(config, "ask", "general", "Say hi.", "--url", server.url, "--api-key", key)
    assert code == 0 and output.strip()
    code, output = run(config, "chat", "general", "--url", server.url, "--api-key", key, stdin="Hello\nBye\n\n")
    assert code == 0 and output.count("general>") == 2
    code, output = run(config, "ask", "nope", "hi", "--url", server.url, "--api-key", key)
    assert code == 1 and "404" in output
    code, output = run(config, "ask", "general", "hi", "--url", "http://127.0.0.1:9/v1", "--api-key", key)
    assert code == 1 and "cannot reach" in output
