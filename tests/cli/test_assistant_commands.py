"""`luodi kb …` and `luodi assistant …` as clients of the real server (issue 13): a tenant's admin feeds a
knowledge base from files, waits for it to be read (a broken PDF fails by name), defines a grounded assistant over
it, asks it with `luodi ask`, changes it and deletes it; a member key gets the service's refusal, never a
traceback; and the demo key `luodi serve` writes is its tenant's admin key, so all this works with it as it is."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from luodi.cli import register_commands
from luodi.cli.common import demo_key_file
from luodi.cli.groups import app
from luodi.cli.serve import ensure_demo_key
from luodi.config import load_settings
from tests.conftest import LiveServer, write_config

register_commands(with_packs=False)
wide = CliRunner(env={"COLUMNS": "250"})
narrow = CliRunner(env={"COLUMNS": "80"})
POLICY = "# Travel policy\n\nEconomy class is booked for flights under six hours.\n"
QUESTION = "Which class is booked for flights under six hours?"
VECTOR_STORE_ID = re.compile(r"\bvs_[0-9a-f]{24}\b")


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The settings the CLI loads; the server it talks to is named by --url."""
    folder = tmp_path_factory.mktemp("assistant-commands")
    return write_config(folder / "luodi.yaml", folder / "data")


@pytest.fixture()
def documents(tmp_path: Path) -> tuple[Path, Path]:
    policy, broken = tmp_path / "policy.md", tmp_path / "broken.pdf"
    policy.write_text(POLICY, encoding="utf-8")
    broken.write_bytes(b"%PDF-1.4 not really")
    return policy, broken


class Cli:
    """The `luodi` command line, pointed at a server with one key."""

    def __init__(self, config: Path, url: str, key: str, runner: CliRunner = wide) -> None:
        self.config, self.url, self.key, self.runner = config, url, key, runner

    def result(self, *args: str) -> Result:
        return self.runner.invoke(app, [*args, "--config", str(self.config), "--url", self.url, "--api-key", self.key])

    def ok(self, *args: str) -> str:
        result = self.result(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def refused(self, *args: str) -> str:
        """The output of a command the service refuses: exit code 1, a clean exit, no traceback."""
        result = self.result(*args)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))


def created_store(cli: Cli, name: str, *files: Path) -> str:
    """`kb create NAME FILES --wait`: the new knowledge base's id (whether or not every file was read)."""
    result = cli.result("kb", "create", name, *map(str, files), "--wait")
    found = VECTOR_STORE_ID.search(result.output)
    assert found is not None, result.output
    return found.group()


def admin_cli(live: LiveServer, config: Path, tenant: str | None = None) -> Cli:
    return Cli(config, live.url, live.new_key(tenant or f"cli-{uuid.uuid4().hex[:8]}", role="admin"))


def test_an_admin_feeds_a_knowledge_base_and_builds_asks_changes_deletes_an_assistant(
        live: LiveServer, config: Path, documents: tuple[Path, Path]) -> None:
    cli = admin_cli(live, config)
    policy, broken = documents
    waited = cli.result("kb", "create", "travel", str(policy), str(broken), "--wait")
    assert waited.exit_code == 1, waited.output  # one file failed
    assert "1 of 2 files completed" in waited.output
    failure = next(line for line in waited.output.splitlines() if line.startswith("failed:"))
    assert "broken.pdf" in failure and "policy.md" not in failure
    found = VECTOR_STORE_ID.search(waited.output)
    assert found is not None, waited.output
    store = found.group()

    [listed] = [s for s in cli.json("kb", "list") if s["id"] == store]
    assert (listed["name"], listed["files"], listed["completed"], listed["failed"]) == ("travel", 2, 1, 1)
    files = {f["filename"]: f for f in cli.json("kb", "files", store)}
    assert files["policy.md"]["status"] == "completed" and files["policy.md"]["pages_done"] >= 1
    assert files["broken.pdf"]["status"] == "failed" and "broken.pdf" in files["broken.pdf"]["error"]
    table = cli.ok("kb", "files", store)
    assert "completed" in table and "\nfailed: broken.pdf (file-" in table

    cli.ok("assistant", "create", "travel-docs", "--kind", "grounded", "--base-model", "smollm2-135m", "--kb", store,
           "--option", "phrase_with_model=false", "--description", "Answers from the travel policy")
    listing = {a["name"]: a for a in cli.json("assistant", "list")}
    assert listing["travel-docs"]["owned_by"] == "tenant" and listing["travel-docs"]["knowledge_bases"] == [store]
    assert listing["general"]["owned_by"] == "platform"
    rows = {line.split()[0]: line.split()[1] for line in cli.ok("assistant", "list").splitlines()[2:] if line}
    assert rows["travel-docs"] == "own" and rows["general"] == "catalogue"

    answer = cli.ok("ask", "travel-docs", QUESTION)
    assert answer.strip() and "error" not in answer
    assert "policy.md" in cli.ok("kb", "search", store, "flights under six hours")

    cli.ok("assistant", "update", "travel-docs", "--description", "The travel policy",
           "--option", "skills=[passages, calculation]")
    shown = cli.json("assistant", "show", "travel-docs")
    assert shown["description"] == "The travel policy" and shown["revision"] == 2
    assert shown["options"] == {"phrase_with_model": False, "skills": ["passages", "calculation"]}  # merged
    assert shown["knowledge_bases"] == [store]  # kept
    assert "409" in cli.refused("kb", "delete", store) and "travel-docs" in cli.refused("kb", "delete", store)

    cli.ok("assistant", "delete", "travel-docs")
    assert "404" in cli.refused("assistant", "show", "travel-docs")
    assert "travel-docs" not in {a["name"] for a in cli.json("assistant", "list")}
    cli.ok("kb", "remove", store, "policy.md")  # by its name
    [left] = cli.json("kb", "files", store)
    assert left["filename"] == "broken.pdf"
    cli.ok("kb", "remove", store, left["id"])  # by its id
    assert cli.json("kb", "files", store) == []
    cli.ok("kb", "delete", store)
    assert store not in {s["id"] for s in cli.json("kb", "list")}


