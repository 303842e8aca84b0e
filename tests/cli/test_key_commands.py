"""`luodi key create` with a role, an expiry and the assistants a key may call; `luodi key update`; `luodi key list`
showing them; and the platform admin key `luodi serve` makes on first start. The keys are used against a real
server on the same database."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from luodi.cli import register_commands
from luodi.cli.groups import app
from luodi.cli.serve import admin_key_file, ensure_demo_key, ensure_platform_key
from luodi.config import AssistantConfig, load_settings
from luodi.gateway import assistants as tenant_assistants
from luodi.gateway.tenants import PLATFORM_TENANT, ApiKey, Tenant, find_tenant
from luodi.ledger.audit import AuditRecord
from luodi.store import Store
from tests.conftest import LiveServer, write_config

register_commands(with_packs=False)
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture()
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    assert run(path, "tenant", "create", "acme")[0] == 0
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config)])
    return result.exit_code, result.output


def created(config: Path, *options: str) -> tuple[str, str]:
    """`key create acme OPTIONS`: the key id and the secret."""
    code, output = run(config, "key", "create", "acme", *options)
    assert code == 0, output
    lines = output.strip().splitlines()
    return lines[0].removeprefix("key id ").strip(), lines[-1]


def keys(config: Path) -> dict[str, dict[str, Any]]:
    code, output = run(config, "key", "list", "--json")
    assert code == 0, output
    return {record["id"]: record for record in json.loads(output)}


def audited(config: Path, kind: str) -> list[dict[str, Any]]:
    store = Store(load_settings(config).resolved_database_url)
    with store.transaction() as session:
        payloads = [json.loads(r.payload) for r in session.scalars(select(AuditRecord).where(AuditRecord.kind == kind))]
    store.dispose()
    return payloads


def test_a_key_is_created_with_a_role_an_expiry_and_assistants(config: Path) -> None:
    admin_id, _ = created(config, "--role", "admin")
    operator_id, _ = created(config, "--operator")
    limited_id, _ = created(config, "--expires", "2099-06-30", "--assistant", "general", "--assistant", "hotel")
    at_time_id, _ = created(config, "--expires", "2099-06-30T18:30:00+02:00")
    listed = keys(config)
    assert (listed[admin_id]["role"], listed[operator_id]["role"], listed[limited_id]["role"]) == (
        "admin", "operator", "member")
    assert listed[limited_id]["expires_at"] == "2099-06-30 00:00"
    assert listed[limited_id]["allowed_assistants"] == "general hotel"
    assert listed[at_time_id]["expires_at"] == "2099-06-30 16:30"  # stored in UTC
    assert listed[admin_id]["allowed_assistants"] is None and listed[admin_id]["expires_at"] is None
    assert run(config, "key", "revoke", operator_id)[0] == 0
    code, table = run(config, "key", "list", "acme")
    assert code == 0 and "admin" in table and "general hotel" in table and "2099-06-30" in table
    assert table.count("revoked") == 1 and table.count(" all ") == 3  # the limited key names its assistants
    [record] = [r for r in audited(config, "key.created") if r["key_id"] == limited_id]
    assert record["allowed_assistants"] == ["general", "hotel"] and record["expires_at"].startswith("2099-06-30")


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--role", "owner"], "one of member, operator, admin, platform"),
        (["--role", "platform"], "belong to the 'platform' tenant"),
        (["--role", "admin", "--operator"], "choose one"),
        (["--expires", "2020-01-01"], "must be in the future"),
        (["--expires", "next week"], "ISO date"),
        (["--assistant", "general", "--assistant", "nope"], "'nope'"),
    ],
)
def test_a_bad_key_option_fails_naming_it(config: Path, options: list[str], words: str) -> None:
    code, output = run(config, "key", "create", "acme", *options)
    assert code == 1 and words in " ".join(output.split()), output
    assert keys(config) == {}


def define_assistant(config: Path, tenant: str, name: str) -> None:
    """A tenant's own assistant, as POST /v1/assistants would store it."""
    store = Store(load_settings(config).resolved_database_url)
    with store.transaction() as session:
        tenant_assistants.define(session, find_tenant(session, tenant).id, name,
                                 AssistantConfig(base_model="smollm2-135m"))
    store.dispose()


def test_a_key_may_be_limited_to_the_tenants_own_assistant_and_not_another_tenants(config: Path) -> None:
    assert run(config, "tenant", "create", "globex")[0] == 0
    define_assistant(config, "acme", "acme-docs")
    define_assistant(config, "globex", "globex-docs")
    key_id, _ = created(config, "--assistant", "acme-docs", "--assistant", "general")
    assert keys(config)[key_id]["allowed_assistants"] == "acme-docs general"
    code, output = run(config, "key", "create", "acme", "--assistant", "globex-docs")
    assert code == 1 and "'globex-docs'" in output and "acme-docs" in " ".join(output.split()), output
    other_id, _ = created(config)
    code, output = run(config, "key", "update", other_id, "--assistant", "acme-docs")
    assert code == 0, output
    assert keys(config)[other_id]["allowed_assistants"] == "acme-docs"
    assert run(config, "key", "update", other_id, "--assistant", "globex-docs")[0] == 1