def test_kb_add_states_the_company_and_period_of_the_documents(
        live: LiveServer, config: Path, documents: tuple[Path, Path]) -> None:
    cli = admin_cli(live, config)
    store = created_store(cli, "empty")
    added = cli.ok("kb", "add", store, str(documents[0]), "--company", "Acme", "--period", "2022", "--wait")
    assert "1 of 1 files completed" in added
    [record] = cli.json("kb", "files", store)
    assert (record["status"], record["company"], record["period_year"]) == ("completed", "Acme", 2022)
    assert record["attributes"] == {"company": "Acme", "period_year": 2022}
    assert "404" in cli.refused("kb", "add", "vs_" + "0" * 24, str(documents[0]))


def test_tables_fit_80_columns(live: LiveServer, config: Path, documents: tuple[Path, Path]) -> None:
    cli = admin_cli(live, config)
    store = created_store(cli, "a knowledge base with a rather long name", *documents)
    cli.ok("assistant", "create", "a-rather-long-assistant-name", "--kind", "grounded", "--base-model",
           "smollm2-135m", "--kb", store, "--description", "An assistant with a long description " * 3)
    narrow_cli = Cli(cli.config, cli.url, cli.key, narrow)
    for args in (("assistant", "list"), ("assistant", "show", "a-rather-long-assistant-name"), ("kb", "list"),
                 ("kb", "files", store)):
        output = narrow_cli.ok(*args)
        assert max(len(line) for line in output.splitlines()) <= 80, output


def test_a_member_key_gets_the_service_s_refusal_not_a_traceback(
        live: LiveServer, config: Path, documents: tuple[Path, Path]) -> None:
    tenant = f"members-{uuid.uuid4().hex[:8]}"
    admin_cli(live, config, tenant).ok("assistant", "create", "helper", "--base-model", "smollm2-135m")
    member = Cli(config, live.url, live.new_key(tenant, role="member"))
    for refused in (member.refused("assistant", "create", "mine", "--base-model", "smollm2-135m"),
                    member.refused("assistant", "delete", "helper"),
                    member.refused("kb", "create", "mine", str(documents[0]))):
        assert "error: 403: " in refused and "role admin" in refused
        assert "Error code" not in refused  # the service's message, not the SDK's wrapping of it
    assert "helper" in {a["name"] for a in member.json("assistant", "list")}  # reading needs no admin


def test_what_is_wrong_is_named(live: LiveServer, config: Path, closed_port: int) -> None:
    cli = admin_cli(live, config)
    assert "key=value" in cli.refused("assistant", "create", "x", "--base-model", "smollm2-135m", "--option", "oops")
    assert "error: 400: " in cli.refused("assistant", "create", "x", "--base-model", "gpt-9")
    assert "nothing to change" in cli.refused("assistant", "update", "x")
    assert "platform's" in cli.refused("assistant", "update", "general", "--description", "mine now")
    store = created_store(cli, "empty")
    assert "no file 'nowhere.md'" in cli.refused("kb", "remove", store, "nowhere.md")
    assert "404: " in cli.refused("kb", "files", "vs_" + "0" * 24)
    unreachable = Cli(config, f"http://127.0.0.1:{closed_port}/v1", cli.key)
    assert "cannot reach the service" in unreachable.refused("assistant", "list")
    assert "cannot reach the service" in unreachable.refused("kb", "list")


def test_the_demo_key_is_its_tenant_s_admin_and_a_key_file_there_is_kept(
        server_factory: Callable[..., LiveServer], tmp_path: Path) -> None:
    path = write_config(tmp_path / "luodi.yaml", tmp_path / "data")
    server = server_factory(load_settings(path))
    assert ensure_demo_key(server.platform) is True
    key_file = demo_key_file(server.platform.settings)
    secret = key_file.read_text(encoding="utf-8").strip()
    assert server.platform.authenticate(secret).is_tenant_admin
    assert ensure_demo_key(server.platform) is False and key_file.read_text(encoding="utf-8").strip() == secret
    # no --api-key: the CLI uses the demo key, and may define an assistant with it
    made = wide.invoke(app, ["assistant", "create", "mine", "--base-model", "smollm2-135m", "--config", str(path),
                             "--url", server.url])
    assert made.exit_code == 0, made.output
    assert "mine" in {m.id for m in server.client(secret).models.list().data}