def test_a_platform_key_belongs_to_the_platform_tenant(config: Path) -> None:
    assert run(config, "tenant", "create", PLATFORM_TENANT)[0] == 0
    code, output = run(config, "key", "create", PLATFORM_TENANT, "--role", "platform")
    assert code == 0, output
    assert [record["role"] for record in keys(config).values()] == ["platform"]


def test_key_update_changes_what_it_is_given_and_nothing_else(config: Path) -> None:
    key_id, _ = created(config, "--name", "bot", "--rpm", "5", "--tokens", "900", "--assistant", "general")
    code, output = run(config, "key", "update", key_id, "--rpm", "7", "--budget", "1.5", "--expires", "2099-01-01")
    assert code == 0 and "updated" in output, output
    key = keys(config)[key_id]
    assert (key["name"], key["requests_per_minute"], key["tokens_per_month"], key["budget_usd_per_month"]) == (
        "bot", 7, 900, "1.5")
    assert (key["expires_at"], key["allowed_assistants"]) == ("2099-01-01 00:00", "general")
    code, output = run(config, "key", "update", key_id, "--tokens", "none", "--expires", "never", "--all-assistants",
                       "--role", "operator")
    assert code == 0, output
    key = keys(config)[key_id]
    assert (key["tokens_per_month"], key["expires_at"], key["allowed_assistants"], key["role"]) == (
        None, None, None, "operator")
    assert key["requests_per_minute"] == 7
    changes = [record["changed"] for record in audited(config, "key.updated")]
    assert changes == [["budget_usd_per_month", "expires_at", "requests_per_minute"],
                       ["allowed_assistants", "expires_at", "role", "tokens_per_month"]]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ([], "nothing to change"),
        (["--rpm", "many"], "whole number"),
        (["--rpm", "-3"], "must not be negative"),
        (["--expires", "2001-01-01"], "must be in the future"),
        (["--assistant", "nope"], "'nope'"),
        (["--assistant", "general", "--all-assistants"], "choose one"),
        (["--role", "platform"], "belong to the 'platform' tenant"),
    ],
)
def test_a_bad_update_fails_naming_it_and_changes_nothing(config: Path, options: list[str], words: str) -> None:
    key_id, _ = created(config, "--rpm", "5")
    before = keys(config)[key_id]
    code, output = run(config, "key", "update", key_id, *options)
    assert code == 1 and words in " ".join(output.split()), output
    assert keys(config)[key_id] == before and audited(config, "key.updated") == []


def test_an_unknown_key_cannot_be_updated(config: Path) -> None:
    code, output = run(config, "key", "update", "no-such-key", "--rpm", "1")
    assert code == 1 and "no key with id 'no-such-key'" in output


def test_the_cli_keys_limits_hold_on_the_server(server_factory: Callable[..., LiveServer], config: Path) -> None:
    server = server_factory(load_settings(config))
    _, limited = created(config, "--assistant", "general")
    with pytest.raises(openai.PermissionDeniedError) as refused:
        server.client(limited).chat.completions.create(
            model="hotel", messages=[{"role": "user", "content": "hi"}], max_tokens=4)
    assert refused.value.code == "assistant_not_allowed"
    key_id, soon_expired = created(config, "--expires", "2099-01-01")
    server.client(soon_expired).models.list()
    store = Store(load_settings(config).resolved_database_url)
    with store.transaction() as session:  # as if the date had come: the CLI refuses to set a past expiry
        session.get_one(ApiKey, key_id).expires_at = session.get_one(ApiKey, key_id).created_at
    store.dispose()
    with pytest.raises(openai.AuthenticationError) as expired:
        server.client(soon_expired).models.list()
    assert expired.value.code == "expired_api_key"


def test_first_start_writes_a_platform_admin_key_readable_by_its_owner_only(
    server_factory: Callable[..., LiveServer], config: Path
) -> None:
    server = server_factory(load_settings(config))
    assert ensure_demo_key(server.platform) is True and ensure_platform_key(server.platform) is True
    path = admin_key_file(server.platform.settings)
    secret = path.read_text(encoding="utf-8").strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_platform_key(server.platform) is False  # the second start keeps it
    assert path.read_text(encoding="utf-8").strip() == secret
    caller = server.platform.authenticate(secret)
    assert caller.is_platform_admin and caller.tenant_name == PLATFORM_TENANT
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {secret}"}) as admin:
        assert admin.post("/tenants", json={"name": "initech"}).status_code == 200
    with server.platform.store.transaction() as session:
        assert session.scalar(select(Tenant).where(Tenant.name == PLATFORM_TENANT)) is not None
